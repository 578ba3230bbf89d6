#include "migrator/legacy_conversions.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "migrator/legacy_reader.h"
#include "opsbrain/v1/internal.pb.h"

namespace opsbrain::migrator {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

LegacyValue Text(std::string text) {
  return LegacyValue::Text(std::move(text));
}
LegacyValue Int(int64_t value) { return LegacyValue::Integer(value); }
LegacyValue Real(double value) { return LegacyValue::Real(value); }
LegacyValue Null() { return LegacyValue::Null(); }

absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone());
}

LegacyRow Row(std::vector<std::pair<std::string, LegacyValue>> cells) {
  LegacyRow row;
  for (auto& [column, value] : cells) row.Set(column, std::move(value));
  return row;
}

v1::ImportedRow ParseRow(const std::string& json) {
  v1::ImportedRow row;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &row);
  EXPECT_TRUE(status.ok()) << json << ": " << status.message();
  return row;
}

void ExpectSameRow(const v1::ImportedRow& actual,
                   const v1::ImportedRow& expected) {
  google::protobuf::util::MessageDifferencer differ;
  std::string diff;
  differ.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differ.Compare(expected, actual)) << diff;
}

// ---- Times ------------------------------------------------------------------

struct TimeCase {
  const char* name;
  LegacyValue value;
  std::optional<absl::Time> want;  // nullopt: rejected
  const char* note_or_error;       // expected note / error substring
};

class LegacyTimeTest : public ::testing::TestWithParam<TimeCase> {};

