#include "gateway/transcoder.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gateway/router.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "opsbrain/gatewaytest/v1/gateway_test.pb.h"
#include "opsbrain/v1/repository.pb.h"

namespace opsbrain::gateway {
namespace {

using ::opsbrain::gatewaytest::v1::EchoRequest;
using ::opsbrain::gatewaytest::v1::EchoResponse;
using ::testing::HasSubstr;

struct TranscodeCase {
  const char* name;
  const char* method;
  const char* target;  // Path and query.
  std::string body;
  const char* want;   // EchoRequest in text format, when it succeeds.
  const char* error;  // A substring of the INVALID_ARGUMENT message, else "".
};

class TranscoderTest : public ::testing::TestWithParam<TranscodeCase> {
 protected:
  void SetUp() override {
    absl::StatusOr<Router> router = Router::Build(
        {EchoRequest::descriptor()->file()->FindServiceByName("GatewayTest")});
    ASSERT_TRUE(router.ok()) << router.status();
    router_ = *std::move(router);
  }

  // Routes and transcodes one request.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Transcode(
      absl::string_view method, absl::string_view target,
      absl::string_view body) {
    const size_t question = target.find('?');
    RouteMatch match = router_.Match(method, target.substr(0, question));
    if (match.outcome != RouteMatch::Outcome::kMatched) {
      return absl::NotFoundError("no route");
    }
    return BuildRequest(
        *match.route, match.path_values,
        question == absl::string_view::npos ? "" : target.substr(question + 1),
        body);
  }

  Router router_;
};

TEST_P(TranscoderTest, BuildsTheRequestOrNamesTheFault) {
  const TranscodeCase& c = GetParam();
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> request =
      Transcode(c.method, c.target, c.body);
  if (*c.error != '\0') {
    EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument)
        << request.status();
    EXPECT_THAT(std::string(request.status().message()), HasSubstr(c.error));
    return;
  }
  ASSERT_TRUE(request.ok()) << request.status();
  EchoRequest want;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(c.want, &want));
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(**request, want))
      << "got " << (*request)->ShortDebugString();
}

INSTANTIATE_TEST_SUITE_P(
    Table, TranscoderTest,
    ::testing::Values(
        TranscodeCase{"PathOnly", "GET", "/v1/things/t1", "", "id: 't1'", ""},
        TranscodeCase{"PathAndQuery", "GET",
                      "/v1/things/t1?count=2&tags=a&tags=b", "",
                      "id: 't1' count: 2 tags: 'a' tags: 'b'", ""},
        TranscodeCase{"NestedPathFields", "GET", "/v1/parents/p/children/c", "",
                      "parent { id: 'p' child { name: 'c' } }", ""},
        TranscodeCase{"WholeBody", "POST", "/v1/things",
                      R"({"id":"a","count":"9007199254740993",)"
                      R"("parent":{"child":{"name":"c","color":"RED"}},)"
                      R"("since":"2024-01-02T03:04:05Z"})",
                      "id: 'a' count: 9007199254740993 parent { child { "
                      "name: 'c' color: RED } } since { seconds: 1704164645 }",
                      ""},
        TranscodeCase{"WholeBodyEmpty", "POST", "/v1/things", "", "", ""},
        TranscodeCase{"PathWinsOverBody", "PUT", "/v1/things/p",
                      R"({"id":"b","small":3})", "id: 'p' small: 3", ""},
        TranscodeCase{"BodyField", "PATCH", "/v1/things/t/parent?count=2",
                      R"({"id":"p1","child":{"size":"5"}})",
                      "id: 't' count: 2 parent { id: 'p1' child { size: 5 } }",
                      ""},
        TranscodeCase{"BodyFieldTakesProtoNames", "PATCH",
                      "/v1/things/t/parent", R"({"child":{"name":"n"}})",
                      "id: 't' parent { child { name: 'n' } }", ""},
        TranscodeCase{"VerbWithoutBody", "POST", "/v1/things/t:archive", "",
                      "id: 't'", ""},
        TranscodeCase{"DoubleWildcardValue", "GET", "/v1/files/a/b%2Fc", "",
                      "path: 'a/b%2Fc'", ""},
        TranscodeCase{"BodyOnBodilessRoute", "GET", "/v1/things/t", "{}", "",
                      "takes no body"},
        TranscodeCase{"QueryWithWholeBody", "POST", "/v1/things?id=x", "{}", "",
                      "no query parameters"},
        TranscodeCase{"QueryIntoBodyField", "PATCH",
                      "/v1/things/t/parent?parent.id=x", "{}", "",
                      "already set by the path or the body"},
        TranscodeCase{"QueryIntoPathField", "GET", "/v1/things/t?id=x", "", "",
                      "already set by the path or the body"},
        TranscodeCase{"WrongJsonType", "POST", "/v1/things", R"({"count":{}})",
                      "", "count"},
        TranscodeCase{"WrongJsonTypeNested", "PATCH", "/v1/things/t/parent",
                      R"({"child":{"size":"big"}})", "", "child.size"},
        TranscodeCase{"UnknownJsonField", "POST", "/v1/things", R"({"nope":1})",
                      "", "nope"},
        TranscodeCase{"MalformedJson", "POST", "/v1/things", R"({"id":)", "",
                      "invalid JSON in request body"},
        TranscodeCase{"JsonArray", "POST", "/v1/things", "[1]", "",
                      "invalid JSON in request body"},
        TranscodeCase{"InvalidUtf8InJson", "POST", "/v1/things",
                      "{\"id\":\"\xFF\"}", "", "UTF-8"},
        TranscodeCase{"Int32OverflowInJson", "POST", "/v1/things",
                      R"({"small":2147483648})", "", "small"},
        TranscodeCase{"InvalidUtf8InPath", "GET", "/v1/things/%FF", "", "",
                      "path: field 'id'"},
        TranscodeCase{
            "FieldMaskInQuery", "GET",
            "/v1/things/t?mask=count,parent.childName", "",
            "id: 't' mask { paths: 'count' paths: 'parent.child_name' }", ""},
        TranscodeCase{"FieldMaskStar", "POST", "/v1/things", R"({"mask":"*"})",
                      "mask { paths: '*' }", ""},
        // Found by //fuzz:transcoder: "_*" is dropped by the JSON form.
        TranscodeCase{"FieldMaskPathNotAName", "GET",
                      "/v1/things/t?mask=count_*%22%7D", "", "",
                      "is not a field path"},
        TranscodeCase{"FieldMaskPathInBody", "POST", "/v1/things",
                      R"({"mask":"a..b"})", "", "field 'mask'"},
        TranscodeCase{
            "NestingTooDeep", "POST", "/v1/things",
            R"({"id":)" + std::string(30, '[') + std::string(30, ']') + "}", "",
            "nesting deeper than 30 levels"},
        TranscodeCase{
            "NestingAtTheLimitIsReadOn", "POST", "/v1/things",
            R"({"id":)" + std::string(29, '[') + std::string(29, ']') + "}", "",
            "id: Proto field is not repeating"}),
    [](const ::testing::TestParamInfo<TranscodeCase>& info) {
      return std::string(info.param.name);
    });

