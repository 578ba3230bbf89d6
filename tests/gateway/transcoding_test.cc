// The google.api.http grammar end to end: HTTP/JSON into the test gateway
// binary, gRPC out to the echoing test backend, and back.
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "opsbrain/gatewaytest/v1/gateway_test.pb.h"
#include "tests/gateway/gateway_env.h"
#include "tests/gateway/http_test_client.h"

namespace opsbrain::gateway::testing {
namespace {

using ::opsbrain::gatewaytest::v1::EchoRequest;
using ::opsbrain::gatewaytest::v1::EchoResponse;
using ::testing::HasSubstr;

const TestHeaders kJson = {{"Content-Type", "application/json"}};

class TranscodingTest : public GatewayEnvTest<DefaultArgs> {
 protected:
  // Sends a request that must succeed and returns what the backend echoed.
  EchoResponse Echo(absl::string_view method, absl::string_view target,
                    absl::string_view body = "",
                    const TestHeaders& headers = {}) {
    absl::StatusOr<TestResponse> response =
        client_->Send(method, target, body, headers);
    EchoResponse echo;
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return echo;
    last_body_ = response->body;
    EXPECT_EQ(response->status, 200) << response->body;
    EXPECT_EQ(response->Header("Content-Type"), "application/json");
    EXPECT_TRUE(ParseJsonBody(response->body, &echo)) << response->body;
    return echo;
  }

  static void ExpectRequest(const EchoResponse& echo, const char* want_text) {
    EchoRequest want;
    ASSERT_TRUE(
        google::protobuf::TextFormat::ParseFromString(want_text, &want));
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        echo.request(), want))
        << "got " << echo.request().ShortDebugString();
  }

  std::string last_body_;
};

TEST_F(TranscodingTest, PathVariableAndQueryOfEveryKind) {
  EchoResponse echo = Echo(
      "GET",
      "/v1/things/t%2F1?count=9007199254740993&total=18446744073709551615"
      "&small=-7&ratio=0.5&flag=true&color=GREEN&tags=a&tags=b%20c"
      "&colors=RED&colors=BLUE&numbers=1&numbers=-2"
      "&since=2024-01-02T03:04:05.250Z&times=1970-01-01T00:00:01Z"
      "&times=1970-01-01T00:00:02%2B00:00&wait=2.5s&mask=id,parent.child"
      "&note=n&limit=9&blob=aGk%3D&parent.child.name=c&parent.child.size=3");
  EXPECT_EQ(echo.rpc(), "GetThing");
  ExpectRequest(echo,
                "id: 't/1' count: 9007199254740993 "
                "total: 18446744073709551615 small: -7 ratio: 0.5 flag: true "
                "color: GREEN tags: 'a' tags: 'b c' colors: RED colors: BLUE "
                "numbers: 1 numbers: -2 "
                "since { seconds: 1704164645 nanos: 250000000 } "
                "times { seconds: 1 } times { seconds: 2 } "
                "wait { seconds: 2 nanos: 500000000 } "
                "mask { paths: 'id' paths: 'parent.child' } "
                "note { value: 'n' } limit { value: 9 } blob: 'hi' "
                "parent { child { name: 'c' size: 3 } }");
}

TEST_F(TranscodingTest, Int64CrossesJsonAsStrings) {
  Echo("GET", "/v1/things/t?count=9007199254740993&numbers=-5");
  EXPECT_THAT(last_body_, HasSubstr(R"("count":"9007199254740993")"));
  EXPECT_THAT(last_body_, HasSubstr(R"("numbers":["-5"])"));
  EXPECT_THAT(last_body_, HasSubstr(R"("total":"0")"));
}

TEST_F(TranscodingTest, ResponsesPrintDefaultsAndOmitUnsetMessages) {
  Echo("GET", "/v1/things/t");
  EXPECT_THAT(last_body_, HasSubstr(R"("flag":false)"));
  EXPECT_THAT(last_body_, HasSubstr(R"("tags":[])"));
  EXPECT_THAT(last_body_, HasSubstr(R"("color":"COLOR_UNSPECIFIED")"));
  EXPECT_THAT(last_body_, ::testing::Not(HasSubstr("since")));
}