TEST_P(LegacyTimeTest, ParsesByTheDocumentedRules) {
  const TimeCase& c = GetParam();
  std::vector<std::string> notes;
  absl::StatusOr<absl::Time> time = ParseLegacyTime(c.value, "t", &notes);
  if (!c.want.has_value()) {
    ASSERT_FALSE(time.ok()) << absl::FormatTime(*time);
    EXPECT_THAT(std::string(time.status().message()),
                HasSubstr(c.note_or_error));
    return;
  }
  ASSERT_TRUE(time.ok()) << time.status();
  EXPECT_EQ(*time, *c.want) << absl::FormatTime(*time);
  if (c.note_or_error == nullptr) {
    EXPECT_THAT(notes, IsEmpty());
  } else {
    EXPECT_THAT(notes, ElementsAre(HasSubstr(c.note_or_error)));
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, LegacyTimeTest,
    ::testing::Values(
        TimeCase{"CurrentTimestamp", Text("2025-09-01 12:00:00"),
                 Utc(2025, 9, 1, 12, 0, 0), nullptr},
        TimeCase{"PythonAdapterMicros", Text("2025-09-02 06:47:55.336740"),
                 Utc(2025, 9, 2, 6, 47, 55) + absl::Microseconds(336740),
                 nullptr},
        TimeCase{"ShortFraction", Text("2025-09-01 12:00:00.5"),
                 Utc(2025, 9, 1, 12, 0, 0) + absl::Milliseconds(500), nullptr},
        TimeCase{"IsoSeparatorAndZ", Text("2025-09-01T12:00:00Z"),
                 Utc(2025, 9, 1, 12, 0, 0), nullptr},
        TimeCase{"OffsetConvertedToUtc", Text("2025-09-01 14:00:00+02:00"),
                 Utc(2025, 9, 1, 12, 0, 0), nullptr},
        TimeCase{"IsoBasicOffset", Text("2025-09-01T14:00:00+0200"),
                 Utc(2025, 9, 1, 12, 0, 0), nullptr},
        TimeCase{"IsoHourOffset", Text("2025-09-01T14:00:00+02"),
                 Utc(2025, 9, 1, 12, 0, 0), nullptr},
        TimeCase{"NegativeOffset", Text("2025-09-01T07:30:00-04:30"),
                 Utc(2025, 9, 1, 12, 0, 0), nullptr},
        TimeCase{"IsoFractionAndZ", Text("2025-09-01T12:00:00.123Z"),
                 Utc(2025, 9, 1, 12, 0, 0) + absl::Milliseconds(123), nullptr},
        TimeCase{"IsoWithoutSeconds", Text("2025-09-01T12:00"),
                 Utc(2025, 9, 1, 12, 0, 0), nullptr},
        TimeCase{"BareDateIsMidnight", Text("2025-03-31"),
                 Utc(2025, 3, 31, 0, 0, 0), "midnight UTC"},
        TimeCase{"IntegerIsUnixSeconds", Int(1756728000),
                 Utc(2025, 9, 1, 12, 0, 0), "Unix seconds"},
        TimeCase{"RealIsUnixSeconds", Real(1756728000.25),
                 Utc(2025, 9, 1, 12, 0, 0) + absl::Milliseconds(250),
                 "Unix seconds"},
        TimeCase{"LargeIntegerIsUnixMillis", Int(1756728000123),
                 Utc(2025, 9, 1, 12, 0, 0) + absl::Milliseconds(123),
                 "Unix milliseconds"},
        TimeCase{"LargeRealIsUnixMillis", Real(1756728000123.5),
                 Utc(2025, 9, 1, 12, 0, 0) + absl::Microseconds(123500),
                 "Unix milliseconds"},
        TimeCase{"DigitTextIsUnixSeconds", Text("1756728000"),
                 Utc(2025, 9, 1, 12, 0, 0), "Unix seconds"},
        TimeCase{"DigitTextIsUnixMillis", Text("1756728000123"),
                 Utc(2025, 9, 1, 12, 0, 0) + absl::Milliseconds(123),
                 "Unix milliseconds"},
        TimeCase{"MillisOutOfRange", Int(999999999999999999), std::nullopt,
                 "out of range as Unix milliseconds"},
        TimeCase{"BadOffset", Text("2025-09-01T12:00:00+2"), std::nullopt,
                 "is not a time"},
        TimeCase{"Null", Null(), std::nullopt, "t: is NULL"},
        TimeCase{"NotARealDay", Text("2025-02-30 00:00:00"), std::nullopt,
                 "is not a real time"},
        TimeCase{"SevenFractionDigits", Text("2025-09-01 12:00:00.1234567"),
                 std::nullopt, "more than 6 fractional digits"},
        TimeCase{"Words", Text("yesterday"), std::nullopt, "is not a time"},
        TimeCase{"NegativeSeconds", Int(-5), std::nullopt, "out of range"},
        TimeCase{"TrailingJunk", Text("2025-09-01 12:00:00 UTC"), std::nullopt,
                 "is not a time"},
        // Found by //fuzz:legacy_conversions: an offset carried these out of
        // the range of a Timestamp.
        TimeCase{"OffsetBeforeYear1", Text("0001-01-01 00:00:00+01:00"),
                 std::nullopt, "outside the years 1 to 9999"},
        TimeCase{"OffsetAfterYear9999", Text("9999-12-31 23:59:59-01:00"),
                 std::nullopt, "outside the years 1 to 9999"},
        TimeCase{"LastMicrosecond", Text("9999-12-31 23:59:59.999999Z"),
                 Utc(9999, 12, 31, 23, 59, 59) + absl::Microseconds(999999),
                 nullptr}),
    [](const ::testing::TestParamInfo<TimeCase>& info) {
      return info.param.name;
    });

// ---- Booleans and dates -----------------------------------------------------

TEST(LegacyBooleanTest, AcceptsPythonBoolsAndTextAndNull) {
  std::vector<std::string> notes;
  EXPECT_EQ(*ParseLegacyBoolean(Int(1), "b", &notes), true);
  EXPECT_EQ(*ParseLegacyBoolean(Int(0), "b", &notes), false);
  EXPECT_THAT(notes, IsEmpty());
  struct Case {
    const char* text;
    bool want;
  };
  for (const Case& c :
       {Case{"TRUE", true}, Case{"false", false}, Case{"yes", true},
        Case{"No", false}, Case{"1", true}, Case{"0", false}}) {
    absl::StatusOr<bool> parsed = ParseLegacyBoolean(Text(c.text), "b", &notes);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.status();
    EXPECT_EQ(*parsed, c.want) << c.text;
  }
  EXPECT_THAT(notes, Contains("b text read as a boolean"));
  EXPECT_EQ(*ParseLegacyBoolean(Null(), "b", &notes), false);
  EXPECT_THAT(notes, Contains("b NULL read as false"));
}

TEST(LegacyBooleanTest, RejectsAnythingElse) {
  for (const LegacyValue& value : {Int(2), Int(-1), Real(0.5), Text("maybe"),
                                   Text(" yes"), Text("on"), Text("")}) {
    absl::StatusOr<bool> parsed = ParseLegacyBoolean(value, "b", nullptr);
    ASSERT_FALSE(parsed.ok()) << value.text;
    EXPECT_THAT(std::string(parsed.status().message()),
                HasSubstr("is not a boolean"));
  }
}

TEST(LegacyDateTest, EmptyAndNullAreUnset) {
  std::vector<std::string> notes;
  EXPECT_FALSE(ParseLegacyDate(Null(), "d", &notes)->has_value());
  EXPECT_THAT(notes, IsEmpty());
  EXPECT_FALSE(ParseLegacyDate(Text(""), "d", &notes)->has_value());
  EXPECT_THAT(notes, ElementsAre("d '' read as unset"));
}

TEST(LegacyDateTest, ParsesRealDatesOnly) {
  absl::StatusOr<std::optional<v1::Date>> date =
      ParseLegacyDate(Text("2025-10-15"), "d", nullptr);
  ASSERT_TRUE(date.ok() && date->has_value());
  EXPECT_EQ((*date)->year(), 2025);
  EXPECT_EQ((*date)->month(), 10);
  EXPECT_EQ((*date)->day(), 15);
  for (const LegacyValue& value :
       {Text("2025-13-01"), Text("2025-02-29"), Text("15/10/2025"),
        Text("2025-10-15 00:00:00"), Int(20251015)}) {
    EXPECT_FALSE(ParseLegacyDate(value, "d", nullptr).ok()) << value.text;
  }
}

// ---- Area and status --------------------------------------------------------

TEST(GoalEnumTest, FoldsCaseAndSaysSo) {
  std::vector<std::string> notes;
  EXPECT_EQ(*CanonicalGoalArea("SALES", &notes), "sales");
  EXPECT_EQ(*CanonicalGoalArea("team", &notes), "team");
  EXPECT_EQ(*CanonicalGoalStatus("In_Progress", &notes), "in_progress");
  EXPECT_THAT(notes, ElementsAre("area folded to lower case",
                                 "status folded to lower case"));
}

TEST(GoalEnumTest, EmptyStatusIsNotStartedButEmptyAreaIsRejected) {
  std::vector<std::string> notes;
  EXPECT_EQ(*CanonicalGoalStatus("", &notes), "not_started");
  EXPECT_FALSE(CanonicalGoalArea("", &notes).ok());
  EXPECT_THAT(
      std::string(CanonicalGoalArea("marketing", &notes).status().message()),
      HasSubstr("'marketing' is not one of sales, delivery"));
  EXPECT_FALSE(CanonicalGoalStatus("done", &notes).ok());
}

// ---- Settings ---------------------------------------------------------------

struct SettingCase {
  const char* name;
  LegacyValue type;
  std::string value;
  v1::AppSetting::Type want_type;
  std::string want_value;  // "" with `note_or_error` set: rejected
  const char* note_or_error;
  bool rejected;
};

class LegacySettingTest : public ::testing::TestWithParam<SettingCase> {};

TEST_P(LegacySettingTest, ConvertsTypedValues) {
  const SettingCase& c = GetParam();
  std::vector<std::string> notes;
  absl::StatusOr<LegacySetting> setting =
      ConvertLegacySetting(c.type, c.value, &notes);
  if (c.rejected) {
    ASSERT_FALSE(setting.ok());
    EXPECT_THAT(std::string(setting.status().message()),
                HasSubstr(c.note_or_error));
    return;
  }
  ASSERT_TRUE(setting.ok()) << setting.status();
  EXPECT_EQ(setting->type, c.want_type);
  EXPECT_EQ(setting->value, c.want_value);
  if (c.note_or_error == nullptr) {
    EXPECT_THAT(notes, IsEmpty());
  } else {
    EXPECT_THAT(notes, ElementsAre(HasSubstr(c.note_or_error)));
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, LegacySettingTest,
    ::testing::Values(
        SettingCase{"BooleanTrue", Text("boolean"), "true",
                    v1::AppSetting::BOOLEAN, "true", nullptr, false},
        SettingCase{"BooleanSpellings", Text("boolean"), "On",
                    v1::AppSetting::BOOLEAN, "true", "true/false", false},
        SettingCase{"BooleanNo", Text("boolean"), "0", v1::AppSetting::BOOLEAN,
                    "false", "true/false", false},
        SettingCase{"BooleanGarbageRejected", Text("boolean"), "maybe",
                    v1::AppSetting::BOOLEAN, "", "is not a boolean", true},
        SettingCase{"Integer", Text("integer"), "10", v1::AppSetting::INTEGER,
                    "10", nullptr, false},
        SettingCase{"IntegerPythonSyntax", Text("integer"), " +1_000 ",
                    v1::AppSetting::INTEGER, "1000", "canonical decimal",
                    false},
        SettingCase{"IntegerLeadingZeros", Text("integer"), "-007",
                    v1::AppSetting::INTEGER, "-7", "canonical decimal", false},
        SettingCase{"IntegerDoubleUnderscore", Text("integer"), "1__0",
                    v1::AppSetting::INTEGER, "", "Python int() syntax", true},
        SettingCase{"IntegerFloat", Text("integer"), "0.7",
                    v1::AppSetting::INTEGER, "", "Python int() syntax", true},
        SettingCase{"IntegerOverflow", Text("integer"), "9223372036854775808",
                    v1::AppSetting::INTEGER, "", "64-bit", true},
        SettingCase{"JsonKeptAsWritten", Text("json"),
                    R"({"ceo_digest": true, "max_digest_items": 5})",
                    v1::AppSetting::JSON,
                    R"({"ceo_digest": true, "max_digest_items": 5})", nullptr,
                    false},
        SettingCase{"JsonNaNRejected", Text("json"), R"({"t": NaN})",
                    v1::AppSetting::JSON, "", "NaN is not JSON", true},
        SettingCase{"FloatStoredAsStringStaysString", Text("string"), "0.7",
                    v1::AppSetting::STRING, "0.7", nullptr, false},
        SettingCase{"NullTypeIsString", Null(), "x", v1::AppSetting::STRING,
                    "x", "setting_type NULL read as STRING", false},
        SettingCase{"UnknownTypeIsString", Text("float"), "0.7",
                    v1::AppSetting::STRING, "0.7",
                    "setting_type 'float' read as STRING", false},
        SettingCase{"TypeComparedExactly", Text("Boolean"), "yes",
                    v1::AppSetting::STRING, "yes", "'Boolean' read as STRING",
                    false}),
    [](const ::testing::TestParamInfo<SettingCase>& info) {
      return info.param.name;
    });

// ---- Whole rows -------------------------------------------------------------

LegacyRow ConfigRow(LegacyValue key) {
  return Row({{"id", Int(4)},
              {"key", std::move(key)},
              {"value", Text("sk-FAKE")},
              {"category", Text("OpenAI")},
              {"description", Null()},
              {"is_sensitive", Int(1)},
              {"created_at", Text("2025-08-20 12:00:41")},
              {"updated_at", Text("2025-08-20 12:00:41")}});
}

TEST(ConvertLegacyRowTest, ConfigurationIsCanonical) {
  std::vector<std::string> notes;
  absl::StatusOr<ConvertedRow> converted = ConvertLegacyRow(
      "configurations", ConfigRow(Text("openai_api_key")), &notes);
  ASSERT_TRUE(converted.ok()) << converted.status();
  ExpectSameRow(converted->row, ParseRow(R"({"legacyId": "4",
      "configuration": {"key": "openai_api_key", "value": "sk-FAKE",
        "category": "openai", "isSensitive": true,
        "createTime": "2025-08-20T12:00:41Z",
        "updateTime": "2025-08-20T12:00:41Z"}})"));
  EXPECT_EQ(converted->key.key(), "openai_api_key");
  EXPECT_THAT(notes, ElementsAre("category folded to lower case"));
}

TEST(ConvertLegacyRowTest, EmptyKeyIsRejectedWithItsColumn) {
  std::vector<std::string> notes;
  absl::StatusOr<ConvertedRow> converted =
      ConvertLegacyRow("configurations", ConfigRow(Text("")), &notes);
  ASSERT_FALSE(converted.ok());
  EXPECT_EQ(converted.status().message(),
            "key: is empty (the legacy app allowed '')");
  EXPECT_THAT(notes, IsEmpty());
  EXPECT_EQ(LegacyKeyOf("configurations", ConfigRow(Text(""))), "");
  EXPECT_EQ(LegacyIdOf(ConfigRow(Text(""))), 4);
}

LegacyRow ThreadRow(std::string key, std::string channel, LegacyValue ts,
                    std::string messages, LegacyValue expires) {
  return Row({{"id", Int(290)},
              {"thread_key", Text(std::move(key))},
              {"channel_id", Text(std::move(channel))},
              {"thread_ts", std::move(ts)},
              {"messages", Text(std::move(messages))},
              {"created_at", Text("2025-09-01 11:53:00")},
              {"updated_at", Text("2025-09-01 11:53:00")},
              {"expires_at", std::move(expires)}});
}

TEST(ConvertLegacyRowTest, ThreadDecodesMessagesAndKeepsExpiry) {
  absl::StatusOr<ConvertedRow> converted = ConvertLegacyRow(
      "thread_contexts",
      ThreadRow("C04:1756653790.094580", "C04", Text("1756653790.094580"),
                R"(["User: hi", "OpsBrain: \ud83c\udfaf Top 3"])",
                Text("2025-09-02 11:53:00.512345")),
      nullptr);
  ASSERT_TRUE(converted.ok()) << converted.status();
  ExpectSameRow(converted->row, ParseRow(R"({"legacyId": "290",
      "threadContext": {"threadKey": "C04:1756653790.094580",
        "channelId": "C04", "threadTs": "1756653790.094580",
        "messages": ["User: hi", "OpsBrain: \ud83c\udfaf Top 3"],
        "createTime": "2025-09-01T11:53:00Z",
        "updateTime": "2025-09-01T11:53:00Z",
        "expireTime": "2025-09-02T11:53:00.512345Z"}})"));
  EXPECT_EQ(converted->expire_time,
            Utc(2025, 9, 2, 11, 53, 0) + absl::Microseconds(512345));
}

TEST(ConvertLegacyRowTest, ThreadWithoutExpiryGetsTheLegacyLifetime) {
  std::vector<std::string> notes;
  absl::StatusOr<ConvertedRow> converted = ConvertLegacyRow(
      "thread_contexts", ThreadRow("C04", "C04", Null(), "[]", Null()), &notes);
  ASSERT_TRUE(converted.ok()) << converted.status();
  EXPECT_EQ(converted->expire_time, Utc(2025, 9, 2, 11, 53, 0));
  EXPECT_THAT(notes, Contains("expires_at NULL: updated_at + 24 h used"));
}

TEST(ConvertLegacyRowTest, ThreadColumnsMustAgreeWithTheKey) {
  struct Case {
    LegacyRow row;
    const char* error;
  };
  const Case cases[] = {
      {ThreadRow("C04:1", "C05", Text("1"), "[]", Null()),
       "channel_id: 'C05' does not agree"},
      {ThreadRow("C04:1", "C04", Null(), "[]", Null()),
       "thread_ts: '' does not agree"},
      {ThreadRow(":1", "", Text("1"), "[]", Null()), "thread_key: ':1'"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ConvertedRow> converted =
        ConvertLegacyRow("thread_contexts", c.row, nullptr);
    ASSERT_FALSE(converted.ok()) << c.error;
    EXPECT_THAT(std::string(converted.status().message()), HasSubstr(c.error));
  }
}

TEST(ConvertLegacyRowTest, LegacyGoalIsNormalised) {
  std::vector<std::string> notes;
  absl::StatusOr<ConvertedRow> converted = ConvertLegacyRow(
      "business_goals",
      Row({{"id", Text("sales_1")},
           {"title", Text("Lead Generation Pipeline")},
           {"description", Text("Build it")},
           {"area", Text("SALES")},
           {"status", Text("in_progress")},
           {"priority", Int(3)},
           {"target_date", Text("")},
           {"progress", Null()},
           {"weekly_actions", Text(R"(["Create content", "Engage"])")},
           {"daily_actions", Text("[]")},
           {"success_metrics", Text(R"({"lead_quality": "High"})")},
           {"notes", Null()},
           {"created_at", Text("2025-08-20 12:00:40")},
           {"updated_at", Text("2025-08-20 12:00:40")}}),
      &notes);
  ASSERT_TRUE(converted.ok()) << converted.status();
  ExpectSameRow(converted->row, ParseRow(R"({"businessGoal": {
      "id": "sales_1", "title": "Lead Generation Pipeline",
      "description": "Build it", "area": "sales", "status": "in_progress",
      "priority": 3, "weeklyActions": ["Create content", "Engage"],
      "successMetrics": {"lead_quality": "High"},
      "createTime": "2025-08-20T12:00:40Z",
      "updateTime": "2025-08-20T12:00:40Z"}})"));
  EXPECT_THAT(
      notes, ElementsAre("area folded to lower case", "progress NULL read as 0",
                         "target_date '' read as unset"));
}

TEST(ConvertLegacyRowTest, GoalRangesAreChecked) {
  const auto goal = [](LegacyValue priority, LegacyValue progress) {
    return Row({{"id", Text("g")},
                {"title", Text("t")},
                {"description", Text("")},
                {"area", Text("team")},
                {"status", Text("")},
                {"priority", std::move(priority)},
                {"progress", std::move(progress)},
                {"created_at", Text("2025-08-20 12:00:40")},
                {"updated_at", Null()}});
  };
  EXPECT_THAT(std::string(ConvertLegacyRow("business_goals",
                                           goal(Int(5), Int(0)), nullptr)
                              .status()
                              .message()),
              HasSubstr("priority: 5 is not between 1 and 4"));
  EXPECT_THAT(std::string(ConvertLegacyRow("business_goals",
                                           goal(Int(2), Int(101)), nullptr)
                              .status()
                              .message()),
              HasSubstr("progress: 101"));
  EXPECT_THAT(std::string(ConvertLegacyRow("business_goals",
                                           goal(Int(2), Real(33.3)), nullptr)
                              .status()
                              .message()),
              HasSubstr("progress: '33.3' is not an integer"));

  std::vector<std::string> notes;
  absl::StatusOr<ConvertedRow> defaults =
      ConvertLegacyRow("business_goals", goal(Null(), Int(10)), &notes);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->row.business_goal().priority(), 2);
  EXPECT_EQ(defaults->row.business_goal().status(), "not_started");
  EXPECT_EQ(defaults->row.business_goal().update_time().seconds(),
            defaults->row.business_goal().create_time().seconds());
  EXPECT_THAT(notes, Contains("updated_at NULL: created_at used"));
}

TEST(ConvertLegacyRowTest, AuditValuesAreObjects) {
  const auto audit = [](std::string old_values) {
    return Row({{"id", Int(6)},
                {"table_name", Text("configurations")},
                {"record_id", Text("dashboard_weekly_hours")},
                {"action", Text("update")},
                {"old_values", Text(std::move(old_values))},
                {"new_values", Null()},
                {"changed_by", Text("U04CEO0001")},
                {"changed_at", Text("2025-08-26 11:00:00")}});
  };
  std::vector<std::string> notes;
  absl::StatusOr<ConvertedRow> converted = ConvertLegacyRow(
      "config_audit", audit(R"({"value": "5", "n": 1.5})"), &notes);
  ASSERT_TRUE(converted.ok()) << converted.status();
  ExpectSameRow(converted->row, ParseRow(R"({"legacyId": "6",
      "auditEntry": {"id": "6", "tableName": "configurations",
        "recordId": "dashboard_weekly_hours", "action": "UPDATE",
        "oldValues": {"value": "5", "n": 1.5}, "actor": "U04CEO0001",
        "changeTime": "2025-08-26T11:00:00Z"}})"));
  EXPECT_EQ(converted->key.legacy_id(), 6);
  EXPECT_THAT(notes, ElementsAre("action folded to upper case"));
  EXPECT_THAT(converted->warnings, IsEmpty());
}

TEST(ConvertLegacyRowTest, AuditRowsNeverKeepASensitiveValue) {
  const auto audit = [](std::string key, std::string old_values,
                        std::string new_values) {
    return Row({{"id", Int(7)},
                {"table_name", Text("configurations")},
                {"record_id", Text(std::move(key))},
                {"action", Text("UPDATE")},
                {"old_values", Text(std::move(old_values))},
                {"new_values", Text(std::move(new_values))},
                {"changed_by", Text("U04CEO0001")},
                {"changed_at", Text("2025-08-26 11:00:00")}});
  };
  ConversionContext context;
  context.sensitive_configuration_keys.insert("slack_bot_token");

  // A key the file marks sensitive, and values that mark themselves so.
  for (const auto& [key, old_values, new_values] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"slack_bot_token", R"({"value": "xoxb-old"})",
            R"({"value": "xoxb-new", "category": "slack"})"},
           {"other_key", R"({"value": "sk-old", "is_sensitive": true})",
            R"({"value": "sk-new"})"},
           {"third_key", R"({"value": "sk-old"})",
            R"({"value": "sk-new", "is_sensitive": 1})"}}) {
    SCOPED_TRACE(key);
    std::vector<std::string> notes;
    absl::StatusOr<ConvertedRow> converted = ConvertLegacyRow(
        "config_audit", audit(key, old_values, new_values), &notes, context);
    ASSERT_TRUE(converted.ok()) << converted.status();
    const v1::AuditEntry& entry = converted->row.audit_entry();
    EXPECT_EQ(entry.old_values().fields().at("value").string_value(),
              "[REDACTED]");
    EXPECT_EQ(entry.new_values().fields().at("value").string_value(),
              "[REDACTED]");
    EXPECT_THAT(notes, Contains("sensitive value in an audit row replaced by "
                                "[REDACTED]"));
  }

  // Other configurations, and other tables, keep their values.
  std::vector<std::string> notes;
  absl::StatusOr<ConvertedRow> plain = ConvertLegacyRow(
      "config_audit",
      audit("openai_model", R"({"value": "gpt-4"})", R"({"value": "gpt-4o"})"),
      &notes, context);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(
      plain->row.audit_entry().new_values().fields().at("value").string_value(),
      "gpt-4o");
  EXPECT_THAT(notes, IsEmpty());
}

