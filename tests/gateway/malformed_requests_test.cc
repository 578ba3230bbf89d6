// A table of malformed requests sent as raw bytes to the test gateway:
// each gets its 4xx with the JSON error body, none a 5xx or a crash, and the
// gateway keeps serving.
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_env.h"
#include "tests/gateway/http_test_client.h"

namespace opsbrain::gateway::testing {
namespace {

using ::testing::HasSubstr;

struct MalformedCase {
  const char* name;
  std::string bytes;
  bool half_close;  // The client stops sending (a truncated request).
  int status;
  int code;             // gRPC code in the body.
  const char* message;  // A substring of its message.
};

// A request that closes its connection, so that each case is on its own.
std::string Request(absl::string_view head, absl::string_view body = "") {
  return absl::StrCat(
      head, "\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
      body.empty() ? "" : absl::StrCat("Content-Length: ", body.size(), "\r\n"),
      "\r\n", body);
}

std::string JsonRequest(absl::string_view head, absl::string_view body) {
  return Request(absl::StrCat(head, "\r\nContent-Type: application/json"),
                 body);
}

class MalformedRequestsTest
    : public GatewayEnvTest<DefaultArgs>,
      public ::testing::WithParamInterface<MalformedCase> {};

TEST_P(MalformedRequestsTest, AnswersWith4xxAndTheErrorBody) {
  const MalformedCase& c = GetParam();
  absl::StatusOr<TestResponse> response =
      SendRaw(env_->port(), c.bytes, c.half_close);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, c.status) << response->body;
  EXPECT_EQ(response->Header("Content-Type"), "application/json");
  EXPECT_FALSE(response->Header("X-Request-Id").empty());
  google::rpc::Status body;
  ASSERT_TRUE(ParseJsonBody(response->body, &body)) << response->body;
  EXPECT_EQ(body.code(), c.code);
  EXPECT_THAT(body.message(), HasSubstr(c.message));

