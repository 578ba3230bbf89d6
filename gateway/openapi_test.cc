#include "gateway/openapi.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gateway/router.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "opsbrain/gatewaytest/v1/gateway_test.pb.h"
#include "opsbrain/v1/repository.pb.h"

namespace opsbrain::gateway {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::testing::Contains;
using ::testing::IsSupersetOf;
using ::testing::Not;

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Router> router = Router::Build(
        {opsbrain::gatewaytest::v1::EchoRequest::descriptor()
             ->file()
             ->FindServiceByName("GatewayTest"),
         v1::GetConfigurationRequest::descriptor()->file()->FindServiceByName(
             "Repository")});
    ASSERT_TRUE(router.ok()) << router.status();
    router_ = *std::move(router);
    document_ = Document(/*auth=*/true);
  }

  Struct Document(bool auth) {
    OpenApiOptions options;
    options.auth = auth;
    absl::StatusOr<std::string> json = OpenApiDocument(router_, options);
    EXPECT_TRUE(json.ok()) << json.status();
    Struct document;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json.value_or("{}"),
                                                            &document)
                    .ok());
    return document;
  }

  // The value at a path of object keys; a null Value when absent.
  static Value At(const Struct& root, std::vector<std::string> keys) {
    Value current;
    *current.mutable_struct_value() = root;
    for (const std::string& key : keys) {
      if (!current.has_struct_value() ||
          !current.struct_value().fields().contains(key)) {
        return Value();
      }
      Value next = current.struct_value().fields().at(key);
      current = std::move(next);
    }
    return current;
  }

  Value Operation(const std::string& path, const std::string& method) {
    return At(document_, {"paths", path, method});
  }

  // The names of an operation's parameters that are `in` there.
  std::vector<std::string> ParameterNames(const Value& operation,
                                          const std::string& in) {
    std::vector<std::string> names;
    for (const Value& parameter : operation.struct_value()
                                      .fields()
                                      .at("parameters")
                                      .list_value()
                                      .values()) {
      const auto& fields = parameter.struct_value().fields();
      if (fields.at("in").string_value() == in) {
        names.push_back(fields.at("name").string_value());
      }
    }
    return names;
  }

  // Every "$ref" value anywhere under `value`.
  static void CollectRefs(const Value& value, std::set<std::string>& refs) {
    if (value.has_struct_value()) {
      for (const auto& [key, member] : value.struct_value().fields()) {
        if (key == "$ref") refs.insert(member.string_value());
        CollectRefs(member, refs);
      }
    } else if (value.has_list_value()) {
      for (const Value& item : value.list_value().values()) {
        CollectRefs(item, refs);
      }
    }
  }

  Router router_;
  Struct document_;
};

TEST_F(OpenApiTest, EveryRouteIsAnOperation) {
  struct Expected {
    const char* path;
    const char* method;
  };
  const Expected kExpected[] = {
      {"/v1/things/{id}", "get"},
      {"/v1/parents/{parent.id}/things/{id}", "get"},
      {"/v1/parents/{parent.id}/children/{parent.child.name}", "get"},
      {"/v1/things", "get"},
      {"/v1/things", "post"},
      {"/v1/things/{id}", "put"},
      {"/v1/things/{id}/parent", "patch"},
      {"/v1/things/{id}", "delete"},
      {"/v1/things/{id}:archive", "post"},
      {"/v1/files/{path}", "get"},
      {"/v1/{name}", "get"},
      {"/v1/configurations/{configuration.key}", "patch"},
      {"/v1/threadContexts:purgeExpired", "post"},
      {"/healthz", "get"},
      {"/readyz", "get"},
      {"/openapi.json", "get"},
      {"/metrics", "get"},
  };
  for (const Expected& expected : kExpected) {
    EXPECT_TRUE(Operation(expected.path, expected.method).has_struct_value())
        << expected.method << " " << expected.path;
  }
  EXPECT_TRUE(At(document_,
                 {"paths", "/v1/things", "x-opsbrain-custom-methods", "SEARCH"})
                  .has_struct_value());

  // One operation per route, plus the gateway's four.
  int operations = 0;
  const Value paths = At(document_, {"paths"});
  for (const auto& [path, item] : paths.struct_value().fields()) {
    for (const auto& [method, operation] : item.struct_value().fields()) {
      operations += method == "x-opsbrain-custom-methods"
                        ? operation.struct_value().fields_size()
                        : 1;
    }
  }
  EXPECT_EQ(operations, static_cast<int>(router_.routes().size()) + 4);
}