TEST(TranscodeOptionsTest, IgnoringUnknownFieldsKeepsTheKnownOnes) {
  absl::StatusOr<Router> router = Router::Build(
      {EchoRequest::descriptor()->file()->FindServiceByName("GatewayTest")});
  ASSERT_TRUE(router.ok()) << router.status();
  TranscodeOptions lenient;
  lenient.ignore_unknown_fields = true;

  RouteMatch post = router->Match("POST", "/v1/things");
  ASSERT_EQ(post.outcome, RouteMatch::Outcome::kMatched);
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> created =
      BuildRequest(*post.route, post.path_values, "",
                   R"({"id":"a","newerField":1})", lenient);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ((*created)->ShortDebugString(), R"(id: "a")");

  RouteMatch get = router->Match("GET", "/v1/things");
  ASSERT_EQ(get.outcome, RouteMatch::Outcome::kMatched);
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> listed =
      BuildRequest(*get.route, get.path_values, "count=2&newer=1&parent.x=2",
                   "", lenient);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ((*listed)->ShortDebugString(), "count: 2");

  // Still strict about what it knows: a singular field given twice.
  EXPECT_FALSE(
      BuildRequest(*get.route, get.path_values, "count=2&count=3", "", lenient)
          .ok());
}

TEST(MessageToJsonTest, PrintsDefaultsInt64AsStringAndCamelCase) {
  opsbrain::v1::PurgeExpiredThreadContextsResponse response;
  EXPECT_EQ(*MessageToJson(response), R"({"deletedCount":"0"})");
  response.set_deleted_count(9007199254740993);
  EXPECT_EQ(*MessageToJson(response), R"({"deletedCount":"9007199254740993"})");
}

TEST(MessageToJsonTest, LeavesUnsetMessagesOut) {
  EchoResponse response;
  response.set_rpc("X");
  response.mutable_request()->mutable_since()->set_seconds(1);
  response.mutable_request()->set_color(opsbrain::gatewaytest::v1::BLUE);
  absl::StatusOr<std::string> json = MessageToJson(response);
  ASSERT_TRUE(json.ok());
  EXPECT_THAT(*json, HasSubstr(R"("since":"1970-01-01T00:00:01Z")"));
  EXPECT_THAT(*json, HasSubstr(R"("color":"BLUE")"));
  EXPECT_THAT(*json, HasSubstr(R"("tags":[])"));
  EXPECT_THAT(*json, HasSubstr(R"("count":"0")"));
  EXPECT_THAT(*json, ::testing::Not(HasSubstr("parent")));
  EXPECT_THAT(*json, ::testing::Not(HasSubstr("wait")));
}

TEST(ResponseToJsonTest, RejectsBytesThatDoNotParse) {
  EXPECT_EQ(ResponseToJson(EchoResponse::descriptor(), "\xFF\xFF\xFF")
                .status()
                .code(),
            absl::StatusCode::kInternal);
}

TEST(ResponseToJsonTest, PrintsParsedBytes) {
  EchoResponse response;
  response.set_rpc("GetThing");
  absl::StatusOr<std::string> json =
      ResponseToJson(EchoResponse::descriptor(), response.SerializeAsString());
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr(R"("rpc":"GetThing")"));
}

}  // namespace
}  // namespace opsbrain::gateway