TEST(ConvertLegacyRowTest, MetricsNeedFiniteValues) {
  const auto metric = [](LegacyValue value, LegacyValue extra) {
    return Row({{"id", Int(500)},
                {"metric_name", Text("cpu_usage")},
                {"metric_value", std::move(value)},
                {"metric_unit", Text("")},
                {"timestamp", Text("2025-09-01 11:52:01")},
                {"additional_data", std::move(extra)}});
  };
  absl::StatusOr<ConvertedRow> converted = ConvertLegacyRow(
      "performance_metrics",
      metric(Real(12.0), Text(R"({"model": "gpt-4o", "tokens": 340})")),
      nullptr);
  ASSERT_TRUE(converted.ok()) << converted.status();
  ExpectSameRow(converted->row, ParseRow(R"({"legacyId": "500",
      "performanceMetric": {"id": "500", "name": "cpu_usage", "value": 12,
        "time": "2025-09-01T11:52:01Z",
        "additionalData": {"model": "gpt-4o", "tokens": 340}}})"));

  EXPECT_FALSE(ConvertLegacyRow("performance_metrics",
                                metric(Real(HUGE_VAL), Null()), nullptr)
                   .ok());
  EXPECT_FALSE(ConvertLegacyRow("performance_metrics",
                                metric(Text("fast"), Null()), nullptr)
                   .ok());
  EXPECT_FALSE(ConvertLegacyRow("performance_metrics",
                                metric(Text("inf"), Null()), nullptr)
                   .ok());

  // A number the app stored as text.
  std::vector<std::string> notes;
  converted = ConvertLegacyRow("performance_metrics",
                               metric(Text("12.5"), Null()), &notes);
  ASSERT_TRUE(converted.ok()) << converted.status();
  EXPECT_EQ(converted->row.performance_metric().value(), 12.5);
  EXPECT_THAT(notes, ElementsAre("metric_value: number stored as text"));
}

