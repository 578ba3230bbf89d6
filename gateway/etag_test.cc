#include "gateway/etag.h"

#include <optional>
#include <string>

#include "gateway/router.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/repository.pb.h"

namespace opsbrain::gateway {
namespace {

class IfMatchTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Router> router = Router::Build(
        {v1::GetConfigurationRequest::descriptor()->file()->FindServiceByName(
            "Repository")});
    ASSERT_TRUE(router.ok()) << router.status();
    router_ = *std::move(router);
  }

  // The If-Match target of the route of `method` and `path`, dotted.
  std::string TargetOf(const char* method, const char* path) {
    RouteMatch match = router_.Match(method, path);
    EXPECT_EQ(match.outcome, RouteMatch::Outcome::kMatched) << path;
    if (match.route == nullptr) return "?";
    std::optional<FieldPath> target = IfMatchTarget(*match.route);
    return target.has_value() ? FieldPathName(*target) : "";
  }

  Router router_;
};

TEST_F(IfMatchTargetTest, UpdatesFillTheRecordAndDeletesTheRequest) {
  EXPECT_EQ(TargetOf("PATCH", "/v1/configurations/k"), "configuration.etag");
  EXPECT_EQ(TargetOf("PATCH", "/v1/users/u/preferences/k"),
            "user_preference.etag");
  EXPECT_EQ(TargetOf("DELETE", "/v1/businessGoals/g"), "etag");
  EXPECT_EQ(TargetOf("DELETE", "/v1/threadContexts/C1"), "etag");
}

TEST_F(IfMatchTargetTest, ReadsAndMetricsHaveNone) {
  EXPECT_EQ(TargetOf("GET", "/v1/configurations/k"), "");
  EXPECT_EQ(TargetOf("GET", "/v1/configurations"), "");
  EXPECT_EQ(TargetOf("POST", "/v1/performanceMetrics"), "");
  EXPECT_EQ(TargetOf("POST", "/v1/threadContexts:purgeExpired"), "");
}

struct IfMatchCase {
  const char* header;
  const char* tag;  // nullptr: refused.
};

class ParseIfMatchTest : public ::testing::TestWithParam<IfMatchCase> {};

TEST_P(ParseIfMatchTest, TakesOneStrongTag) {
  absl::StatusOr<std::string> tag = ParseIfMatch(GetParam().header);
  if (GetParam().tag == nullptr) {
    EXPECT_FALSE(tag.ok()) << GetParam().header;
    return;
  }
  ASSERT_TRUE(tag.ok()) << GetParam().header << ": " << tag.status();
  EXPECT_EQ(*tag, GetParam().tag);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseIfMatchTest,
    ::testing::Values(
        IfMatchCase{R"("0123abcd")", "0123abcd"},
        IfMatchCase{R"(  "x"  )", "x"}, IfMatchCase{"0123abcd", nullptr},
        IfMatchCase{R"(W/"0123")", nullptr}, IfMatchCase{"*", nullptr},
        IfMatchCase{R"("a", "b")", nullptr}, IfMatchCase{R"("")", nullptr},
        IfMatchCase{R"("a b")", nullptr}, IfMatchCase{"", nullptr}));

TEST(EtagOfTest, ReadsTheTopLevelEtagOnly) {
  v1::Configuration configuration;
  configuration.set_etag("00ff");
  EXPECT_EQ(EtagOf(configuration), "00ff");
  EXPECT_EQ(ETagHeaderValue("00ff"), "\"00ff\"");

  v1::ListConfigurationsResponse list;
  list.add_configurations()->set_etag("00ff");
  EXPECT_EQ(EtagOf(list), "");
}

}  // namespace
}  // namespace opsbrain::gateway