TEST_F(OpenApiTest, QueryParametersAreTheFieldsThePathAndBodyLeave) {
  const Value get = Operation("/v1/things/{id}", "get");
  EXPECT_THAT(ParameterNames(get, "path"), testing::ElementsAre("id"));
  const std::vector<std::string> query = ParameterNames(get, "query");
  EXPECT_THAT(query, IsSupersetOf({"parent.id", "parent.child.name", "count",
                                   "tags", "since", "wait", "mask", "note"}));
  EXPECT_THAT(query, Not(Contains("id")));
  EXPECT_THAT(query, Not(Contains("labels")));

  // The body field's fields come only from the body.
  const Value patch = Operation("/v1/things/{id}/parent", "patch");
  EXPECT_THAT(ParameterNames(patch, "query"), Not(Contains("parent.id")));
  EXPECT_EQ(At(patch.struct_value(),
               {"requestBody", "content", "application/json", "schema", "$ref"})
                .string_value(),
            "#/components/schemas/opsbrain.gatewaytest.v1.Parent");

  // A whole-message body leaves nothing to the query.
  EXPECT_THAT(ParameterNames(Operation("/v1/things", "post"), "query"),
              testing::IsEmpty());
}

TEST_F(OpenApiTest, SchemasFollowTheJsonMapping) {
  const Struct properties =
      At(document_, {"components", "schemas",
                     "opsbrain.gatewaytest.v1.EchoRequest", "properties"})
          .struct_value();
  EXPECT_EQ(At(properties, {"count", "type"}).string_value(), "string");
  EXPECT_EQ(At(properties, {"small", "type"}).string_value(), "integer");
  EXPECT_EQ(At(properties, {"since", "format"}).string_value(), "date-time");
  EXPECT_EQ(At(properties, {"tags", "type"}).string_value(), "array");
  EXPECT_EQ(At(properties, {"color", "enum"}).list_value().values_size(), 4);
  EXPECT_EQ(
      At(properties, {"labels", "additionalProperties", "type"}).string_value(),
      "string");
  EXPECT_TRUE(At(properties, {"note", "nullable"}).bool_value());
  EXPECT_EQ(At(properties, {"parent", "$ref"}).string_value(),
            "#/components/schemas/opsbrain.gatewaytest.v1.Parent");
}

TEST_F(OpenApiTest, EtagsAppearAsHeaders) {
  const Value patch =
      Operation("/v1/configurations/{configuration.key}", "patch");
  EXPECT_THAT(ParameterNames(patch, "header"), Contains("If-Match"));
  EXPECT_TRUE(
      At(patch.struct_value(), {"responses", "412"}).has_struct_value());
  EXPECT_TRUE(At(patch.struct_value(), {"responses", "200", "headers", "ETag"})
                  .has_struct_value());
  EXPECT_EQ(At(patch.struct_value(), {"x-opsbrain-scope"}).string_value(),
            "write");

  const Value list = Operation("/v1/configurations", "get");
  EXPECT_THAT(ParameterNames(list, "header"), Not(Contains("If-Match")));
  EXPECT_FALSE(At(list.struct_value(), {"responses", "200", "headers", "ETag"})
                   .has_struct_value());
  EXPECT_EQ(At(list.struct_value(), {"x-opsbrain-scope"}).string_value(),
            "read");
}

TEST_F(OpenApiTest, SecurityIsBearerExceptOnTheProbes) {
  EXPECT_EQ(
      At(document_, {"components", "securitySchemes", "bearerAuth", "scheme"})
          .string_value(),
      "bearer");
  EXPECT_EQ(At(document_, {"security"}).list_value().values_size(), 1);
  EXPECT_EQ(At(Operation("/healthz", "get").struct_value(), {"security"})
                .list_value()
                .values_size(),
            0);
  EXPECT_TRUE(At(Operation("/healthz", "get").struct_value(), {"security"})
                  .has_list_value());

  const Struct open = Document(/*auth=*/false);
  EXPECT_FALSE(At(open, {"components", "securitySchemes"}).has_struct_value());
  EXPECT_FALSE(At(open, {"security"}).has_list_value());
}

TEST_F(OpenApiTest, EveryReferenceResolves) {
  Value root;
  *root.mutable_struct_value() = document_;
  std::set<std::string> refs;
  CollectRefs(root, refs);
  EXPECT_FALSE(refs.empty());
  for (const std::string& ref : refs) {
    ASSERT_TRUE(absl::StartsWith(ref, "#/")) << ref;
    std::vector<std::string> keys = absl::StrSplit(ref.substr(2), '/');
    EXPECT_TRUE(At(document_, keys).has_struct_value()) << ref;
  }
}

}  // namespace
}  // namespace opsbrain::gateway