TEST(ConvertLegacyRowTest, PreferencesKeyOnUserAndKey) {
  absl::StatusOr<ConvertedRow> converted =
      ConvertLegacyRow("user_preferences",
                       Row({{"id", Int(12)},
                            {"user_id", Text("U05SALES003")},
                            {"preference_key", Text("quiet_hours")},
                            {"preference_value", Text(R"({"start": "20:00"})")},
                            {"created_at", Int(1756000000)},
                            {"updated_at", Text("2025-09-01 12:00:00")}}),
                       nullptr);
  ASSERT_TRUE(converted.ok()) << converted.status();
  EXPECT_EQ(converted->key.user_id(), "U05SALES003");
  EXPECT_EQ(converted->key.key(), "quiet_hours");
  EXPECT_EQ(converted->row.user_preference().value(), R"({"start": "20:00"})");
  EXPECT_EQ(converted->row.user_preference().create_time().seconds(),
            1756000000);
}

TEST(ConvertLegacyRowTest, TextMustBeUtf8WithoutNul) {
  LegacyRow row = ConfigRow(Text("k"));
  row.Set("value", LegacyValue::Blob("\xff\xfe"));
  EXPECT_EQ(ConvertLegacyRow("configurations", row, nullptr).status().message(),
            "value: is not valid UTF-8");
  row.Set("value", Text(std::string("a\0b", 3)));
  EXPECT_EQ(ConvertLegacyRow("configurations", row, nullptr).status().message(),
            "value: contains a NUL character");
}

