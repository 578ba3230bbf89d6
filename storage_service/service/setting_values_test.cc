#include "storage_service/service/setting_values.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage_service/records.h"

namespace opsbrain::service {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Case {
  SettingType type;
  std::string value;
  std::string stored;  // Empty when the value must be rejected.
};

constexpr SettingType kString = SettingType::kString;
constexpr SettingType kBoolean = SettingType::kBoolean;
constexpr SettingType kInteger = SettingType::kInteger;
constexpr SettingType kJson = SettingType::kJson;

TEST(SettingValuesTest, AcceptedValuesAreStoredCanonically) {
  const Case cases[] = {
      {kString, "", ""},
      {kString, "  any text ", "  any text "},
      {kString, "0.7", "0.7"},
      {kBoolean, "true", "true"},
      {kBoolean, "TRUE", "true"},
      {kBoolean, "1", "true"},
      {kBoolean, "Yes", "true"},
      {kBoolean, "on", "true"},
      {kBoolean, "false", "false"},
      {kBoolean, "False", "false"},
      {kBoolean, "0", "false"},
      {kBoolean, "NO", "false"},
      {kBoolean, "Off", "false"},
      {kInteger, "10", "10"},
      {kInteger, "+10", "10"},
      {kInteger, "-10", "-10"},
      {kInteger, "007", "7"},
      {kInteger, "-0", "0"},
      {kInteger, "+0000", "0"},
      {kInteger, "9223372036854775807", "9223372036854775807"},
      {kInteger, "-9223372036854775808", "-9223372036854775808"},
      {kInteger, "-00009223372036854775808", "-9223372036854775808"},
      {kJson, "5", "5"},
      {kJson, "\"text\"", "\"text\""},
      {kJson, "null", "null"},
      {kJson, "true", "true"},
      {kJson, "[1, 2]", "[1, 2]"},
      {kJson, "{\"ceo_digest\": true, \"beta\": [\"C04\"], \"max\": 5}",
       "{\"ceo_digest\": true, \"beta\": [\"C04\"], \"max\": 5}"},
      {kJson, " {\"a\": \"\\ud83d\\ude80\"} ", " {\"a\": \"\\ud83d\\ude80\"} "},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::string> stored =
        CanonicalSettingValue(c.type, c.value, "app_setting.value");
    ASSERT_TRUE(stored.ok()) << SettingTypeName(c.type) << " '" << c.value
                             << "': " << stored.status();
    EXPECT_EQ(*stored, c.stored)
        << SettingTypeName(c.type) << " '" << c.value << "'";
  }
}

TEST(SettingValuesTest, RejectedValuesNameFieldAndType) {
  const Case cases[] = {
      {kBoolean, "", ""},
      {kBoolean, "maybe", ""},
      {kBoolean, " true", ""},
      {kBoolean, "true ", ""},
      {kBoolean, "2", ""},
      {kBoolean, "t", ""},
      {kInteger, "", ""},
      {kInteger, "abc", ""},
      {kInteger, "+", ""},
      {kInteger, "-", ""},
      {kInteger, " 1", ""},
      {kInteger, "1 ", ""},
      {kInteger, "1.0", ""},
      {kInteger, "1e3", ""},
      {kInteger, "0x10", ""},
      {kInteger, "1_000", ""},
      {kInteger, "--1", ""},
      {kInteger, "9223372036854775808", ""},
      {kInteger, "-9223372036854775809", ""},
      {kInteger, "99999999999999999999999", ""},
      {kJson, "", ""},
      {kJson, "NaN", ""},
      {kJson, "Infinity", ""},
      {kJson, "-Infinity", ""},
      {kJson, "{\"a\": NaN}", ""},
      {kJson, "1e999", ""},
      {kJson, "{", ""},
      {kJson, "5 x", ""},
      {kJson, "\"\\u0000\"", ""},
      {kJson, "{\"a\\u0000\": 1}", ""},
      {kJson, "\"\\ud800\"", ""},
      {kJson, "{'a': 1}", ""},
      {kJson, "{a: 1}", ""},
      {kJson, "[1,]", ""},
      {kJson, "{\"a\": 1, \"a\": 2}", ""},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::string> stored =
        CanonicalSettingValue(c.type, c.value, "app_setting.value");
    ASSERT_FALSE(stored.ok())
        << SettingTypeName(c.type) << " '" << c.value << "' accepted";
    EXPECT_EQ(stored.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(stored.status().message()),
                StartsWith("app_setting.value: '"));
    EXPECT_THAT(
        std::string(stored.status().message()),
        HasSubstr(absl::StrCat("is not a valid ", SettingTypeName(c.type))));
  }
}

TEST(SettingValuesTest, MessageQuotesTheValue) {
  absl::StatusOr<std::string> stored =
      CanonicalSettingValue(kInteger, "abc", "app_setting.value");
  EXPECT_EQ(stored.status().message(),
            "app_setting.value: 'abc' is not a valid INTEGER");
}

TEST(SettingValuesTest, MessageNeverEchoesAHugeValue) {
  const std::string huge(100000, 'x');
  absl::StatusOr<std::string> stored =
      CanonicalSettingValue(kInteger, huge, "app_setting.value");
  ASSERT_FALSE(stored.ok());
  EXPECT_LT(stored.status().message().size(), 150u);
  EXPECT_THAT(std::string(stored.status().message()), HasSubstr("...'"));
}

TEST(SettingValuesTest, TypeNamesMatchTheApi) {
  EXPECT_EQ(SettingTypeName(kString), "STRING");
  EXPECT_EQ(SettingTypeName(kBoolean), "BOOLEAN");
  EXPECT_EQ(SettingTypeName(kInteger), "INTEGER");
  EXPECT_EQ(SettingTypeName(kJson), "JSON");
}

}  // namespace
}  // namespace opsbrain::service
