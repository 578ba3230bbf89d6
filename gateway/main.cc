// The gateway: the public HTTP/JSON door to the storage service's gRPC
// Repository API. See gateway_handler.h for what it does per request.
//
// Every flag falls back to an environment variable when it is not on the
// command line (twelve-factor), then to its default: the environment sets
// the flags first and the command line overrides them. SIGTERM or SIGINT
// stops it: it stops accepting, cancels the calls in flight, exits 0.
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/env_flags.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "gateway/gateway_handler.h"
#include "gateway/grpc_backend.h"
#include "gateway/http_server.h"
#include "gateway/linked_services.h"
#include "gateway/router.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

ABSL_FLAG(int, port, 8080, "HTTP port; 0 picks a free one. Env: PORT.");
ABSL_FLAG(std::string, bind_address, "0.0.0.0",
          "Address to listen on. Env: GATEWAY_BIND_ADDRESS.");
ABSL_FLAG(std::string, storage, "127.0.0.1:50051",
          "gRPC address of the storage service. Env: STORAGE_ADDR.");
ABSL_FLAG(int, threads, 0,
          "HTTP worker threads; 0 means one per core. Env: GATEWAY_THREADS.");
ABSL_FLAG(int64_t, max_body_bytes, 1 << 20,
          "Largest request body accepted; larger is 413. "
          "Env: GATEWAY_MAX_BODY_BYTES.");
ABSL_FLAG(absl::Duration, request_timeout, absl::Seconds(10),
          "Deadline of each call on the storage service. "
          "Env: GATEWAY_REQUEST_TIMEOUT.");
ABSL_FLAG(absl::Duration, read_timeout, absl::Seconds(30),
          "Time a client has to send a whole request (and to read a "
          "response, and to idle between requests). "
          "Env: GATEWAY_READ_TIMEOUT.");
ABSL_FLAG(bool, verbose, false,
          "Log why calls failed, per request, beside the access log. "
          "Env: GATEWAY_VERBOSE.");

namespace opsbrain::gateway {
namespace {

struct GatewayOptions {
  HttpServerOptions http;
  std::string storage_address;
  absl::Duration request_timeout;
};

absl::Status FlagsFromEnv() {
  OPSBRAIN_RETURN_IF_ERROR(FlagFromEnv(&FLAGS_port, "PORT"));
  OPSBRAIN_RETURN_IF_ERROR(
      FlagFromEnv(&FLAGS_bind_address, "GATEWAY_BIND_ADDRESS"));
  OPSBRAIN_RETURN_IF_ERROR(FlagFromEnv(&FLAGS_storage, "STORAGE_ADDR"));
  OPSBRAIN_RETURN_IF_ERROR(FlagFromEnv(&FLAGS_threads, "GATEWAY_THREADS"));
  OPSBRAIN_RETURN_IF_ERROR(
      FlagFromEnv(&FLAGS_max_body_bytes, "GATEWAY_MAX_BODY_BYTES"));
  OPSBRAIN_RETURN_IF_ERROR(
      FlagFromEnv(&FLAGS_request_timeout, "GATEWAY_REQUEST_TIMEOUT"));
  OPSBRAIN_RETURN_IF_ERROR(
      FlagFromEnv(&FLAGS_read_timeout, "GATEWAY_READ_TIMEOUT"));
  OPSBRAIN_RETURN_IF_ERROR(FlagFromEnv(&FLAGS_verbose, "GATEWAY_VERBOSE"));
  return absl::OkStatus();
}

absl::StatusOr<GatewayOptions> OptionsFromFlags() {
  GatewayOptions options;
  options.http.port = absl::GetFlag(FLAGS_port);
  options.http.address = absl::GetFlag(FLAGS_bind_address);
  options.storage_address = absl::GetFlag(FLAGS_storage);
  options.http.threads = absl::GetFlag(FLAGS_threads);
  const int64_t max_body_bytes = absl::GetFlag(FLAGS_max_body_bytes);
  options.request_timeout = absl::GetFlag(FLAGS_request_timeout);
  options.http.read_timeout = absl::GetFlag(FLAGS_read_timeout);

  if (options.http.port < 0 || options.http.port > 65535) {
    return absl::InvalidArgumentError("--port must be 0 to 65535");
  }
  if (options.http.threads < 0) {
    return absl::InvalidArgumentError("--threads must not be negative");
  }
  if (options.http.threads == 0) {
    options.http.threads =
        std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }
  if (max_body_bytes <= 0) {
    return absl::InvalidArgumentError("--max_body_bytes must be positive");
  }
  options.http.max_body_bytes = static_cast<uint64_t>(max_body_bytes);
  if (options.request_timeout <= absl::ZeroDuration() ||
      options.http.read_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("timeouts must be positive");
  }
  return options;
}

int Run() {
  absl::StatusOr<GatewayOptions> options = OptionsFromFlags();
  if (!options.ok()) {
    OPSBRAIN_LOG(ERROR) << options.status().message();
    return 2;
  }
  if (absl::GetFlag(FLAGS_verbose)) SetMinLogSeverity(LogSeverity::kVerbose);

  // Every thread started from here on inherits the blocked signals, so
  // only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // The routes, from the google.api.http options of the linked services.
  const std::vector<const google::protobuf::ServiceDescriptor*> services =
      LinkedServices();
  for (const google::protobuf::ServiceDescriptor* service : services) {
    if (service == nullptr) {
      OPSBRAIN_LOG(ERROR) << "a linked service has no descriptor";
      return 1;
    }
  }
  absl::StatusOr<Router> router = Router::Build(services);
  if (!router.ok()) {
    OPSBRAIN_LOG(ERROR) << router.status().message();
    return 1;
  }
  for (const Route& route : router->routes()) {
    OPSBRAIN_LOG(VERBOSE) << "route " << route.http_method << " "
                          << route.path.text() << " -> " << route.grpc_method;
  }

  // The storage service, the handler and the server.
  GrpcBackend backend(grpc::CreateChannel(options->storage_address,
                                          grpc::InsecureChannelCredentials()));
  GatewayHandler handler(&*router, &backend, options->request_timeout);
  HttpServer server(options->http, &handler);
  absl::Status started = server.Start();
  if (!started.ok()) {
    OPSBRAIN_LOG(ERROR) << started.message();
    return 1;
  }
  OPSBRAIN_LOG(INFO) << "listening on " << options->http.address << ":"
                     << server.port() << " with " << options->http.threads
                     << " threads, " << router->routes().size()
                     << " routes; storage service at "
                     << options->storage_address;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  OPSBRAIN_LOG(INFO) << "stopping on " << strsignal(signal_number);
  server.Stop();
  backend.Shutdown();
  return 0;
}

}  // namespace
}  // namespace opsbrain::gateway

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "The OpsBrain Store gateway: HTTP/JSON in front of the storage "
      "service's gRPC Repository API.");
  const absl::Status from_env = opsbrain::gateway::FlagsFromEnv();
  if (!from_env.ok()) {
    OPSBRAIN_LOG(ERROR) << from_env.message();
    return 2;
  }
  absl::ParseCommandLine(argc, argv);
  return opsbrain::gateway::Run();
}