// ---- Messy legacy data
// -------------------------------------------------------

LegacyRow GoalRow(std::vector<std::pair<std::string, LegacyValue>> changes) {
  LegacyRow row = Row({{"id", Text("g1")},
                       {"title", Text("Grow")},
                       {"description", Text("d")},
                       {"area", Text("Sales")},
                       {"status", Text("In_Progress")},
                       {"priority", Int(2)},
                       {"created_at", Text("2025-08-20 12:00:40")},
                       {"updated_at", Text("2025-08-20 12:00:40")}});
  for (auto& [column, value] : changes) row.Set(column, std::move(value));
  return row;
}

LegacyRow AuditRow(std::vector<std::pair<std::string, LegacyValue>> changes) {
  LegacyRow row = Row({{"id", Int(6)},
                       {"table_name", Text("configurations")},
                       {"record_id", Text("k")},
                       {"action", Text("UPDATE")},
                       {"changed_at", Text("2025-08-26 11:00:00")}});
  for (auto& [column, value] : changes) row.Set(column, std::move(value));
  return row;
}

LegacyRow MetricRow(std::vector<std::pair<std::string, LegacyValue>> changes) {
  LegacyRow row = Row({{"id", Int(7)},
                       {"metric_name", Text("cpu")},
                       {"metric_value", Real(1.5)},
                       {"timestamp", Text("2025-09-01 11:52:01")}});
  for (auto& [column, value] : changes) row.Set(column, std::move(value));
  return row;
}

