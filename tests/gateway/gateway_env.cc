#include "tests/gateway/gateway_env.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
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

  // The defaults of a test gateway, each unless `args` says otherwise.
  const auto has_flag = [&args](absl::string_view prefix) {
    for (const std::string& arg : args) {
      if (absl::StartsWith(arg, prefix)) return true;
    }
    return false;
  };
  if (!has_flag("--storage=")) {
    args.push_back(absl::StrCat("--storage=", env->backend->address()));
  }
  if (!has_flag("--storage_plaintext") && !has_flag("--storage_ca") &&
      !has_flag("--storage_client")) {
    args.push_back("--storage_plaintext");
  }
  if (!has_flag("--auth_tokens") && !has_flag("--insecure_disable_auth")) {
    args.push_back("--insecure_disable_auth");
  }
  if (!has_flag("--log_format")) args.push_back("--log_format=text");
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