  // Still up, still serving.
  absl::StatusOr<TestResponse> health = client_->Send("GET", "/healthz");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status, 200);
  EXPECT_TRUE(env_->gateway->Running());
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedRequestsTest,
    ::testing::Values(
        // JSON bodies.
        MalformedCase{"BadJson",
                      JsonRequest("POST /v1/things HTTP/1.1", R"({"id": )"),
                      false, 400, 3, "invalid JSON in request body"},
        MalformedCase{"TrailingGarbage",
                      JsonRequest("POST /v1/things HTTP/1.1", R"({} x)"), false,
                      400, 3, "invalid JSON"},
        MalformedCase{"NotAnObject",
                      JsonRequest("POST /v1/things HTTP/1.1", "[1,2]"), false,
                      400, 3, "invalid JSON"},
        MalformedCase{
            "WrongType",
            JsonRequest("POST /v1/things HTTP/1.1", R"({"count":{"a":1}})"),
            false, 400, 3, "count"},
        MalformedCase{"WrongNestedType",
                      JsonRequest("PATCH /v1/things/t/parent HTTP/1.1",
                                  R"({"child":{"color":"PURPLE"}})"),
                      false, 400, 3, "child.color"},
        MalformedCase{
            "UnknownField",
            JsonRequest("POST /v1/things HTTP/1.1", R"({"id":"a","bogus":1})"),
            false, 400, 3, "bogus"},
        MalformedCase{
            "InvalidUtf8InJson",
            JsonRequest("POST /v1/things HTTP/1.1", "{\"id\":\"\xC3\x28\"}"),
            false, 400, 3, "UTF-8"},
        MalformedCase{
            "Int32OutOfRange",
            JsonRequest("POST /v1/things HTTP/1.1", R"({"small":4294967296})"),
            false, 400, 3, "small"},
        MalformedCase{"TruncatedBody",
                      "POST /v1/things HTTP/1.1\r\nHost: x\r\n"
                      "Content-Type: application/json\r\n"
                      "Content-Length: 40\r\n\r\n{\"id\":",
                      true, 400, 3, "ended before it was complete"},
        MalformedCase{"BodyOverLimit",
                      "POST /v1/things HTTP/1.1\r\nHost: x\r\n"
                      "Content-Type: application/json\r\n"
                      "Content-Length: 2000000\r\n\r\n{\"id\":\"" +
                          std::string(4000, 'a'),
                      false, 413, 3, "exceeds 1048576 bytes"},
        MalformedCase{"BodyOnBodilessRoute",
                      JsonRequest("GET /v1/things/t HTTP/1.1", "{}"), false,
                      400, 3, "takes no body"},
        // Content types.
        MalformedCase{"NoContentType",
                      Request("POST /v1/things HTTP/1.1", "{}"), false, 415, 3,
                      "application/json"},
        MalformedCase{"WrongContentType",
                      Request("POST /v1/things HTTP/1.1\r\n"
                              "Content-Type: text/plain",
                              "{}"),
                      false, 415, 3, "application/json"},
        MalformedCase{"WrongCharset",
                      Request("POST /v1/things HTTP/1.1\r\n"
                              "Content-Type: application/json; "
                              "charset=latin1",
                              "{}"),
                      false, 415, 3, "application/json"},
        // Paths and queries.
        MalformedCase{"BadPercentEncodingInPath",
                      Request("GET /v1/things/a%ZZ HTTP/1.1"), false, 400, 3,
                      "percent-encoding"},
        MalformedCase{"BadPercentEncodingInQuery",
                      Request("GET /v1/things/a?tags=%G1 HTTP/1.1"), false, 400,
                      3, "percent-encoding"},
        MalformedCase{"InvalidUtf8InPath",
                      Request("GET /v1/things/%FF HTTP/1.1"), false, 400, 3,
                      "field 'id'"},
        MalformedCase{"UnknownQueryParameter",
                      Request("GET /v1/things/a?bogus=1 HTTP/1.1"), false, 400,
                      3, "bogus"},
        MalformedCase{"WrongQueryType",
                      Request("GET /v1/things/a?count=ten HTTP/1.1"), false,
                      400, 3, "field 'count'"},
        MalformedCase{"Int64Overflow",
                      Request("GET /v1/things/a?count=9223372036854775808 "
                              "HTTP/1.1"),
                      false, 400, 3, "field 'count'"},
        MalformedCase{"BadEnum",
                      Request("GET /v1/things/a?color=PINK HTTP/1.1"), false,
                      400, 3, "field 'color'"},
        MalformedCase{"BadTimestamp",
                      Request("GET /v1/things/a?since=yesterday HTTP/1.1"),
                      false, 400, 3, "field 'since'"},
        MalformedCase{"SingularQueryTwice",
                      Request("GET /v1/things/a?count=1&count=2 HTTP/1.1"),
                      false, 400, 3, "more than once"},
        MalformedCase{"QueryWithWholeBody",
                      JsonRequest("POST /v1/things?id=x HTTP/1.1", "{}"), false,
                      400, 3, "no query parameters"},
        MalformedCase{"AbsoluteFormTarget",
                      Request("GET http://127.0.0.1/v1/things HTTP/1.1"), false,
                      400, 3, "must be a path"},
        // Routes and methods.
        MalformedCase{"UnknownRoute", Request("GET /v2/nothing HTTP/1.1"),
                      false, 404, 5, "no route"},
        MalformedCase{"TrailingSlash", Request("GET /v1/things/a/ HTTP/1.1"),
                      false, 404, 5, "no route"},
        MalformedCase{"EmptySegment", Request("GET /v1//things HTTP/1.1"),
                      false, 404, 5, "no route"},
        MalformedCase{"WrongMethod", Request("DELETE /v1/things HTTP/1.1"),
                      false, 405, 12, "allowed: GET, POST, SEARCH"},
        MalformedCase{"WrongMethodOnProbe", Request("POST /healthz HTTP/1.1"),
                      false, 405, 12, "allowed: GET"},
        // HTTP framing.
        MalformedCase{"HugeHeader",
                      Request("GET /healthz HTTP/1.1\r\nX-Big: " +
                              std::string(20000, 'h')),
                      false, 431, 3, "headers exceed"},
        MalformedCase{"ManyHeaders",
                      [] {
                        std::string head = "GET /healthz HTTP/1.1";
                        for (int i = 0; i < 2000; ++i) {
                          absl::StrAppend(&head, "\r\nX-H", i, ": value");
                        }
                        return Request(head);
                      }(),
                      false, 431, 3, "headers exceed"},
        MalformedCase{"GarbageRequestLine", "NOT HTTP AT ALL\r\n\r\n", false,
                      400, 3, "malformed HTTP request"},
        MalformedCase{"BadVersion", "GET /healthz HTTP/1.1x\r\n\r\n", false,
                      400, 3, "malformed HTTP request"},
        MalformedCase{"BadContentLength",
                      "POST /v1/things HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
                      false, 400, 3, "malformed HTTP request"},
        MalformedCase{"BadChunk",
                      "POST /v1/things HTTP/1.1\r\nHost: x\r\n"
                      "Content-Type: application/json\r\n"
                      "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
                      false, 400, 3, "malformed HTTP request"},
        MalformedCase{"TruncatedHeaders", "GET /healthz HTTP/1.1\r\nHost: x",
                      true, 400, 3, "ended before it was complete"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace opsbrain::gateway::testing