struct InvalidJsonCase {
  const char* name;
  const char* table;
  LegacyRow row;
  // The converted row's field, as proto3 JSON of the ImportedRow.
  const char* want_json_field;
  const char* warning;
};

class InvalidJsonTest : public ::testing::TestWithParam<InvalidJsonCase> {};

// Text a JSON column cannot hold as what it is meant to be is kept, never
// dropped, and the row carries a warning.
TEST_P(InvalidJsonTest, IsKeptAsTextWithAWarning) {
  const InvalidJsonCase& c = GetParam();
  absl::StatusOr<ConvertedRow> converted =
      ConvertLegacyRow(c.table, c.row, nullptr);
  ASSERT_TRUE(converted.ok()) << converted.status();
  std::string json;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(converted->row, &json).ok());
  EXPECT_THAT(json, HasSubstr(c.want_json_field));
  EXPECT_THAT(converted->warnings, ElementsAre(HasSubstr(c.warning)));
}

INSTANTIATE_TEST_SUITE_P(
    AllColumns, InvalidJsonTest,
    ::testing::Values(
        InvalidJsonCase{
            "ThreadMessagesWithNaN", "thread_contexts",
            ThreadRow("C04", "C04", Null(), R"(["x", NaN])", Null()),
            R"("messages":["[\"x\", NaN]"])",
            "messages: not a JSON array of strings (NaN is not JSON at byte "
            "6): kept as a list of one item, the legacy text"},
        InvalidJsonCase{
            "ThreadMessagesWithLoneSurrogate", "thread_contexts",
            ThreadRow("C04", "C04", Null(), R"(["\ud83c alone"])", Null()),
            R"("messages":["[\"\\ud83c alone\"]"])",
            "messages: not a JSON array of strings (lone high surrogate"},
        InvalidJsonCase{"GoalActionsThatAreAnObject", "business_goals",
                        GoalRow({{"weekly_actions", Text(R"({"a": 1})")}}),
                        R"("weeklyActions":["{\"a\": 1}"])",
                        "weekly_actions: not a JSON array of strings "
                        "(expected a JSON array, found an object)"},
        InvalidJsonCase{"GoalActionsCutShort", "business_goals",
                        GoalRow({{"daily_actions", Text(R"(["call)")}}),
                        R"("dailyActions":["[\"call"])",
                        "daily_actions: not a JSON array of strings"},
        InvalidJsonCase{
            "SuccessMetricsWithNaN", "business_goals",
            GoalRow({{"success_metrics", Text(R"({"ratio": NaN})")}}),
            R"("successMetrics":{"_invalid_json":"{\"ratio\": NaN}"})",
            "success_metrics: not a JSON object (NaN is not JSON at byte 10): "
            "kept as {\"_invalid_json\": <the legacy text>}"},
        InvalidJsonCase{
            "AuditValuesThatAreAnArray", "config_audit",
            AuditRow({{"old_values", Text(R"(["not", "an object"])")}}),
            R"("oldValues":{"_invalid_json":"[\"not\", \"an object\"]"})",
            "old_values: not a JSON object (expected a JSON object, found an "
            "array)"},
        InvalidJsonCase{"AuditValuesThatArePythonRepr", "config_audit",
                        AuditRow({{"new_values", Text("{'value': None}")}}),
                        R"("newValues":{"_invalid_json":"{'value': None}"})",
                        "new_values: not a JSON object"},
        InvalidJsonCase{
            "MetricDataWithInfinity", "performance_metrics",
            MetricRow({{"additional_data", Text(R"({"x": Infinity})")}}),
            R"("additionalData":{"_invalid_json":"{\"x\": Infinity}"})",
            "additional_data: not a JSON object (Infinity is not JSON"},
        // Found by //fuzz:legacy_conversions: valid JSON, but deeper than
        // protobuf's printer goes, so the gateway could not show the goal.
        InvalidJsonCase{
            "SuccessMetricsTooDeep", "business_goals",
            GoalRow({{"success_metrics", Text([] {
                        std::string text;
                        for (int i = 0; i < 40; ++i) text += R"({"a":)";
                        return text + "1" + std::string(40, '}');
                      }())}}),
            R"("successMetrics":{"_invalid_json":"{\"a\":{\"a\":)",
            "success_metrics: not a JSON object (nested deeper than 30 "
            "levels)"}),
    [](const ::testing::TestParamInfo<InvalidJsonCase>& info) {
      return info.param.name;
    });

