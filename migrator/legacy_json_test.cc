#include "migrator/legacy_json.h"

#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"

namespace opsbrain::migrator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct DecodeCase {
  const char* name;
  std::string json;
  // The decoded string (for string cases) or "" when `error` is set.
  std::string text;
  const char* error;  // Substring of the rejection reason, or nullptr.
};

class LegacyJsonTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(LegacyJsonTest, DecodesOrRejectsWithReason) {
  const DecodeCase& c = GetParam();
  absl::StatusOr<google::protobuf::Value> value = DecodeJson(c.json);
  if (c.error != nullptr) {
    ASSERT_FALSE(value.ok()) << c.name;
    EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(value.status().message()), HasSubstr(c.error))
        << c.name;
    return;
  }
  ASSERT_TRUE(value.ok()) << c.name << ": " << value.status();
  ASSERT_EQ(value->kind_case(), google::protobuf::Value::kStringValue);
  EXPECT_EQ(value->string_value(), c.text) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Strings, LegacyJsonTest,
    ::testing::Values(
        DecodeCase{"Ascii", R"("User: hi")", "User: hi", nullptr},
        DecodeCase{"EscapedLatin", R"("caf\u00e9")", "caf\xc3\xa9", nullptr},
        DecodeCase{"SurrogatePairIsOneCharacter", R"("\ud83c\udfaf Top")",
                   "\xf0\x9f\x8e\xaf Top", nullptr},
        DecodeCase{"UpperCaseHexPair", R"("\uD83D\uDE80")", "\xf0\x9f\x9a\x80",
                   nullptr},
        DecodeCase{"ShortEscapes", R"("a\nb\tc\"d\\e\/f")", "a\nb\tc\"d\\e/f",
                   nullptr},
        DecodeCase{"RawUtf8Kept", "\"r\xc3\xa9sum\xc3\xa9\"",
                   "r\xc3\xa9sum\xc3\xa9", nullptr},
        DecodeCase{"LoneHighSurrogate", R"("\ud83c tail")", "",
                   "lone high surrogate \\ud83c at byte 1"},
        DecodeCase{"HighSurrogateThenOtherEscape", R"("\ud83c\u0041")", "",
                   "lone high surrogate"},
        DecodeCase{"LoneLowSurrogate", R"("\udfaf")", "",
                   "lone low surrogate \\udfaf"},
        DecodeCase{"EscapedNul", R"("a\u0000b")", "", "NUL (\\u0000)"},
        DecodeCase{"RawControlCharacter", "\"a\x01\"", "",
                   "raw control character"},
        DecodeCase{"InvalidUtf8", "\"\xff\"", "", "not valid UTF-8"},
        DecodeCase{"UnknownEscape", R"("\x41")", "", "unknown escape \\x"},
        DecodeCase{"Unterminated", R"("abc)", "", "unterminated string"}),
    [](const ::testing::TestParamInfo<DecodeCase>& info) {
      return info.param.name;
    });

INSTANTIATE_TEST_SUITE_P(
    NotJson, LegacyJsonTest,
    ::testing::Values(
        DecodeCase{"NaN", R"({"x": NaN})", "", "NaN is not JSON at byte 6"},
        DecodeCase{"Infinity", R"([1, Infinity])", "", "Infinity is not JSON"},
        DecodeCase{"MinusInfinity", R"([-Infinity])", "",
                   "-Infinity is not JSON"},
        DecodeCase{"NumberOverflow", "1e999", "", "out of the range"},
        DecodeCase{"LeadingZero", "01", "", "leading zero"},
        DecodeCase{"TrailingComma", "[1,]", "", "unexpected character"},
        DecodeCase{"SingleQuotes", "'a'", "", "unexpected character"},
        DecodeCase{"DuplicateKey", R"({"a": 1, "a": 2})", "",
                   "duplicate key \"a\""},
        DecodeCase{"TrailingText", "{} x", "", "unexpected text"},
        DecodeCase{"Empty", "", "", "unexpected end"},
        DecodeCase{"TooDeep", std::string(101, '[') + std::string(101, ']'), "",
                   "nesting too deep"}),
    [](const ::testing::TestParamInfo<DecodeCase>& info) {
      return info.param.name;
    });

TEST(LegacyJsonObjectTest, DecodesPythonDumpsOutput) {
  absl::StatusOr<google::protobuf::Struct> object = DecodeJsonObject(
      R"({"ceo_digest": true, "beta_channels": ["C04", "G07"], )"
      R"("max_digest_items": 5, "ratio": -0.0, "none": null})");
  ASSERT_TRUE(object.ok()) << object.status();
  const auto& fields = object->fields();
  EXPECT_TRUE(fields.at("ceo_digest").bool_value());
  EXPECT_EQ(fields.at("beta_channels").list_value().values(1).string_value(),
            "G07");
  EXPECT_EQ(fields.at("max_digest_items").number_value(), 5);
  // -0 becomes +0, as the store reads it back.
  EXPECT_FALSE(std::signbit(fields.at("ratio").number_value()));
  EXPECT_EQ(fields.at("none").kind_case(), google::protobuf::Value::kNullValue);
}

TEST(LegacyJsonObjectTest, RejectsOtherKinds) {
  EXPECT_THAT(std::string(DecodeJsonObject("[1]").status().message()),
              HasSubstr("expected a JSON object, found an array"));
  EXPECT_THAT(std::string(DecodeJsonObject("\"x\"").status().message()),
              HasSubstr("found a string"));
}

TEST(LegacyJsonStringArrayTest, DecodesMessages) {
  absl::StatusOr<std::vector<std::string>> items =
      DecodeJsonStringArray(R"(["User: hi", "OpsBrain: \u2705 done\nnext"])");
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_THAT(*items,
              ElementsAre("User: hi", "OpsBrain: \xe2\x9c\x85 done\nnext"));
}

TEST(LegacyJsonStringArrayTest, RejectsNonStringItemsAndObjects) {
  EXPECT_EQ(DecodeJsonStringArray(R"(["a", 2])").status().message(),
            "item 1: expected a string, found a number");
  EXPECT_EQ(DecodeJsonStringArray(R"({"a": 1})").status().message(),
            "expected a JSON array, found an object");
}

}  // namespace
}  // namespace opsbrain::migrator
