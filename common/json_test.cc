#include "common/json.h"

#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"

namespace opsbrain {
namespace {

using ::google::protobuf::Value;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

struct DecodeCase {
  const char* name;
  std::string json;
  // The decoded string (for string cases) or "" when `error` is set.
  std::string text;
  const char* error;  // Substring of the rejection reason, or nullptr.
};

class JsonTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(JsonTest, DecodesOrRejectsWithReason) {
  const DecodeCase& c = GetParam();
  absl::StatusOr<Value> value = DecodeJson(c.json);
  if (c.error != nullptr) {
    ASSERT_FALSE(value.ok()) << c.name;
    EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(value.status().message()), HasSubstr(c.error))
        << c.name;
    return;
  }
  ASSERT_TRUE(value.ok()) << c.name << ": " << value.status();
  ASSERT_EQ(value->kind_case(), Value::kStringValue);
  EXPECT_EQ(value->string_value(), c.text) << c.name;
}

// Strings as the legacy app's Python json.dumps (ensure_ascii) wrote them.
INSTANTIATE_TEST_SUITE_P(
    Strings, JsonTest,
    ::testing::Values(
        DecodeCase{"Ascii", R"("User: hi")", "User: hi", nullptr},
        DecodeCase{"EscapedLatin", R"("caf\u00e9")", "caf\xc3\xa9", nullptr},
        DecodeCase{"EscapesOfEveryUtf8Length",
                   R"("\u0041\u00e9\u2014\ud83c\udfaf")",
                   "A\xc3\xa9\xe2\x80\x94\xf0\x9f\x8e\xaf", nullptr},
        DecodeCase{"SurrogatePairIsOneCharacter", R"("\ud83c\udfaf Top")",
                   "\xf0\x9f\x8e\xaf Top", nullptr},
        DecodeCase{"UpperCaseHexPair", R"("\uD83D\uDE80")", "\xf0\x9f\x9a\x80",
                   nullptr},
        DecodeCase{"ShortEscapes", R"("a\nb\tc\"d\\e\/f\b\f\r")",
                   "a\nb\tc\"d\\e/f\b\f\r", nullptr},
        DecodeCase{"RawUtf8Kept", "\"r\xc3\xa9sum\xc3\xa9\"",
                   "r\xc3\xa9sum\xc3\xa9", nullptr},
        DecodeCase{"LoneHighSurrogate", R"("\ud83c tail")", "",
                   "lone high surrogate \\ud83c at byte 1"},
        DecodeCase{"HighSurrogateThenOtherEscape", R"("\ud83c\u0041")", "",
                   "lone high surrogate \\ud83c at byte 1"},
        DecodeCase{"HighSurrogateThenShortEscape", R"(["\uD83C\n"])", "",
                   "lone high surrogate \\ud83c at byte 2"},
        DecodeCase{"TwoHighSurrogates", R"("\ud83c\udbff")", "",
                   "lone high surrogate \\ud83c at byte 1"},
        DecodeCase{"LoneLowSurrogate", R"("\udfaf")", "",
                   "lone low surrogate \\udfaf at byte 1"},
        DecodeCase{"EscapedNul", R"(["x", "a\u0000b"])", "",
                   "NUL (\\u0000) in a string at byte 6"},
        DecodeCase{"RawNul", std::string("\"a\0b\"", 5), "",
                   "NUL in a string at byte 2"},
        DecodeCase{"RawControlCharacter", "\"a\x01\"", "",
                   "control character U+0001 (SOH) must be escaped"},
        DecodeCase{"InvalidUtf8", "\"\xff\"", "",
                   "string is not valid UTF-8 at byte 1"},
        DecodeCase{"EncodedSurrogate", "\"\xed\xa0\x80\"", "",
                   "not valid UTF-8"},
        DecodeCase{"UnknownEscape", R"("\x41")", "",
                   "forbidden character after backslash at byte 2"},
        DecodeCase{"ShortUnicodeEscape", R"("\u12G4")", "",
                   "must be followed by 4 hex digits"},
        DecodeCase{"Unterminated", R"("abc)", "",
                   "missing closing quote at byte 4"}),
    [](const ::testing::TestParamInfo<DecodeCase>& info) {
      return info.param.name;
    });

