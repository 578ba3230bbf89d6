#include "gateway/cors.h"

#include <string>
#include <vector>

#include "gateway/http_types.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::gateway {
namespace {

using ::testing::HasSubstr;

std::string HeaderOf(const std::vector<HttpHeader>& headers,
                     absl::string_view name) {
  const std::string* value = FindHeader(headers, name);
  return value == nullptr ? "" : *value;
}

TEST(CorsPolicyTest, IsOffWithoutOrigins) {
  absl::StatusOr<CorsPolicy> policy = CorsPolicy::Create({}, {});
  ASSERT_TRUE(policy.ok());
  EXPECT_FALSE(policy->enabled());
  EXPECT_FALSE(policy->Allows("https://a.example"));
  EXPECT_FALSE(CorsPolicy().enabled());
}

TEST(CorsPolicyTest, AllowsListedOriginsExactly) {
  absl::StatusOr<CorsPolicy> policy = CorsPolicy::Create(
      {"https://a.example", "http://localhost:3000"}, {"Authorization"});
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_TRUE(policy->enabled());
  EXPECT_TRUE(policy->Allows("https://a.example"));
  EXPECT_TRUE(policy->Allows("http://localhost:3000"));
  EXPECT_FALSE(policy->Allows("http://a.example"));
  EXPECT_FALSE(policy->Allows("https://a.example:8443"));
  EXPECT_FALSE(policy->Allows("https://evil.a.example"));
  EXPECT_FALSE(policy->Allows(""));
}

TEST(CorsPolicyTest, StarAllowsAnyOriginButEchoesIt) {
  absl::StatusOr<CorsPolicy> policy = CorsPolicy::Create({"*"}, {});
  ASSERT_TRUE(policy.ok());
  EXPECT_TRUE(policy->Allows("https://b.example"));
  EXPECT_EQ(HeaderOf(policy->ResponseHeaders("https://b.example"),
                     "Access-Control-Allow-Origin"),
            "https://b.example");
}

TEST(CorsPolicyTest, RefusesAnOriginWithAPath) {
  for (const char* bad : {"https://a.example/", "a.example", "ftp://a",
                          "https://a.example/x", "https://"}) {
    absl::StatusOr<CorsPolicy> policy = CorsPolicy::Create({bad}, {});
    ASSERT_FALSE(policy.ok()) << bad;
    EXPECT_THAT(std::string(policy.status().message()), HasSubstr(bad));
  }
}

TEST(CorsPolicyTest, HeadersSayWhatTheBrowserMayDo) {
  absl::StatusOr<CorsPolicy> policy = CorsPolicy::Create(
      {"https://a.example"}, {"Authorization", "Content-Type", "If-Match"});
  ASSERT_TRUE(policy.ok());
  const std::vector<HttpHeader> response =
      policy->ResponseHeaders("https://a.example");
  EXPECT_EQ(HeaderOf(response, "Vary"), "Origin");
  EXPECT_THAT(HeaderOf(response, "Access-Control-Expose-Headers"),
              HasSubstr("ETag"));

  const std::vector<HttpHeader> preflight =
      policy->PreflightHeaders("https://a.example", {"GET", "PATCH"});
  EXPECT_EQ(HeaderOf(preflight, "Access-Control-Allow-Origin"),
            "https://a.example");
  EXPECT_EQ(HeaderOf(preflight, "Access-Control-Allow-Methods"), "GET, PATCH");
  EXPECT_EQ(HeaderOf(preflight, "Access-Control-Allow-Headers"),
            "Authorization, Content-Type, If-Match");
  EXPECT_EQ(HeaderOf(preflight, "Access-Control-Max-Age"), "600");
}

}  // namespace
}  // namespace opsbrain::gateway
