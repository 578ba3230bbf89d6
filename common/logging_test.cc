#include "common/logging.h"

#include <string>

#include "gtest/gtest.h"

namespace opsbrain {
namespace {

struct EscapeCase {
  const char* name;
  std::string text;
  std::string escaped;
};

class JsonEscapeTest : public ::testing::TestWithParam<EscapeCase> {};

TEST_P(JsonEscapeTest, WritesAValidJsonStringBody) {
  EXPECT_EQ(JsonEscape(GetParam().text), GetParam().escaped);
}

INSTANTIATE_TEST_SUITE_P(
    Table, JsonEscapeTest,
    ::testing::Values(
        EscapeCase{"Plain", "listening on 127.0.0.1:80",
                   "listening on 127.0.0.1:80"},
        EscapeCase{"QuoteAndBackslash", R"(a "b" \c)", R"(a \"b\" \\c)"},
        EscapeCase{"Controls", "a\nb\tc\rd\x01", R"(a\nb\tc\rd\u0001)"},
        EscapeCase{"Delete", "a\x7F", R"(a\u007f)"},
        EscapeCase{"Utf8", "caf\xC3\xA9 \xE2\x82\xAC",
                   "caf\xC3\xA9 \xE2\x82\xAC"},
        EscapeCase{"InvalidUtf8", "a\xFF\xC3", "a\xEF\xBF\xBD\xEF\xBF\xBD"},
        EscapeCase{"Overlong", "\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},
        EscapeCase{"Surrogate", "\xED\xA0\x80",
                   "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}),
    [](const ::testing::TestParamInfo<EscapeCase>& info) {
      return std::string(info.param.name);
    });

TEST(LogFieldTest, NumbersAreUnquotedAndStringsKept) {
  const LogField status("status", 404);
  EXPECT_TRUE(status.number());
  EXPECT_EQ(status.value(), "404");
  const LogField latency("latency_ms", 1.23456);
  EXPECT_TRUE(latency.number());
  EXPECT_EQ(latency.value(), "1.235");
  const LogField route("route", "/v1/x");
  EXPECT_FALSE(route.number());
  EXPECT_EQ(route.value(), "/v1/x");
}

TEST(LogFormatTest, DefaultsToTextAndCanBeSet) {
  EXPECT_EQ(GetLogFormat(), LogFormat::kText);
  SetLogFormat(LogFormat::kJson);
  EXPECT_EQ(GetLogFormat(), LogFormat::kJson);
  SetLogFormat(LogFormat::kText);
}

}  // namespace
}  // namespace opsbrain