INSTANTIATE_TEST_SUITE_P(
    NotJson, JsonTest,
    ::testing::Values(
        DecodeCase{"NaN", R"({"x": NaN})", "", "NaN is not JSON at byte 6"},
        DecodeCase{"Infinity", R"([1, Infinity])", "",
                   "Infinity is not JSON at byte 4"},
        DecodeCase{"MinusInfinity", R"([-Infinity])", "",
                   "-Infinity is not JSON at byte 1"},
        DecodeCase{"NumberOverflow", "1e999", "",
                   "number out of the range of a double at byte 0"},
        DecodeCase{"NegativeOverflow", "[1, -1e999]", "",
                   "number out of the range of a double at byte 4"},
        DecodeCase{"LeadingZero", "01", "",
                   "unexpected number literal; expected end of input at "
                   "byte 1"},
        DecodeCase{"TrailingComma", "[1,]", "",
                   "unexpected ']'; expected '[', '{', or a literal at "
                   "byte 3"},
        DecodeCase{"SingleQuotes", "'a'", "", "invalid literal at byte 0"},
        DecodeCase{"DuplicateKey", R"({"a": 1, "a": 2})", "",
                   "duplicate key \"a\" at byte 9"},
        DecodeCase{"DuplicateKeyWithEscapedQuote", R"({"a\"b": 1, "a\"b": 2})",
                   "", "duplicate key \"a\"b\" at byte 12"},
        DecodeCase{"DuplicateNestedKey", R"([{"k": {"a": 1, "a": 2}}])", "",
                   "duplicate key \"a\" at byte 16"},
        DecodeCase{"NulInKey", R"({"a\u0000": 1})", "",
                   "NUL (\\u0000) in a key at byte 1"},
        DecodeCase{"TrailingText", "{} x", "", "invalid literal at byte 3"},
        DecodeCase{"SecondValue", "{} {}", "", "expected end of input"},
        DecodeCase{"Empty", "", "",
                   "unexpected end of input; expected '[', '{', or a literal "
                   "at byte 0"},
        DecodeCase{"ByteOrderMark",
                   "\xEF\xBB\xBF"
                   "1",
                   "", "unexpected byte order mark at byte 0"},
        DecodeCase{"Comment", "/*c*/1", "", "invalid literal at byte 0"},
        DecodeCase{"TooDeep", std::string(101, '[') + std::string(101, ']'), "",
                   "nesting too deep at byte 100"},
        DecodeCase{"NulAfterValue", std::string("1\0x", 3), "",
                   "unexpected NUL byte after the value at byte 1"}),
    [](const ::testing::TestParamInfo<DecodeCase>& info) {
      return info.param.name;
    });

struct GrammarCase {
  std::string text;
  bool valid;
};

