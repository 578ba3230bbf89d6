#include "gateway/router.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "opsbrain/gatewaytest/v1/gateway_test.pb.h"
#include "opsbrain/v1/repository.pb.h"

namespace opsbrain::gateway {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using Outcome = RouteMatch::Outcome;

const google::protobuf::ServiceDescriptor* TestService() {
  return opsbrain::gatewaytest::v1::EchoRequest::descriptor()
      ->file()
      ->FindServiceByName("GatewayTest");
}

const google::protobuf::ServiceDescriptor* RepositoryService() {
  return opsbrain::v1::GetConfigurationRequest::descriptor()
      ->file()
      ->FindServiceByName("Repository");
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Router> router =
        Router::Build({TestService(), RepositoryService()});
    ASSERT_TRUE(router.ok()) << router.status();
    router_ = *std::move(router);
  }

  Router router_;
};

TEST_F(RouterTest, BuildsOneRoutePerRuleAndBinding) {
  int test_routes = 0;
  for (const Route& route : router_.routes()) {
    if (route.method->service() == TestService()) ++test_routes;
  }
  // 12 annotated methods, GetThing with two additional bindings, Hidden
  // without a rule.
  EXPECT_EQ(test_routes, 14);
  EXPECT_EQ(router_.routes().size(), 14u + 25u);
}

TEST_F(RouterTest, ResolvesBodyAndPathFields) {
  RouteMatch match = router_.Match("PATCH", "/v1/things/t1/parent");
  ASSERT_EQ(match.outcome, Outcome::kMatched);
  EXPECT_EQ(match.route->body, BodyKind::kField);
  EXPECT_EQ(match.route->body_field->name(), "parent");
  ASSERT_EQ(match.route->path_fields.size(), 1u);
  EXPECT_EQ(match.route->path_fields[0][0]->name(), "id");

  match = router_.Match("GET", "/v1/parents/p/children/c");
  ASSERT_EQ(match.outcome, Outcome::kMatched);
  ASSERT_EQ(match.route->path_fields.size(), 2u);
  EXPECT_EQ(FieldPathName(match.route->path_fields[1]), "parent.child.name");
}

struct MatchCase {
  const char* name;
  const char* method;
  const char* path;
  Outcome outcome;
  const char* rpc;                   // kMatched: the method's name.
  std::vector<std::string> values;   // kMatched: path values.
  std::vector<std::string> allowed;  // kMethodNotAllowed.
};

class RouterMatchTest : public RouterTest,
                        public ::testing::WithParamInterface<MatchCase> {};

TEST_P(RouterMatchTest, FindsTheRoute) {
  const MatchCase& c = GetParam();
  RouteMatch match = router_.Match(c.method, c.path);
  ASSERT_EQ(match.outcome, c.outcome) << c.method << " " << c.path;
  if (c.outcome == Outcome::kMatched) {
    EXPECT_EQ(match.route->method->name(), c.rpc);
    EXPECT_THAT(match.path_values, ElementsAreArray(c.values));
  }
  if (c.outcome == Outcome::kMethodNotAllowed) {
    EXPECT_THAT(match.allowed, ElementsAreArray(c.allowed));
  }
  if (c.outcome == Outcome::kBadPath) {
    EXPECT_FALSE(match.error.empty());
  }
}

constexpr char kTest[] = "/opsbrain.gatewaytest.v1.GatewayTest/";
constexpr char kRepo[] = "/opsbrain.v1.Repository/";

