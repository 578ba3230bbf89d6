// storage_service: OpsBrain's records over gRPC, on PostgreSQL or SQLite.
//
// Configuration: flags, else environment variables, else defaults.
//   --listen / STORAGE_LISTEN        default 127.0.0.1:50051
//   --database_url / DATABASE_URL    default sqlite://opsbrain-store.db
//   --migrate                        apply pending migrations at start
//   --tls_cert, --tls_key, --tls_client_ca / STORAGE_TLS_*
//   --drain_timeout                  how long SIGTERM waits for calls
#include <signal.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "common/env_flags.h"
#include "common/logging.h"
#include "storage_service/storage_server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve on; port 0 picks a free port. Env: "
          "STORAGE_LISTEN.");
ABSL_FLAG(std::string, database_url, "",
          "postgres://..., postgresql://... or sqlite://PATH; empty for "
          "the SQLite file opsbrain-store.db. Env: DATABASE_URL.");
ABSL_FLAG(bool, migrate, false,
          "apply pending schema migrations before serving");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain file for TLS. Env: STORAGE_TLS_CERT.");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key file for TLS. Env: STORAGE_TLS_KEY.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA file that client certificates must chain to (mTLS). Env: "
          "STORAGE_TLS_CLIENT_CA.");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(10),
          "on SIGTERM, how long calls in flight may run on");
ABSL_FLAG(bool, verbose, false, "log one line per call");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Serves OpsBrain's records over gRPC (opsbrain.v1.Repository).");
  for (absl::Status status :
       {opsbrain::FlagFromEnv(&FLAGS_listen, "STORAGE_LISTEN"),
        opsbrain::FlagFromEnv(&FLAGS_database_url, "DATABASE_URL"),
        opsbrain::FlagFromEnv(&FLAGS_tls_cert, "STORAGE_TLS_CERT"),
        opsbrain::FlagFromEnv(&FLAGS_tls_key, "STORAGE_TLS_KEY"),
        opsbrain::FlagFromEnv(&FLAGS_tls_client_ca, "STORAGE_TLS_CLIENT_CA")}) {
    if (!status.ok()) {
      OPSBRAIN_LOG(ERROR) << status.message();
      return 2;
    }
  }
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_verbose)) {
    opsbrain::SetMinLogSeverity(opsbrain::LogSeverity::kVerbose);
  }

  // Signals are taken by sigwait below, so every thread must block them;
  // block before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  opsbrain::StorageServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.database_url = absl::GetFlag(FLAGS_database_url);
  options.migrate_on_start = absl::GetFlag(FLAGS_migrate);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);

  absl::StatusOr<std::unique_ptr<opsbrain::StorageServer>> server =
      opsbrain::StorageServer::Start(options);
  if (!server.ok()) {
    OPSBRAIN_LOG(ERROR) << "cannot start: " << server.status();
    return 1;
  }
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  OPSBRAIN_LOG(INFO) << "listening on " << host << ":" << (*server)->port();

  int signal = 0;
  sigwait(&signals, &signal);
  OPSBRAIN_LOG(INFO) << "received "
                     << (signal == SIGTERM ? "SIGTERM" : "SIGINT")
                     << "; draining calls in flight";
  (*server)->Shutdown(absl::GetFlag(FLAGS_drain_timeout));
  OPSBRAIN_LOG(INFO) << "stopped";
  return 0;
}