TEST(MessyLegacyDataTest, IntegersStoredAsTextAreRead) {
  std::vector<std::string> notes;
  absl::StatusOr<ConvertedRow> goal = ConvertLegacyRow(
      "business_goals",
      GoalRow({{"priority", Text("3")}, {"progress", Text(" 40 ")}}), &notes);
  ASSERT_TRUE(goal.ok()) << goal.status();
  EXPECT_EQ(goal->row.business_goal().priority(), 3);
  EXPECT_EQ(goal->row.business_goal().progress(), 40);
  EXPECT_THAT(notes, Contains("priority: integer stored as text"));
  EXPECT_THAT(notes, Contains("progress: integer stored as text"));

  absl::StatusOr<ConvertedRow> metric = ConvertLegacyRow(
      "performance_metrics", MetricRow({{"id", Text("17")}}), nullptr);
  ASSERT_TRUE(metric.ok()) << metric.status();
  EXPECT_EQ(metric->row.legacy_id(), 17);
  EXPECT_EQ(metric->key.legacy_id(), 17);
  EXPECT_EQ(LegacyIdOf(MetricRow({{"id", Text("17")}})), 17);

  for (const char* bad : {"high", "3.5", "", "1 2"}) {
    absl::StatusOr<ConvertedRow> refused = ConvertLegacyRow(
        "business_goals", GoalRow({{"priority", Text(bad)}}), nullptr);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_THAT(std::string(refused.status().message()),
                HasSubstr("priority: '"));
  }
}

struct NullCase {
  const char* name;
  const char* table;
  LegacyRow row;
  // Empty: rejected with `message`; else the field kept, with the warning
  // `message`.
  const char* want_json_field;
  const char* message;
};

class NotNullColumnTest : public ::testing::TestWithParam<NullCase> {};

TEST_P(NotNullColumnTest, NullIsReadAsEmptyOrRejected) {
  const NullCase& c = GetParam();
  absl::StatusOr<ConvertedRow> converted =
      ConvertLegacyRow(c.table, c.row, nullptr);
  if (std::string(c.want_json_field).empty()) {
    ASSERT_FALSE(converted.ok());
    EXPECT_EQ(converted.status().message(), c.message);
    return;
  }
  ASSERT_TRUE(converted.ok()) << converted.status();
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(converted->row, &json,
                                                          options)
                  .ok());
  EXPECT_THAT(json, HasSubstr(c.want_json_field));
  EXPECT_THAT(converted->warnings, ElementsAre(c.message));
}

LegacyRow WithNull(LegacyRow row, const std::string& column) {
  row.Set(column, Null());
  return row;
}