INSTANTIATE_TEST_SUITE_P(
    Table, RouterMatchTest,
    ::testing::Values(
        MatchCase{"Get",
                  "GET",
                  "/v1/things/a",
                  Outcome::kMatched,
                  "GetThing",
                  {"a"},
                  {}},
        MatchCase{"AdditionalBinding",
                  "GET",
                  "/v1/parents/p/things/t",
                  Outcome::kMatched,
                  "GetThing",
                  {"p", "t"},
                  {}},
        MatchCase{"SecondAdditionalBinding",
                  "GET",
                  "/v1/parents/p/children/c",
                  Outcome::kMatched,
                  "GetThing",
                  {"p", "c"},
                  {}},
        MatchCase{"List",
                  "GET",
                  "/v1/things",
                  Outcome::kMatched,
                  "ListThings",
                  {},
                  {}},
        MatchCase{"Create",
                  "POST",
                  "/v1/things",
                  Outcome::kMatched,
                  "CreateThing",
                  {},
                  {}},
        MatchCase{"CustomMethod",
                  "SEARCH",
                  "/v1/things",
                  Outcome::kMatched,
                  "SearchThings",
                  {},
                  {}},
        MatchCase{"WrongMethod",
                  "DELETE",
                  "/v1/things",
                  Outcome::kMethodNotAllowed,
                  "",
                  {},
                  {"GET", "POST", "SEARCH"}},
        MatchCase{"MethodIsCaseSensitive",
                  "get",
                  "/v1/things",
                  Outcome::kMethodNotAllowed,
                  "",
                  {},
                  {"GET", "POST", "SEARCH"}},
        MatchCase{"WrongMethodOnVariable",
                  "POST",
                  "/v1/things/a",
                  Outcome::kMethodNotAllowed,
                  "",
                  {},
                  {"DELETE", "GET", "PUT"}},
        MatchCase{"Verb",
                  "POST",
                  "/v1/things/a:archive",
                  Outcome::kMatched,
                  "ArchiveThing",
                  {"a"},
                  {}},
        MatchCase{"ColonIsValueWithoutVerbRoute",
                  "GET",
                  "/v1/things/a:archive",
                  Outcome::kMatched,
                  "GetThing",
                  {"a:archive"},
                  {}},
        MatchCase{"BodyField",
                  "PATCH",
                  "/v1/things/a/parent",
                  Outcome::kMatched,
                  "UpdateParent",
                  {"a"},
                  {}},
        MatchCase{"DoubleWildcard",
                  "GET",
                  "/v1/files/a/b/c.txt",
                  Outcome::kMatched,
                  "GetFile",
                  {"a/b/c.txt"},
                  {}},
        MatchCase{"MultiSegmentVariable",
                  "GET",
                  "/v1/shelves/s/books/b",
                  Outcome::kMatched,
                  "GetBook",
                  {"shelves/s/books/b"},
                  {}},
        MatchCase{"EncodedSlashInOneSegment",
                  "GET",
                  "/v1/things/a%2Fb",
                  Outcome::kMatched,
                  "GetThing",
                  {"a/b"},
                  {}},
        MatchCase{"TrailingSlash",
                  "GET",
                  "/v1/things/a/",
                  Outcome::kNotFound,
                  "",
                  {},
                  {}},
        MatchCase{"Unknown", "GET", "/nope", Outcome::kNotFound, "", {}, {}},
        MatchCase{"BadEncoding",
                  "GET",
                  "/v1/things/a%ZZ",
                  Outcome::kBadPath,
                  "",
                  {},
                  {}},
        MatchCase{
            "AsteriskForm", "OPTIONS", "*", Outcome::kBadPath, "", {}, {}},
        MatchCase{"AbsoluteForm",
                  "GET",
                  "http://x/v1/things",
                  Outcome::kBadPath,
                  "",
                  {},
                  {}},
        MatchCase{"ThreadKeyWithColon",
                  "GET",
                  "/v1/threadContexts/C1:123.45",
                  Outcome::kMatched,
                  "GetThreadContext",
                  {"C1:123.45"},
                  {}},
        MatchCase{"RepositoryVerb",
                  "POST",
                  "/v1/threadContexts:purgeExpired",
                  Outcome::kMatched,
                  "PurgeExpiredThreadContexts",
                  {},
                  {}},
        MatchCase{"RepositoryVerbWrongMethod",
                  "GET",
                  "/v1/threadContexts:purgeExpired",
                  Outcome::kMethodNotAllowed,
                  "",
                  {},
                  {"POST"}},
        MatchCase{"RepositoryTwoVariables",
                  "GET",
                  "/v1/users/u1/preferences/theme",
                  Outcome::kMatched,
                  "GetUserPreference",
                  {"u1", "theme"},
                  {}}),
    [](const ::testing::TestParamInfo<MatchCase>& info) {
      return std::string(info.param.name);
    });

// The grpc_method of a matched case names its service by the path.
TEST_F(RouterTest, NamesTheGrpcMethodInFull) {
  RouteMatch match = router_.Match("GET", "/v1/things/a");
  ASSERT_EQ(match.outcome, Outcome::kMatched);
  EXPECT_EQ(match.route->grpc_method, absl::StrCat(kTest, "GetThing"));
  match = router_.Match("GET", "/v1/configurations/k");
  ASSERT_EQ(match.outcome, Outcome::kMatched);
  EXPECT_EQ(match.route->grpc_method, absl::StrCat(kRepo, "GetConfiguration"));
}

// ---------------------------------------------------------------------------
// Rules the gateway refuses at start-up.

