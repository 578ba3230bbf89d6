// healthcheck: the container image's health probe (HEALTHCHECK in the
// Dockerfile, healthcheck: in the Compose file). The runtime image has no
// shell and no curl, so the probes are this small binary.
//
//   healthcheck http [PATH]     GET PATH (default /healthz) on 127.0.0.1 at
//                               --port, else $PORT, else 8080: the gateway.
//                               Healthy on 200.
//   healthcheck grpc [SERVICE]  the gRPC health service on 127.0.0.1 at
//                               --port, else the port of $STORAGE_LISTEN,
//                               else 50051: the storage service. Healthy on
//                               SERVING.
//
// Exit codes: 0 healthy, 1 not, 2 usage. One line on stdout says why.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "deploy/healthcheck/probe.h"

ABSL_FLAG(int, port, 0,
          "Port on 127.0.0.1; 0 takes it from PORT (http) or STORAGE_LISTEN "
          "(grpc).");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(3),
          "Bound on the whole probe.");

namespace opsbrain::deploy {
namespace {

constexpr int kHealthy = 0;
constexpr int kUnhealthy = 1;
constexpr int kUsage = 2;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// The probe's port: the flag, else from the environment, else `fallback`.
int ChoosePort(int from_env, int fallback) {
  const int flag = absl::GetFlag(FLAGS_port);
  if (flag != 0) return flag;
  return from_env != 0 ? from_env : fallback;
}

int ProbeHttp(const std::string& path) {
  int env_port = 0;
  if (!Env("PORT").empty() && !absl::SimpleAtoi(Env("PORT"), &env_port)) {
    env_port = 0;
  }
  const int port = ChoosePort(env_port, 8080);
  absl::StatusOr<int> status =
      HttpGetStatus(port, path, absl::GetFlag(FLAGS_timeout));
  if (!status.ok()) {
    std::cout << "unhealthy: GET " << path << " on 127.0.0.1:" << port << ": "
              << status.status().message() << "\n";
    return kUnhealthy;
  }
  std::cout << (*status == 200 ? "healthy" : "unhealthy") << ": GET " << path
            << " on 127.0.0.1:" << port << " answered " << *status << "\n";
  return *status == 200 ? kHealthy : kUnhealthy;
}

int ProbeGrpc(const std::string& service) {
  const int port = ChoosePort(PortOf(Env("STORAGE_LISTEN")), 50051);
  const std::string address = absl::StrCat("127.0.0.1:", port);
  absl::StatusOr<std::string> status =
      GrpcHealth(address, service, absl::GetFlag(FLAGS_timeout));
  const std::string what =
      absl::StrCat("gRPC health of '", service, "' at ", address);
  if (!status.ok()) {
    std::cout << "unhealthy: " << what << ": " << status.status().message()
              << "\n";
    return kUnhealthy;
  }
  std::cout << (*status == "SERVING" ? "healthy" : "unhealthy") << ": " << what
            << " is " << *status << "\n";
  return *status == "SERVING" ? kHealthy : kUnhealthy;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "healthcheck http [PATH] | healthcheck grpc [SERVICE]: the container's "
      "health probe on 127.0.0.1; exit 0 healthy, 1 not, 2 usage.");
  const std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2 || args.size() > 3) {
    std::cerr << "usage: healthcheck http [PATH] | healthcheck grpc "
                 "[SERVICE]\n";
    return kUsage;
  }
  const std::string kind = args[1];
  if (kind == "http") {
    const std::string path = args.size() == 3 ? args[2] : "/healthz";
    if (path.empty() || path[0] != '/') {
      std::cerr << "healthcheck: the path must start with '/'\n";
      return kUsage;
    }
    return ProbeHttp(path);
  }
  if (kind == "grpc") return ProbeGrpc(args.size() == 3 ? args[2] : "");
  std::cerr << "healthcheck: unknown probe '" << kind << "' (http or grpc)\n";
  return kUsage;
}

}  // namespace
}  // namespace opsbrain::deploy

int main(int argc, char** argv) { return opsbrain::deploy::Main(argc, argv); }