TEST(JsonGrammarTest, FollowsRfc8259) {
  const GrammarCase cases[] = {
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
  for (const GrammarCase& c : cases) {
    EXPECT_EQ(DecodeJson(c.text).ok(), c.valid) << "'" << c.text << "'";
  }
}

TEST(JsonGrammarTest, LimitsNesting) {
  const std::string deep_ok =
      std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(DecodeJson(deep_ok).ok());
  const std::string deep_objects_ok = [] {
    std::string text;
    for (int i = 0; i < kMaxJsonDepth; ++i) text += "{\"a\":";
    text += "1";
    return text + std::string(kMaxJsonDepth, '}');
  }();
  EXPECT_TRUE(DecodeJson(deep_objects_ok).ok());
  const std::string too_deep =
      std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  EXPECT_FALSE(DecodeJson(too_deep).ok());
  EXPECT_FALSE(DecodeJson(std::string(100000, '[')).ok());
}

struct NumberCase {
  const char* text;
  double value;
};

TEST(JsonNumberTest, NumbersBecomeDoubles) {
  const NumberCase cases[] = {
      {"5", 5},
      {"-7", -7},
      {"12.5e-3", 0.0125},
      {"1E+2", 100},
      {"9223372036854775807", 9223372036854775807.0},
      {"-9223372036854775808", -9223372036854775807.0 - 1},
      {"18446744073709551616", 18446744073709551616.0},
      {"1e-999", 0},
  };
  for (const NumberCase& c : cases) {
    absl::StatusOr<Value> value = DecodeJson(c.text);
    ASSERT_TRUE(value.ok()) << c.text << ": " << value.status();
    EXPECT_EQ(value->number_value(), c.value) << c.text;
  }
}

TEST(JsonNumberTest, NegativeZeroBecomesZero) {
  for (const char* text : {"-0", "-0.0", "-0e5"}) {
    absl::StatusOr<Value> value = DecodeJson(text);
    ASSERT_TRUE(value.ok()) << text;
    EXPECT_FALSE(std::signbit(value->number_value())) << text;
  }
}

TEST(JsonErrorTest, ReasonsDoNotQuoteValues) {
  for (const std::string& text : {std::string(R"({"token": "sk-secret)"),
                                  std::string("{\"token\": \"sk-secret\x01\"}"),
                                  std::string(R"({"token": "sk-secret\q"})"),
                                  std::string(R"({"token": sk-secret})")}) {
    absl::StatusOr<Value> value = DecodeJson(text);
    ASSERT_FALSE(value.ok()) << text;
    EXPECT_THAT(std::string(value.status().message()), Not(HasSubstr("secret")))
        << text;
  }
}

TEST(JsonObjectTest, DecodesPythonDumpsOutput) {
  absl::StatusOr<google::protobuf::Struct> object = DecodeJsonObject(
      R"({"ceo_digest": true, "beta_channels": ["C04", "G07"], )"
      R"("max_digest_items": 5, "ratio": -0.0, "none": null, )"
      R"("goal": "\ud83c\udfaf Top"})");
  ASSERT_TRUE(object.ok()) << object.status();
  const auto& fields = object->fields();
  EXPECT_TRUE(fields.at("ceo_digest").bool_value());
  EXPECT_EQ(fields.at("beta_channels").list_value().values(1).string_value(),
            "G07");
  EXPECT_EQ(fields.at("max_digest_items").number_value(), 5);
  // -0 becomes +0, as the store reads it back.
  EXPECT_FALSE(std::signbit(fields.at("ratio").number_value()));
  EXPECT_EQ(fields.at("none").kind_case(), Value::kNullValue);
  EXPECT_EQ(fields.at("goal").string_value(), "\xf0\x9f\x8e\xaf Top");
}

TEST(JsonObjectTest, RejectsOtherKinds) {
  EXPECT_EQ(DecodeJsonObject("[1]").status().message(),
            "expected a JSON object, found an array");
  EXPECT_EQ(DecodeJsonObject("\"x\"").status().message(),
            "expected a JSON object, found a string");
  EXPECT_THAT(std::string(DecodeJsonObject("{").status().message()),
              HasSubstr("unexpected end of input"));
}

TEST(JsonStringArrayTest, DecodesMessages) {
  absl::StatusOr<std::vector<std::string>> items =
      DecodeJsonStringArray(R"(["User: hi", "OpsBrain: \u2705 done\nnext"])");
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_THAT(*items,
              ElementsAre("User: hi", "OpsBrain: \xe2\x9c\x85 done\nnext"));
}

TEST(JsonStringArrayTest, RejectsNonStringItemsAndObjects) {
  EXPECT_EQ(DecodeJsonStringArray(R"(["a", 2])").status().message(),
            "item 1: expected a string, found a number");
  EXPECT_EQ(DecodeJsonStringArray(R"({"a": 1})").status().message(),
            "expected a JSON array, found an object");
}

}  // namespace
}  // namespace opsbrain
