// What crosses from HTTP to gRPC besides the message: the request id, the
// allow-listed headers and the caller as the gateway knows it, and nothing
// a client claims about identity; and the access log line.
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opsbrain/gatewaytest/v1/gateway_test.pb.h"
#include "tests/gateway/gateway_env.h"
#include "tests/gateway/http_test_client.h"

namespace opsbrain::gateway::testing {
namespace {

using ::opsbrain::gatewaytest::v1::EchoResponse;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// The metadata of every call with authentication off: the request id and
// the anonymous caller.
auto OnlyIdAndCaller(const std::string& id) {
  return UnorderedElementsAre(Pair("x-request-id", id),
                              Pair("x-opsbrain-actor", "anonymous"),
                              Pair("x-opsbrain-scopes", "read,write"));
}

class MetadataTest : public GatewayEnvTest<DefaultArgs> {
 protected:
  // GETs a thing with `headers`; returns the response's X-Request-Id and
  // fills `echo` with what the backend saw.
  std::string GetThing(const TestHeaders& headers, EchoResponse* echo) {
    absl::StatusOr<TestResponse> response =
        client_->Send("GET", "/v1/things/t", "", headers);
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return "";
    EXPECT_EQ(response->status, 200) << response->body;
    EXPECT_TRUE(ParseJsonBody(response->body, echo)) << response->body;
    return response->Header("X-Request-Id");
  }
};

TEST_F(MetadataTest, SaneRequestIdArrivesAsMetadata) {
  EchoResponse echo;
  EXPECT_EQ(GetThing({{"X-Request-Id", "req-42.a_B"}}, &echo), "req-42.a_B");
  EXPECT_THAT(echo.metadata(), OnlyIdAndCaller("req-42.a_B"));
}

TEST_F(MetadataTest, InsaneRequestIdIsReplaced) {
  for (const std::string& bad :
       {std::string("bad id!"), std::string(129, 'a'), std::string("a,b")}) {
    EchoResponse echo;
    const std::string id = GetThing({{"X-Request-Id", bad}}, &echo);
    EXPECT_NE(id, bad);
    EXPECT_EQ(id.size(), 32u);
    EXPECT_THAT(echo.metadata(), OnlyIdAndCaller(id));
  }
}

TEST_F(MetadataTest, MissingRequestIdIsGenerated) {
  EchoResponse echo;
  const std::string id = GetThing({}, &echo);
  EXPECT_EQ(id.size(), 32u);
  EXPECT_THAT(echo.metadata(), OnlyIdAndCaller(id));
}

TEST_F(MetadataTest, ClientIdentityHeadersAreNeverForwarded) {
  EchoResponse echo;
  const std::string id = GetThing({{"X-Opsbrain-Actor", "root"},
                                   {"x-opsbrain-scopes", "admin,secrets"},
                                   {"X-OPSBRAIN-ANYTHING", "1"},
                                   {"X-Other", "1"},
                                   {"Authorization", "Bearer secret"}},
                                  &echo);
  EXPECT_THAT(echo.metadata(), OnlyIdAndCaller(id));
}

TEST_F(MetadataTest, ValidTraceparentPassesAndAnInvalidOneDoesNot) {
  constexpr char kValid[] =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  EchoResponse echo;
  GetThing({{"traceparent", kValid}}, &echo);
  EXPECT_EQ(echo.metadata().at("traceparent"), kValid);

  EchoResponse invalid;
  GetThing({{"traceparent", "00-zz-00f067aa0ba902b7-01"}}, &invalid);
  EXPECT_EQ(invalid.metadata().count("traceparent"), 0u);
}

TEST_F(MetadataTest, ClientHeadersOutsideTheAllowListStayBehind) {
  EchoResponse echo;
  const std::string id = GetThing(
      {{"X-Tenant", "t1"}, {"Cookie", "session=1"}, {"X-Forwarded-For", "1"}},
      &echo);
  EXPECT_THAT(echo.metadata(), OnlyIdAndCaller(id));
}

TEST_F(MetadataTest, ErrorsCarryTheRequestIdToo) {
  absl::StatusOr<TestResponse> response =
      client_->Send("GET", "/no/such/route", "", {{"X-Request-Id", "err-1"}});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->Header("X-Request-Id"), "err-1");
}

TEST_F(MetadataTest, AccessLogHasTheTemplateNeverThePathOrBody) {
  absl::StatusOr<TestResponse> get = client_->Send(
      "GET", "/v1/things/secret-key-123", "", {{"X-Request-Id", "log-1"}});
  ASSERT_TRUE(get.ok()) << get.status();
  std::optional<std::string> line = env_->gateway->WaitForLine(
      {"access ", "request_id=log-1"}, absl::Seconds(5));
  ASSERT_TRUE(line.has_value());
  EXPECT_THAT(*line, HasSubstr("method=GET"));
  EXPECT_THAT(*line, HasSubstr("route=/v1/things/{id}"));
  EXPECT_THAT(*line, HasSubstr("status=200"));
  EXPECT_THAT(*line, HasSubstr("latency_ms="));
  EXPECT_THAT(*line, HasSubstr("caller=anonymous"));
  EXPECT_THAT(*line, Not(HasSubstr("secret-key-123")));

  absl::StatusOr<TestResponse> post = client_->Send(
      "POST", "/v1/things", R"({"id":"hunter2"})",
      {{"X-Request-Id", "log-2"}, {"Content-Type", "application/json"}});
  ASSERT_TRUE(post.ok()) << post.status();
  line = env_->gateway->WaitForLine({"access ", "request_id=log-2"},
                                    absl::Seconds(5));
  ASSERT_TRUE(line.has_value());
  EXPECT_THAT(*line, HasSubstr("route=/v1/things status=200"));
  EXPECT_THAT(*line, Not(HasSubstr("hunter2")));
}

TEST_F(MetadataTest, OneAccessLogLinePerRequest) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client_
                    ->Send("GET", "/healthz", "",
                           {{"X-Request-Id", absl::StrCat("count-", i)}})
                    .ok());
  }
  for (int i = 0; i < 3; ++i) {
    const std::string id = absl::StrCat("request_id=count-", i);
    EXPECT_TRUE(env_->gateway->WaitForLine({id}, absl::Seconds(5)).has_value());
    EXPECT_EQ(env_->gateway->CountLines({id}), 1);
  }
}

}  // namespace
}  // namespace opsbrain::gateway::testing

namespace opsbrain::gateway::testing {
namespace {

// --forward_headers adds to the allow-list.
struct ForwardArgs {
  static std::vector<std::string> Get() {
    return {"--forward_headers=X-Tenant,x-client-version"};
  }
};

class ForwardHeadersTest : public GatewayEnvTest<ForwardArgs> {};

TEST_F(ForwardHeadersTest, ConfiguredHeadersPassAsLowerCaseMetadata) {
  absl::StatusOr<TestResponse> response = client_->Send(
      "GET", "/v1/things/t", "",
      {{"x-tenant", "acme"}, {"X-Client-Version", "2.1"}, {"X-Other", "1"}});
  ASSERT_TRUE(response.ok()) << response.status();
  EchoResponse echo;
  ASSERT_TRUE(ParseJsonBody(response->body, &echo)) << response->body;
  EXPECT_EQ(echo.metadata().at("x-tenant"), "acme");
  EXPECT_EQ(echo.metadata().at("x-client-version"), "2.1");
  EXPECT_EQ(echo.metadata().count("x-other"), 0u);
}

}  // namespace
}  // namespace opsbrain::gateway::testing