struct BadRuleCase {
  const char* name;
  const char* methods;  // Text-format MethodDescriptorProtos.
  const char* error;    // A substring of the message.
};

class RouterBuildErrorTest : public ::testing::TestWithParam<BadRuleCase> {
 protected:
  // A service "S" over message "Req" { id, tags (repeated), parent (Req) }.
  const google::protobuf::ServiceDescriptor* BuildService(const char* methods) {
    google::protobuf::FileDescriptorProto file;
    const std::string text = absl::StrFormat(
        R"pb(
          name: "bad.proto"
          package: "bad"
          syntax: "proto3"
          message_type {
            name: "Req"
            field {
              name: "id"
              number: 1
              type: TYPE_STRING
              label: LABEL_OPTIONAL
            }
            field {
              name: "tags"
              number: 2
              type: TYPE_STRING
              label: LABEL_REPEATED
            }
            field {
              name: "parent"
              number: 3
              type: TYPE_MESSAGE
              type_name: ".bad.Req"
              label: LABEL_OPTIONAL
            }
          }
          service { name: "S" %s }
        )pb",
        methods);
    if (!google::protobuf::TextFormat::ParseFromString(text, &file)) {
      return nullptr;
    }
    const google::protobuf::FileDescriptor* built = pool_.BuildFile(file);
    return built == nullptr ? nullptr : built->FindServiceByName("S");
  }

  google::protobuf::DescriptorPool pool_;
};

TEST_P(RouterBuildErrorTest, RefusesTheRule) {
  const google::protobuf::ServiceDescriptor* service =
      BuildService(GetParam().methods);
  ASSERT_NE(service, nullptr) << GetParam().methods;
  absl::Status status = Router::Build({service}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr(GetParam().error));
}

#define OPSBRAIN_METHOD(name, rule) \
  "method { name: \"" name          \
  "\" input_type: \".bad.Req\" "    \
  "output_type: \".bad.Req\" options { [google.api.http] { " rule " } } }"

INSTANTIATE_TEST_SUITE_P(
    Table, RouterBuildErrorTest,
    ::testing::Values(
        BadRuleCase{"BadTemplate", OPSBRAIN_METHOD("M", "get: '/v1/{id'"),
                    "expected '}'"},
        BadRuleCase{"UnknownVariable",
                    OPSBRAIN_METHOD("M", "get: '/v1/{nope}'"),
                    "unknown field \"nope\""},
        BadRuleCase{"RepeatedVariable",
                    OPSBRAIN_METHOD("M", "get: '/v1/{tags}'"),
                    "must be a singular scalar"},
        BadRuleCase{"MessageVariable",
                    OPSBRAIN_METHOD("M", "get: '/v1/{parent}'"),
                    "must be a singular scalar"},
        BadRuleCase{"ScalarBody",
                    OPSBRAIN_METHOD("M", "post: '/v1/x' body: 'id'"),
                    "must name a singular message field"},
        BadRuleCase{"UnknownBody",
                    OPSBRAIN_METHOD("M", "post: '/v1/x' body: 'nope'"),
                    "must name a singular message field"},
        BadRuleCase{"ResponseBody",
                    OPSBRAIN_METHOD("M", "get: '/v1/x' response_body: 'id'"),
                    "response_body is not supported"},
        BadRuleCase{"NoPattern", OPSBRAIN_METHOD("M", "body: '*'"),
                    "no pattern"},
        BadRuleCase{"CustomWithoutKind",
                    OPSBRAIN_METHOD("M", "custom { path: '/v1/x' }"),
                    "needs a kind"},
        BadRuleCase{"NestedAdditionalBindings",
                    OPSBRAIN_METHOD("M",
                                    "get: '/v1/x' additional_bindings { "
                                    "get: '/v1/y' additional_bindings { "
                                    "get: '/v1/z' } }"),
                    "cannot nest"},
        BadRuleCase{"Duplicate",
                    OPSBRAIN_METHOD("M", "get: '/v1/{id}'")
                        OPSBRAIN_METHOD("N", "get: '/v1/{id}'"),
                    "is also bound to bad.S.M"},
        BadRuleCase{"Streaming",
                    "method { name: \"M\" input_type: \".bad.Req\" "
                    "output_type: \".bad.Req\" server_streaming: true "
                    "options { [google.api.http] { get: '/v1/x' } } }",
                    "streaming methods"}),
    [](const ::testing::TestParamInfo<BadRuleCase>& info) {
      return std::string(info.param.name);
    });

#undef OPSBRAIN_METHOD

}  // namespace
}  // namespace opsbrain::gateway
