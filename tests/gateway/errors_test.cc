// Errors end to end: every gRPC code through the one status table, error
// details, deadlines, an unreachable storage service, and the probes.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/wrappers.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_env.h"
#include "tests/gateway/http_test_client.h"

namespace opsbrain::gateway::testing {
namespace {

using ::testing::HasSubstr;

// Checks the parts every error response has, and returns its body.
google::rpc::Status ExpectErrorBody(const TestResponse& response) {
  google::rpc::Status status;
  EXPECT_EQ(response.Header("Content-Type"), "application/json");
  EXPECT_FALSE(response.Header("X-Request-Id").empty());
  EXPECT_TRUE(ParseJsonBody(response.body, &status)) << response.body;
  EXPECT_THAT(response.body, HasSubstr(R"("details":)"));
  return status;
}

// ---------------------------------------------------------------------------
// The status table, through the binary.

struct CodeCase {
  int code;
  int http_status;
};

class ErrorsTest : public GatewayEnvTest<DefaultArgs>,
                   public ::testing::WithParamInterface<CodeCase> {};

TEST_P(ErrorsTest, GrpcCodeBecomesHttpStatusWithErrorBody) {
  const CodeCase& c = GetParam();
  absl::StatusOr<TestResponse> response = client_->Send(
      "GET", absl::StrCat("/v1/fail/", c.code, "?message=went%20wrong"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, c.http_status) << "code " << c.code;
  google::rpc::Status body = ExpectErrorBody(*response);
  EXPECT_EQ(body.code(), c.code);
  if (c.code == 14) {
    EXPECT_EQ(body.message(), "the storage service is unavailable");
  } else if (c.code == 4) {
    EXPECT_EQ(body.message(), "the storage service did not answer in time");
  } else {
    EXPECT_EQ(body.message(), "went wrong");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ErrorsTest,
    ::testing::Values(CodeCase{1, 499}, CodeCase{2, 500}, CodeCase{3, 400},
                      CodeCase{4, 504}, CodeCase{5, 404}, CodeCase{6, 409},
                      CodeCase{7, 403}, CodeCase{8, 429}, CodeCase{9, 400},
                      CodeCase{10, 409}, CodeCase{11, 500}, CodeCase{12, 501},
                      CodeCase{13, 500}, CodeCase{14, 503}, CodeCase{15, 500},
                      CodeCase{16, 401}),
    [](const ::testing::TestParamInfo<CodeCase>& info) {
      return absl::StrCat("Code", info.param.code);
    });

class ErrorDetailsTest : public GatewayEnvTest<DefaultArgs> {};

TEST_F(ErrorDetailsTest, DetailsPassThrough) {
  absl::StatusOr<TestResponse> response =
      client_->Send("GET", "/v1/fail/9?message=stale&with_detail=true");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 400);
  google::rpc::Status body = ExpectErrorBody(*response);
  EXPECT_EQ(body.code(), 9);
  ASSERT_EQ(body.details_size(), 1);
  google::protobuf::StringValue detail;
  ASSERT_TRUE(body.details(0).UnpackTo(&detail));
  EXPECT_EQ(detail.value(), "a detail");
}

TEST_F(ErrorDetailsTest, UnimplementedMethodIs501) {
  // The test backend does not serve the Repository API.
  absl::StatusOr<TestResponse> response =
      client_->Send("GET", "/v1/configurations/k");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 501);
  EXPECT_EQ(ExpectErrorBody(*response).code(), 12);
}

TEST_F(ErrorDetailsTest, ReadyzFollowsTheHealthService) {
  absl::StatusOr<TestResponse> ready = client_->Send("GET", "/readyz");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, R"({"status":"SERVING"})");

  env_->backend->SetServing(false);
  absl::StatusOr<TestResponse> not_ready = client_->Send("GET", "/readyz");
  env_->backend->SetServing(true);
  ASSERT_TRUE(not_ready.ok()) << not_ready.status();
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_EQ(ExpectErrorBody(*not_ready).code(), 14);

  absl::StatusOr<TestResponse> alive = client_->Send("GET", "/healthz");
  ASSERT_TRUE(alive.ok()) << alive.status();
  EXPECT_EQ(alive->status, 200);
}

// ---------------------------------------------------------------------------
// The request timeout becomes the deadline.

struct ShortTimeoutArgs {
  static std::vector<std::string> Get() { return {"--request_timeout=300ms"}; }
};

class DeadlineTest : public GatewayEnvTest<ShortTimeoutArgs> {};

TEST_F(DeadlineTest, SlowStorageServiceIs504) {
  const absl::Time start = absl::Now();
  absl::StatusOr<TestResponse> response = client_->Send("GET", "/v1/wait");
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 504);
  EXPECT_EQ(ExpectErrorBody(*response).code(), 4);
  EXPECT_GE(took, absl::Milliseconds(250));
  EXPECT_LT(took, absl::Seconds(5));
}

// ---------------------------------------------------------------------------
// An unreachable storage service.

// A loopback port that refuses connections: bound, never listening, and
// held for the life of the process so that nothing else takes it.
int RefusingPort() {
  static const int port = [] {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      return 0;
    }
    socklen_t length = sizeof(address);
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    return static_cast<int>(ntohs(address.sin_port));
  }();
  return port;
}

struct UnreachableArgs {
  static std::vector<std::string> Get() {
    return {absl::StrCat("--storage=127.0.0.1:", RefusingPort())};
  }
};

class UnreachableStorageTest : public GatewayEnvTest<UnreachableArgs> {};

TEST_F(UnreachableStorageTest, CallsAre503) {
  ASSERT_GT(RefusingPort(), 0);
  absl::StatusOr<TestResponse> response = client_->Send("GET", "/v1/things/t");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
  google::rpc::Status body = ExpectErrorBody(*response);
  EXPECT_EQ(body.code(), 14);
  EXPECT_THAT(response->body,
              ::testing::Not(HasSubstr(absl::StrCat(RefusingPort()))));
}

TEST_F(UnreachableStorageTest, NotReadyButAlive) {
  absl::StatusOr<TestResponse> ready = client_->Send("GET", "/readyz");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(ExpectErrorBody(*ready).code(), 14);

  absl::StatusOr<TestResponse> alive = client_->Send("GET", "/healthz");
  ASSERT_TRUE(alive.ok()) << alive.status();
  EXPECT_EQ(alive->status, 200);
}

}  // namespace
}  // namespace opsbrain::gateway::testing