INSTANTIATE_TEST_SUITE_P(
    EachColumn, NotNullColumnTest,
    ::testing::Values(
        NullCase{"ConfigurationValue", "configurations",
                 WithNull(ConfigRow(Text("k")), "value"), R"("value":"")",
                 "value: NULL where the legacy schema says NOT NULL: read as "
                 "''"},
        NullCase{"ThreadChannel", "thread_contexts",
                 WithNull(ThreadRow("C04:1", "C04", Text("1"), "[]", Null()),
                          "channel_id"),
                 R"("channelId":"C04")",
                 "channel_id: NULL where the legacy schema says NOT NULL: "
                 "taken from thread_key"},
        NullCase{"SettingValue", "app_settings",
                 Row({{"setting_key", Text("s")},
                      {"setting_value", Null()},
                      {"setting_type", Text("string")},
                      {"created_at", Text("2025-08-20 12:00:40")}}),
                 R"("value":"")",
                 "setting_value: NULL where the legacy schema says NOT NULL: "
                 "read as ''"},
        NullCase{"PreferenceValue", "user_preferences",
                 Row({{"user_id", Text("U1")},
                      {"preference_key", Text("p")},
                      {"created_at", Text("2025-08-20 12:00:40")}}),
                 R"("value":"")",
                 "preference_value: NULL where the legacy schema says NOT "
                 "NULL: read as ''"},
        NullCase{"AuditRecordId", "config_audit",
                 AuditRow({{"record_id", Null()}}), R"("recordId":"")",
                 "record_id: NULL where the legacy schema says NOT NULL: "
                 "read as ''"},
        NullCase{"GoalTitle", "business_goals", GoalRow({{"title", Null()}}),
                 "", "title: is NULL"},
        NullCase{"GoalArea", "business_goals", GoalRow({{"area", Null()}}), "",
                 "area: is NULL"},
        NullCase{"ConfigurationKey", "configurations", ConfigRow(Null()), "",
                 "key: is NULL"},
        NullCase{"AuditAction", "config_audit", AuditRow({{"action", Null()}}),
                 "", "action: is NULL"},
        NullCase{"MetricValue", "performance_metrics",
                 MetricRow({{"metric_value", Null()}}), "",
                 "metric_value: is NULL"},
        NullCase{"MetricTime", "performance_metrics",
                 MetricRow({{"timestamp", Null()}}), "", "timestamp: is NULL"}),
    [](const ::testing::TestParamInfo<NullCase>& info) {
      return info.param.name;
    });

TEST(MessyLegacyDataTest, KeysDifferingInCaseOrNormalisationStayDistinct) {
  // "café" precomposed (NFC) and decomposed (NFD), and letter case.
  const std::string nfc = "caf\xc3\xa9";
  const std::string nfd = "cafe\xcc\x81";
  std::vector<std::string> keys;
  for (const std::string& key :
       {nfc, nfd, std::string("Key"), std::string("key"), std::string("KEY")}) {
    absl::StatusOr<ConvertedRow> converted =
        ConvertLegacyRow("configurations", ConfigRow(Text(key)), nullptr);
    ASSERT_TRUE(converted.ok()) << converted.status();
    EXPECT_EQ(converted->key.key(), key);
    EXPECT_EQ(converted->row.configuration().key(), key);
    keys.push_back(converted->key.key());
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(std::unique(keys.begin(), keys.end()), keys.end());

  // Area and status fold case; goal ids do not.
  absl::StatusOr<ConvertedRow> goal = ConvertLegacyRow(
      "business_goals", GoalRow({{"id", Text("Sales_1")}}), nullptr);
  ASSERT_TRUE(goal.ok()) << goal.status();
  EXPECT_EQ(goal->row.business_goal().id(), "Sales_1");
  EXPECT_EQ(goal->key.key(), "Sales_1");
  EXPECT_EQ(goal->row.business_goal().area(), "sales");
  EXPECT_EQ(goal->row.business_goal().status(), "in_progress");
}

TEST(MessyLegacyDataTest, MessageListOfOneMebibyteConvertsIntact) {
  // 16 messages of 64 KiB: the store's 1 MiB in all.
  std::string json = "[";
  std::vector<std::string> messages;
  for (int i = 0; i < 16; ++i) {
    messages.push_back(
        absl::StrCat("User: ", std::string(64 * 1024 - 6, 'a' + i)));
    absl::StrAppend(&json, i == 0 ? "" : ",", "\"", messages.back(), "\"");
  }
  json += "]";
  absl::StatusOr<ConvertedRow> converted =
      ConvertLegacyRow("thread_contexts",
                       ThreadRow("C04", "C04", Null(), json, Null()), nullptr);
  ASSERT_TRUE(converted.ok()) << converted.status();
  ASSERT_EQ(converted->row.thread_context().messages_size(), 16);
  size_t total = 0;
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(converted->row.thread_context().messages(i), messages[i]);
    total += messages[i].size();
  }
  EXPECT_EQ(total, size_t{1024 * 1024});
  EXPECT_THAT(converted->warnings, IsEmpty());
}

TEST(MessyLegacyDataTest, NonUtf8TextIsRejectedWithAReadableKey) {
  LegacyRow row = ConfigRow(LegacyValue::Blob("ke\xffy"));
  absl::StatusOr<ConvertedRow> converted =
      ConvertLegacyRow("configurations", row, nullptr);
  ASSERT_FALSE(converted.ok());
  EXPECT_EQ(converted.status().message(), "key: is not valid UTF-8");
  EXPECT_EQ(LegacyKeyOf("configurations", row), "ke\\xFFy");

  row = ConfigRow(Text("k"));
  row.Set("description", LegacyValue::Blob("caf\xe9"));  // Latin-1
  EXPECT_EQ(ConvertLegacyRow("configurations", row, nullptr).status().message(),
            "description: is not valid UTF-8");
}

}  // namespace
}  // namespace opsbrain::migrator
