// storage_service: OpsBrain's records over gRPC, on PostgreSQL or SQLite.
//
// Configuration: flags, else environment variables, else defaults.
//   --listen / STORAGE_LISTEN        default 127.0.0.1:50051
//   --database_url / DATABASE_URL    default sqlite://opsbrain-store.db
//   --migrate                        apply pending migrations at start
//   --tls_cert, --tls_key, --tls_client_ca / STORAGE_TLS_*
//   --drain_timeout                  how long SIGTERM waits for calls
//   --database_*, --sqlite_checkpoint_interval   the database pool
//   --slow_query_threshold, --health_probe_interval, --sweep_interval,
//   --metrics_retention, --metrics_listen / STORAGE_METRICS_LISTEN
//                                    operations; see each flag below
#include <signal.h>

#include <cstdio>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/duration_flag.h"
#include "common/env_flags.h"
#include "common/logging.h"
#include "common/release_mutex_mode.h"
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

// The database pool.
ABSL_FLAG(int, database_pool_size, 8,
          "most database connections open at once (SQLite: connections "
          "opened at start)");
ABSL_FLAG(absl::Duration, database_wait, absl::Seconds(30),
          "at start, how long to keep retrying a PostgreSQL server that does "
          "not answer before exiting");
ABSL_FLAG(absl::Duration, database_connect_timeout, absl::Seconds(5),
          "PostgreSQL: bound on each connection attempt, unless the URL sets "
          "connect_timeout (whole seconds, at least 2)");
ABSL_FLAG(absl::Duration, database_statement_timeout, absl::Seconds(30),
          "PostgreSQL: statements running longer are cancelled and fail "
          "with DEADLINE_EXCEEDED; 0 leaves the server's setting");
ABSL_FLAG(absl::Duration, database_pool_wait, absl::Seconds(10),
          "PostgreSQL: how long a call waits for a free connection before "
          "failing with UNAVAILABLE");
ABSL_FLAG(absl::Duration, database_idle_timeout, absl::Minutes(5),
          "PostgreSQL: idle connections unused this long are closed; 0 "
          "keeps them");
ABSL_FLAG(absl::Duration, database_max_lifetime, absl::Minutes(30),
          "PostgreSQL: connections open this long are closed when next "
          "idle; 0 keeps them");
ABSL_FLAG(absl::Duration, sqlite_checkpoint_interval, absl::Minutes(1),
          "SQLite: how often the write-ahead log is checkpointed and "
          "truncated (it is also when it passes 4 MiB); 0 only by size");

// Operations.
ABSL_FLAG(absl::Duration, slow_query_threshold, absl::Milliseconds(500),
          "statements slower than this are logged at WARNING by name; 0 "
          "logs none");
ABSL_FLAG(absl::Duration, health_probe_interval, absl::Seconds(1),
          "how often the database is pinged; health is NOT_SERVING while "
          "it does not answer");
ABSL_FLAG(absl::Duration, sweep_interval, absl::Minutes(10),
          "how often expired thread contexts (and metrics past "
          "--metrics_retention) are deleted; 0 never");
ABSL_FLAG(opsbrain::DurationWithDays, metrics_retention,
          opsbrain::DurationWithDays{},
          "performance metrics older than this (e.g. 90d) are deleted by the "
          "sweeper, 1000 rows per transaction; 0 keeps them forever");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port serving Prometheus metrics at GET /metrics (e.g. "
          "127.0.0.1:9090); empty serves none. Env: STORAGE_METRICS_LISTEN.");

int main(int argc, char** argv) {
  opsbrain::UseReleaseMutexMode();
  absl::SetProgramUsageMessage(
      "Serves OpsBrain's records over gRPC (opsbrain.v1.Repository).");
  for (absl::Status status :
       {opsbrain::FlagFromEnv(&FLAGS_listen, "STORAGE_LISTEN"),
        opsbrain::FlagFromEnv(&FLAGS_database_url, "DATABASE_URL"),
        opsbrain::FlagFromEnv(&FLAGS_tls_cert, "STORAGE_TLS_CERT"),
        opsbrain::FlagFromEnv(&FLAGS_tls_key, "STORAGE_TLS_KEY"),
        opsbrain::FlagFromEnv(&FLAGS_tls_client_ca, "STORAGE_TLS_CLIENT_CA"),
        opsbrain::FlagFromEnv(&FLAGS_metrics_listen,
                              "STORAGE_METRICS_LISTEN")}) {
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
  options.database.pool_size = absl::GetFlag(FLAGS_database_pool_size);
  options.database.connect_timeout =
      absl::GetFlag(FLAGS_database_connect_timeout);
  options.database.statement_timeout =
      absl::GetFlag(FLAGS_database_statement_timeout);
  options.database.pool_wait_timeout = absl::GetFlag(FLAGS_database_pool_wait);
  options.database.max_idle_time = absl::GetFlag(FLAGS_database_idle_timeout);
  options.database.max_lifetime = absl::GetFlag(FLAGS_database_max_lifetime);
  options.database.checkpoint_interval =
      absl::GetFlag(FLAGS_sqlite_checkpoint_interval);
  options.database_wait = absl::GetFlag(FLAGS_database_wait);
  options.slow_query_threshold = absl::GetFlag(FLAGS_slow_query_threshold);
  options.health_probe_interval = absl::GetFlag(FLAGS_health_probe_interval);
  options.sweep_interval = absl::GetFlag(FLAGS_sweep_interval);
  options.metrics_retention = absl::GetFlag(FLAGS_metrics_retention).value;
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  if (options.health_probe_interval <= absl::ZeroDuration()) {
    OPSBRAIN_LOG(ERROR) << "--health_probe_interval must be positive";
    return 2;
  }

  // One thread takes the stop signal from the start on, so that it also
  // ends the start-up wait for the database.
  absl::Notification stop_requested;
  int signal = 0;
  std::thread signal_taker([&signals, &signal, &stop_requested] {
    sigwait(&signals, &signal);
    stop_requested.Notify();
  });
  options.stop_requested = &stop_requested;

  absl::StatusOr<std::unique_ptr<opsbrain::StorageServer>> server =
      opsbrain::StorageServer::Start(options);
  if (!server.ok()) {
    if (absl::IsCancelled(server.status()) &&
        stop_requested.HasBeenNotified()) {
      signal_taker.join();
      OPSBRAIN_LOG(INFO) << "received "
                         << (signal == SIGTERM ? "SIGTERM" : "SIGINT")
                         << " while starting: " << server.status().message()
                         << "; stopped";
      return 0;
    }
    OPSBRAIN_LOG(ERROR) << "cannot start: " << server.status();
    // Ends the signal thread's wait, unless a signal already did.
    if (!stop_requested.HasBeenNotified()) {
      pthread_kill(signal_taker.native_handle(), SIGTERM);
    }
    signal_taker.join();
    return 1;
  }
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  OPSBRAIN_LOG(INFO) << "listening on " << host << ":" << (*server)->port();

  signal_taker.join();
  OPSBRAIN_LOG(INFO) << "received "
                     << (signal == SIGTERM ? "SIGTERM" : "SIGINT")
                     << "; draining calls in flight";
  (*server)->Shutdown(absl::GetFlag(FLAGS_drain_timeout));
  OPSBRAIN_LOG(INFO) << "stopped";
  return 0;
}
