// A test gateway (the test_gateway binary, run as a child process) in front
// of an in-process TestBackend: the environment of the end-to-end tests.
#ifndef OPSBRAIN_TESTS_GATEWAY_GATEWAY_ENV_H_
#define OPSBRAIN_TESTS_GATEWAY_GATEWAY_ENV_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_process.h"
#include "tests/gateway/http_test_client.h"
#include "tests/gateway/test_backend.h"

namespace opsbrain::gateway::testing {

inline constexpr char kTestGatewayBinary[] = "tests/gateway/test_gateway";

struct GatewayEnv {
  // Starts a backend, then a gateway with `args` that calls it (unless
  // `args` names another --storage), with `environment` ("NAME=value"
  // each) added to its environment. Unless `args` set them otherwise, the
  // gateway dials in plaintext (--storage_plaintext), runs without
  // authentication (--insecure_disable_auth) and logs text
  // (--log_format=text), which the tests read.
  static absl::StatusOr<std::unique_ptr<GatewayEnv>> Start(
      std::vector<std::string> args = {},
      const std::vector<std::string>& environment = {});

  int port() const { return gateway->port(); }

  std::unique_ptr<TestBackend> backend;
  std::unique_ptr<GatewayProcess> gateway;
};

// Parses a JSON response body into `message`, by the proto3 JSON mapping
// (unknown fields rejected). False when it does not parse.
bool ParseJsonBody(const std::string& body, google::protobuf::Message* message);

// A fixture with one GatewayEnv for the whole suite; `Args::Get()` gives
// the gateway's flags. Each test gets a fresh HttpTestClient.
template <typename Args>
class GatewayEnvTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<GatewayEnv>> env =
        GatewayEnv::Start(Args::Get());
    if (env.ok()) {
      env_ = env->release();
    } else {
      error_ = new std::string(env.status().ToString());
    }
  }

  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(env_, nullptr) << (error_ == nullptr ? "" : *error_);
    client_ = std::make_unique<HttpTestClient>(env_->port());
  }

  static GatewayEnv* env_;
  static std::string* error_;
  std::unique_ptr<HttpTestClient> client_;
};

template <typename Args>
GatewayEnv* GatewayEnvTest<Args>::env_ = nullptr;
template <typename Args>
std::string* GatewayEnvTest<Args>::error_ = nullptr;

// The gateway's default flags.
struct DefaultArgs {
  static std::vector<std::string> Get() { return {}; }
};

}  // namespace opsbrain::gateway::testing

#endif  // OPSBRAIN_TESTS_GATEWAY_GATEWAY_ENV_H_