TEST_F(TranscodingTest, AdditionalBindingWithNestedPathField) {
  EchoResponse echo = Echo("GET", "/v1/parents/p1/things/t1");
  EXPECT_EQ(echo.rpc(), "GetThing");
  ExpectRequest(echo, "id: 't1' parent { id: 'p1' }");
}

TEST_F(TranscodingTest, DeeplyNestedPathField) {
  EchoResponse echo = Echo("GET", "/v1/parents/p1/children/c%20d");
  ExpectRequest(echo, "parent { id: 'p1' child { name: 'c d' } }");
}

TEST_F(TranscodingTest, DoubleWildcardTakesTheRestOfThePath) {
  EchoResponse echo = Echo("GET", "/v1/files/a/b%2Fc/d.txt");
  EXPECT_EQ(echo.rpc(), "GetFile");
  ExpectRequest(echo, "path: 'a/b%2Fc/d.txt'");
}

TEST_F(TranscodingTest, MultiSegmentVariableKeepsItsLiterals) {
  EchoResponse echo = Echo("GET", "/v1/shelves/s1/books/b1");
  EXPECT_EQ(echo.rpc(), "GetBook");
  ExpectRequest(echo, "name: 'shelves/s1/books/b1'");
}

TEST_F(TranscodingTest, CustomVerbWithoutBody) {
  EchoResponse echo = Echo("POST", "/v1/things/t1:archive");
  EXPECT_EQ(echo.rpc(), "ArchiveThing");
  ExpectRequest(echo, "id: 't1'");
}

TEST_F(TranscodingTest, ColonInLastSegmentIsPartOfTheValue) {
  EchoResponse echo = Echo("GET", "/v1/things/C1:123.45");
  EXPECT_EQ(echo.rpc(), "GetThing");
  ExpectRequest(echo, "id: 'C1:123.45'");
}

TEST_F(TranscodingTest, WholeBody) {
  EchoResponse echo = Echo(
      "POST", "/v1/things",
      R"({"id":"a","count":"5","parent":{"child":{"color":"RED"}},)"
      R"("times":["2024-01-01T00:00:00Z"],"tags":["x"],"labels":{"k":"v"}})",
      {{"Content-Type", "application/json; charset=utf-8"}});
  EXPECT_EQ(echo.rpc(), "CreateThing");
  ExpectRequest(echo,
                "id: 'a' count: 5 parent { child { color: RED } } "
                "times { seconds: 1704067200 } tags: 'x' "
                "labels { key: 'k' value: 'v' }");
}

TEST_F(TranscodingTest, WholeBodyAcceptsProtoFieldNames) {
  EchoResponse echo =
      Echo("POST", "/v1/things", R"({"parent":{"child":{"name":"n"}}})", kJson);
  ExpectRequest(echo, "parent { child { name: 'n' } }");
}

TEST_F(TranscodingTest, PathWinsOverWholeBody) {
  EchoResponse echo =
      Echo("PUT", "/v1/things/p", R"({"id":"b","small":1})", kJson);
  EXPECT_EQ(echo.rpc(), "ReplaceThing");
  ExpectRequest(echo, "id: 'p' small: 1");
}

TEST_F(TranscodingTest, BodyFieldWithPathAndQuery) {
  EchoResponse echo =
      Echo("PATCH", "/v1/things/t/parent?count=3&colors=BLUE",
           R"({"id":"p","child":{"name":"n","size":"7"}})", kJson);
  EXPECT_EQ(echo.rpc(), "UpdateParent");
  ExpectRequest(echo,
                "id: 't' count: 3 colors: BLUE "
                "parent { id: 'p' child { name: 'n' size: 7 } }");
}

TEST_F(TranscodingTest, CustomHttpMethod) {
  EchoResponse echo = Echo("SEARCH", "/v1/things?tags=x");
  EXPECT_EQ(echo.rpc(), "SearchThings");
  ExpectRequest(echo, "tags: 'x'");
}

TEST_F(TranscodingTest, DeleteAndList) {
  EXPECT_EQ(Echo("DELETE", "/v1/things/t").rpc(), "DeleteThing");
  EXPECT_EQ(Echo("GET", "/v1/things?id=x").rpc(), "ListThings");
}

}  // namespace
}  // namespace opsbrain::gateway::testing
