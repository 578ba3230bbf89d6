#include "tests/gateway/gateway_env.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "tests/gateway/gateway_process.h"
#include "tests/gateway/test_backend.h"

namespace opsbrain::gateway::testing {

absl::StatusOr<std::unique_ptr<GatewayEnv>> GatewayEnv::Start(
    std::vector<std::string> args,
    const std::vector<std::string>& environment) {
  auto env = std::make_unique<GatewayEnv>();
  absl::StatusOr<std::unique_ptr<TestBackend>> backend = TestBackend::Start();
  if (!backend.ok()) return backend.status();
  env->backend = *std::move(backend);

  bool has_storage = false;
  for (const std::string& arg : args) {
    if (absl::StartsWith(arg, "--storage=")) has_storage = true;
  }
  if (!has_storage) {
    args.push_back(absl::StrCat("--storage=", env->backend->address()));
  }
  absl::StatusOr<std::unique_ptr<GatewayProcess>> gateway =
      GatewayProcess::Start(kTestGatewayBinary, args, environment);
  if (!gateway.ok()) return gateway.status();
  env->gateway = *std::move(gateway);
  return env;
}

bool ParseJsonBody(const std::string& body,
                   google::protobuf::Message* message) {
  return google::protobuf::util::JsonStringToMessage(body, message).ok();
}

}  // namespace opsbrain::gateway::testing
