#include "storage_service/service/strict_json.h"

#include <string>

#include "gtest/gtest.h"

namespace opsbrain::service {
namespace {

struct Case {
  std::string text;
  bool valid;
};

TEST(StrictJsonTest, FollowsTheRfc8259Grammar) {
  const Case cases[] = {
      // Accepted.
      {"0", true},
      {"-0", true},
      {"12.5e-3", true},
      {"1E+2", true},
      {"-0.0e0", true},
      {"true", true},
      {"false", true},
      {"null", true},
      {"\"\"", true},
      {"\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u00E9\"", true},
      {"\"\\ud83d\\ude80\"", true},
      {"\"caf\xC3\xA9 \xF0\x9F\x9A\x80\"", true},
      {" \t\r\n[1, 2.5, \"x\", {\"a\": [true, null]}] \n", true},
      {"{}", true},
      {"[]", true},
      {"{\"a\":{\"b\":{}}}", true},
      // Rejected.
      {"", false},
      {" ", false},
      {"{a: 1}", false},
      {"'x'", false},
      {"[1,]", false},
      {"{\"a\":1,}", false},
      {"[,1]", false},
      {"[1 2]", false},
      {"{\"a\" 1}", false},
      {"{1: 2}", false},
      {"1.", false},
      {".5", false},
      {"+1", false},
      {"01", false},
      {"-", false},
      {"1e", false},
      {"1e+", false},
      {"0x10", false},
      {"NaN", false},
      {"Infinity", false},
      {"-Infinity", false},
      {"True", false},
      {"nul", false},
      {"nulls", false},
      {"\"\\x\"", false},
      {"\"\\u12\"", false},
      {"\"\\u12G4\"", false},
      {"\"\\ud800\"", false},
      {"\"\\ud800x\"", false},
      {"\"\\ud800\\u0041\"", false},
      {"\"\\udc00\"", false},
      {"\"a\tb\"", false},
      {"\"a\nb\"", false},
      {"\"\xFF\"", false},
      {"\"\xED\xA0\x80\"", false},
      {"\"unterminated", false},
      {"\"ends in escape\\", false},
      {"[1]]", false},
      {"{} {}", false},
      {"/*c*/1", false},
      {"1 // c", false},
      {"\xEF\xBB\xBF"
       "1",
       false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsStrictJson(c.text), c.valid) << "'" << c.text << "'";
  }
}

TEST(StrictJsonTest, LimitsNesting) {
  const std::string deep_ok =
      std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(IsStrictJson(deep_ok));
  const std::string too_deep =
      std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  EXPECT_FALSE(IsStrictJson(too_deep));
  EXPECT_FALSE(IsStrictJson(std::string(100000, '[')));
}

}  // namespace
}  // namespace opsbrain::service
