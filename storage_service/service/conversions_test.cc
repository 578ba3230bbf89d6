#include "storage_service/service/conversions.h"

#include <cmath>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/records.pb.h"
#include "storage_service/records.h"
#include "storage_service/repository.h"
#include "storage_service/service/field_masks.h"

namespace opsbrain::service {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Timestamp;
using ::testing::ElementsAre;
using ::testing::StartsWith;

Timestamp MakeTimestamp(int64_t seconds, int32_t nanos) {
  Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(nanos);
  return timestamp;
}

Struct ParseStruct(const std::string& json) {
  Struct value;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &value).ok())
      << json;
  return value;
}

// ---- Timestamps -----------------------------------------------------------

TEST(ConversionsTest, TimeFromProtoTruncatesToMicroseconds) {
  absl::StatusOr<absl::Time> time =
      TimeFromProto(MakeTimestamp(1756728000, 123456789), "t");
  ASSERT_TRUE(time.ok());
  EXPECT_EQ(absl::ToUnixMicros(*time), 1756728000123456);
}

TEST(ConversionsTest, TimeFromProtoAcceptsTheWholeRange) {
  EXPECT_TRUE(TimeFromProto(MakeTimestamp(-62135596800, 0), "t").ok());
  EXPECT_TRUE(TimeFromProto(MakeTimestamp(253402300799, 999999999), "t").ok());
  EXPECT_EQ(*TimeFromProto(Timestamp(), "t"), absl::UnixEpoch());
}

struct BadTimestamp {
  int64_t seconds;
  int32_t nanos;
  std::string message;
};

TEST(ConversionsTest, TimeFromProtoRejectsOutOfRangeNamingTheField) {
  const BadTimestamp cases[] = {
      {-62135596801, 0,
       "metric.time: seconds -62135596801 is outside years 1 to 9999"},
      {253402300800, 0,
       "metric.time: seconds 253402300800 is outside years 1 to 9999"},
      {0, -1, "metric.time: nanos -1 is outside 0 to 999999999"},
      {0, 1000000000,
       "metric.time: nanos 1000000000 is outside 0 to 999999999"},
  };
  for (const BadTimestamp& c : cases) {
    absl::StatusOr<absl::Time> time =
        TimeFromProto(MakeTimestamp(c.seconds, c.nanos), "metric.time");
    EXPECT_EQ(time.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(time.status().message(), c.message);
  }
}

TEST(ConversionsTest, TimeToProtoTruncatesAndHandlesNegatives) {
  Timestamp timestamp;
  TimeToProto(absl::FromUnixNanos(1756728000123456789), &timestamp);
  EXPECT_EQ(timestamp.seconds(), 1756728000);
  EXPECT_EQ(timestamp.nanos(), 123456000);

  TimeToProto(absl::FromUnixMicros(-1), &timestamp);
  EXPECT_EQ(timestamp.seconds(), -1);
  EXPECT_EQ(timestamp.nanos(), 999999000);
}

TEST(ConversionsTest, TimeToProtoClampsInfiniteTimes) {
  Timestamp timestamp;
  TimeToProto(absl::InfiniteFuture(), &timestamp);
  EXPECT_EQ(timestamp.seconds(), 253402300799);
  EXPECT_TRUE(TimeFromProto(timestamp, "t").ok());
  TimeToProto(absl::InfinitePast(), &timestamp);
  EXPECT_EQ(timestamp.seconds(), -62135596800);
  EXPECT_EQ(timestamp.nanos(), 0);
}

TEST(ConversionsTest, TimeRoundTrips) {
  const absl::Time time = absl::FromUnixMicros(1756728000654321);
  Timestamp timestamp;
  TimeToProto(time, &timestamp);
  EXPECT_EQ(*TimeFromProto(timestamp, "t"), time);
}

// ---- Dates ----------------------------------------------------------------

v1::Date MakeDate(int year, int month, int day) {
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

TEST(ConversionsTest, DateFromProtoReadsRealDates) {
  EXPECT_EQ(*DateFromProto(true, MakeDate(2025, 3, 31), "d"),
            absl::CivilDay(2025, 3, 31));
  EXPECT_EQ(*DateFromProto(true, MakeDate(2024, 2, 29), "d"),
            absl::CivilDay(2024, 2, 29));
  EXPECT_EQ(*DateFromProto(true, MakeDate(9999, 12, 31), "d"),
            absl::CivilDay(9999, 12, 31));
}

TEST(ConversionsTest, AbsentOrAllZeroDateIsNoDate) {
  EXPECT_EQ(*DateFromProto(false, MakeDate(2025, 3, 31), "d"), std::nullopt);
  EXPECT_EQ(*DateFromProto(true, MakeDate(0, 0, 0), "d"), std::nullopt);
}

TEST(ConversionsTest, InvalidDatesAreRejectedNamingTheField) {
  const v1::Date cases[] = {
      MakeDate(2025, 2, 29), MakeDate(2025, 13, 1), MakeDate(2025, 0, 1),
      MakeDate(2025, 4, 31), MakeDate(2025, 1, 0),  MakeDate(0, 1, 1),
      MakeDate(10000, 1, 1), MakeDate(-1, 1, 1),    MakeDate(2025, 0, 0),
  };
  for (const v1::Date& date : cases) {
    auto result = DateFromProto(true, date, "business_goal.target_date");
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << date.ShortDebugString();
    EXPECT_THAT(std::string(result.status().message()),
                StartsWith("business_goal.target_date: "));
  }
  EXPECT_EQ(DateFromProto(true, MakeDate(2025, 2, 30), "d").status().message(),
            "d: 2025-02-30 is not a valid date");
}

TEST(ConversionsTest, DateToProtoWritesFields) {
  v1::Date date;
  DateToProto(absl::CivilDay(2025, 9, 1), &date);
  EXPECT_EQ(date.year(), 2025);
  EXPECT_EQ(date.month(), 9);
  EXPECT_EQ(date.day(), 1);
}

// ---- Structs --------------------------------------------------------------

TEST(ConversionsTest, StructRoundTripsThroughJson) {
  const Struct value = ParseStruct(
      R"({"model": "gpt-4", "tokens": 1296, "ok": true, "tags": ["a", null],
          "nested": {"x": 0.1}})");
  absl::StatusOr<std::string> json = StructToJson(value, "f");
  ASSERT_TRUE(json.ok()) << json.status();
  Struct back;
  ASSERT_TRUE(StructFromJson(*json, "f", &back).ok());
  EXPECT_EQ(back.DebugString(), value.DebugString());
}

TEST(ConversionsTest, EmptyStructIsAnEmptyObject) {
  EXPECT_EQ(*StructToJson(Struct(), "f"), "{}");
}

TEST(ConversionsTest, StructRejectsNonFiniteNumbersNamingThePath) {
  Struct value;
  auto& fields = *value.mutable_fields();
  fields["ok"].set_number_value(1);
  fields["revenue"].mutable_list_value()->add_values()->set_number_value(1);
  fields["revenue"].mutable_list_value()->add_values()->set_number_value(
      std::nan(""));
  EXPECT_EQ(
      StructToJson(value, "business_goal.success_metrics").status().message(),
      "business_goal.success_metrics.revenue[1]: must be a finite "
      "number");

  Struct nested;
  (*(*nested.mutable_fields())["a"]
        .mutable_struct_value()
        ->mutable_fields())["b"]
      .set_number_value(HUGE_VAL);
  EXPECT_EQ(StructToJson(nested, "d").status().message(),
            "d.a.b: must be a finite number");
}

TEST(ConversionsTest, StructRejectsBadTextNamingThePath) {
  Struct bad_string;
  (*bad_string.mutable_fields())["s"].set_string_value(std::string("a\0", 2));
  EXPECT_EQ(StructToJson(bad_string, "d").status().message(),
            "d.s: strings must not contain NUL");

  Struct bad_key;
  (*bad_key.mutable_fields())["\xED\xA0\x80"].set_string_value("x");
  EXPECT_EQ(StructToJson(bad_key, "d").status().message(),
            "d: keys must be valid UTF-8");
}

// Protobuf's JSON printer, which wrote this text before, refused more than
// 32 levels of objects (65 nested messages), and the store still does.
TEST(ConversionsTest, StructRejectsWhatProtobufsPrinterRefused) {
  const auto nested_objects = [](int levels) {
    Struct root;
    Struct* current = &root;
    for (int i = 1; i < levels; ++i) {
      current = (*current->mutable_fields())["a"].mutable_struct_value();
    }
    (*current->mutable_fields())["x"].set_number_value(1);
    return root;
  };
  EXPECT_TRUE(StructToJson(nested_objects(32), "d").ok());
  EXPECT_EQ(StructToJson(nested_objects(33), "d").status().code(),
            absl::StatusCode::kInvalidArgument);

  // A level of [{...}] is four messages (Value, ListValue, Value, Struct):
  // the limit falls between these shapes; protobuf's printer decides.
  const auto nested_lists = [](int levels, bool leaf_list) {
    Struct root;
    Struct* current = &root;
    for (int i = 0; i < levels; ++i) {
      current = (*current->mutable_fields())["a"]
                    .mutable_list_value()
                    ->add_values()
                    ->mutable_struct_value();
    }
    if (leaf_list) {
      (*current->mutable_fields())["x"].mutable_list_value();
    }
    return root;
  };
  for (int levels : {15, 16, 17}) {
    for (bool leaf_list : {false, true}) {
      const Struct value = nested_lists(levels, leaf_list);
      std::string printed;
      const bool protobuf_ok =
          google::protobuf::util::MessageToJsonString(value, &printed).ok();
      EXPECT_EQ(StructToJson(value, "d").ok(), protobuf_ok)
          << levels << " " << leaf_list;
    }
  }
}

TEST(ConversionsTest, StructFromJsonRejectsNonObjects) {
  Struct value;
  for (const char* json : {"[1]", "5", "", "{"}) {
    const absl::Status status = StructFromJson(json, "goal.metrics", &value);
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << json;
    EXPECT_THAT(std::string(status.message()),
                StartsWith("stored goal.metrics is not"));
  }
}

// ---- Enumerations ---------------------------------------------------------

TEST(ConversionsTest, SettingTypesMapBothWays) {
  EXPECT_EQ(*SettingTypeFromProto(v1::AppSetting::TYPE_UNSPECIFIED, "t"),
            SettingType::kString);
  for (SettingType type : {SettingType::kString, SettingType::kBoolean,
                           SettingType::kInteger, SettingType::kJson}) {
    EXPECT_EQ(*SettingTypeFromProto(SettingTypeToProto(type), "t"), type);
  }
  EXPECT_EQ(SettingTypeFromProto(7, "app_setting.type").status().message(),
            "app_setting.type: unknown type 7");
  EXPECT_FALSE(SettingTypeFromProto(-1, "t").ok());
}

TEST(ConversionsTest, AuditActionsMapBothWays) {
  for (AuditAction action :
       {AuditAction::kInsert, AuditAction::kUpdate, AuditAction::kDelete}) {
    EXPECT_EQ(*AuditActionFromProto(AuditActionToProto(action), "a"), action);
  }
  EXPECT_EQ(AuditActionFromProto(0, "audit_entry.action").status().message(),
            "audit_entry.action: must be set");
  EXPECT_EQ(AuditActionFromProto(9, "audit_entry.action").status().message(),
            "audit_entry.action: unknown action 9");
}

// ---- Records --------------------------------------------------------------

TEST(ConversionsTest, ConfigurationReadsOnlyMaskedFields) {
  v1::Configuration proto;
  proto.set_key("openai_model");
  proto.set_value("gpt-4o");
  proto.set_category("openai");
  proto.set_description("model");
  proto.set_is_sensitive(true);
  proto.set_etag("e1");
  *proto.mutable_create_time() = MakeTimestamp(-99999999999999, 0);

  absl::StatusOr<Configuration> config =
      ConfigurationFromProto(proto, FieldMask({"value"}), "configuration");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->key, "openai_model");
  EXPECT_EQ(config->etag, "e1");
  EXPECT_EQ(config->value, "gpt-4o");
  EXPECT_EQ(config->category, "general");
  EXPECT_EQ(config->description, "");
  EXPECT_FALSE(config->is_sensitive);
}

TEST(ConversionsTest, MaskedDefaultsBecomeRecordDefaults) {
  v1::Configuration config;
  config.set_key("k");
  EXPECT_EQ(
      ConfigurationFromProto(config, FieldMask({"category"}), "c")->category,
      "general");

  v1::BusinessGoal goal;
  goal.set_id("g");
  absl::StatusOr<BusinessGoal> record = BusinessGoalFromProto(
      goal, FieldMask({"status", "priority", "success_metrics"}), "g");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->status, "not_started");
  EXPECT_EQ(record->priority, 2);
  EXPECT_EQ(record->success_metrics_json, "{}");

  v1::AppSetting setting;
  setting.set_key("s");
  EXPECT_EQ(AppSettingFromProto(setting, FieldMask({"type"}), "s")->type,
            SettingType::kString);
}

TEST(ConversionsTest, ImportMaskReadsOutputOnlyTimes) {
  v1::UserPreference proto;
  proto.set_user_id("U1");
  proto.set_key("tone");
  *proto.mutable_create_time() = MakeTimestamp(1756000000, 5000);
  absl::StatusOr<UserPreference> preference = UserPreferenceFromProto(
      proto, UserPreferenceImportMask(), "user_preference");
  ASSERT_TRUE(preference.ok());
  EXPECT_EQ(absl::ToUnixMicros(preference->create_time), 1756000000000005);

  *proto.mutable_update_time() = MakeTimestamp(0, -5);
  EXPECT_EQ(UserPreferenceFromProto(proto, UserPreferenceImportMask(),
                                    "user_preference")
                .status()
                .message(),
            "user_preference.update_time: nanos -5 is outside 0 to 999999999");
}

TEST(ConversionsTest, ThreadContextDerivesChannelAndThread) {
  v1::ThreadContext proto;
  proto.set_thread_key("C04:1756.1");
  proto.add_messages("User: hi");
  absl::StatusOr<ThreadContext> thread =
      ThreadContextFromProto(proto, FieldMask({"messages"}), "thread_context");
  ASSERT_TRUE(thread.ok()) << thread.status();
  EXPECT_EQ(thread->channel_id, "C04");
  EXPECT_EQ(thread->thread_ts, "1756.1");
  EXPECT_THAT(thread->messages, ElementsAre("User: hi"));

  proto.set_thread_key("C04");
  thread = ThreadContextFromProto(proto, FieldMask(), "thread_context");
  ASSERT_TRUE(thread.ok());
  EXPECT_EQ(thread->channel_id, "C04");
  EXPECT_EQ(thread->thread_ts, std::nullopt);
  EXPECT_TRUE(thread->messages.empty());
}

TEST(ConversionsTest, ThreadContextAcceptsAgreeingChannelAndThread) {
  v1::ThreadContext proto;
  proto.set_thread_key("C04:1756.1");
  proto.set_channel_id("C04");
  proto.set_thread_ts("1756.1");
  EXPECT_TRUE(ThreadContextFromProto(proto, FieldMask(), "t").ok());
}

struct ThreadCase {
  std::string key;
  std::string channel_id;
  std::string thread_ts;
  std::string message;
};

TEST(ConversionsTest, ThreadContextRejectsDisagreementAndBadKeys) {
  const ThreadCase cases[] = {
      {"C04:1756.1", "C05", "",
       "thread_context.channel_id: 'C05' does not agree with thread_key"},
      {"C04:1756.1", "", "1756.2",
       "thread_context.thread_ts: '1756.2' does not agree with thread_key"},
      {"C04", "", "1756.1",
       "thread_context.thread_ts: '1756.1' does not agree with thread_key"},
      {":1756.1", "", "", "thread_context.thread_key: must not start with ':'"},
      {"C04:", "", "", "thread_context.thread_key: must not end with ':'"},
      {"", "", "", "thread_context.thread_key: must not be empty"},
  };
  for (const ThreadCase& c : cases) {
    v1::ThreadContext proto;
    proto.set_thread_key(c.key);
    proto.set_channel_id(c.channel_id);
    proto.set_thread_ts(c.thread_ts);
    EXPECT_EQ(ThreadContextFromProto(proto, FieldMask(), "thread_context")
                  .status()
                  .message(),
              c.message);
  }
}

TEST(ConversionsTest, BusinessGoalRoundTrips) {
  v1::BusinessGoal proto;
  proto.set_id("sales_1");
  proto.set_title("Grow");
  proto.set_description("Grow revenue");
  proto.set_area("sales");
  proto.set_status("in_progress");
  proto.set_priority(3);
  *proto.mutable_target_date() = MakeDate(2025, 3, 31);
  proto.set_progress(40);
  proto.add_weekly_actions("call");
  proto.add_daily_actions("email");
  *proto.mutable_success_metrics() = ParseStruct(R"({"new_clients": "3"})");
  proto.set_notes("on track");
  *proto.mutable_create_time() = MakeTimestamp(1756000000, 1000);
  *proto.mutable_update_time() = MakeTimestamp(1756000001, 0);
  proto.set_etag("e");

  absl::StatusOr<BusinessGoal> record =
      BusinessGoalFromProto(proto, BusinessGoalImportMask(), "business_goal");
  ASSERT_TRUE(record.ok()) << record.status();
  v1::BusinessGoal back;
  ASSERT_TRUE(BusinessGoalToProto(*record, &back).ok());
  EXPECT_EQ(back.DebugString(), proto.DebugString());
}

TEST(ConversionsTest, BusinessGoalWithoutDateHasNoDateMessage) {
  BusinessGoal record;
  record.id = "g";
  v1::BusinessGoal proto;
  *proto.mutable_target_date() = MakeDate(1, 1, 1);
  ASSERT_TRUE(BusinessGoalToProto(record, &proto).ok());
  EXPECT_FALSE(proto.has_target_date());
  EXPECT_TRUE(proto.has_success_metrics());
}

TEST(ConversionsTest, BusinessGoalWithDamagedJsonIsInternal) {
  BusinessGoal record;
  record.success_metrics_json = "[]";
  v1::BusinessGoal proto;
  EXPECT_EQ(BusinessGoalToProto(record, &proto).code(),
            absl::StatusCode::kInternal);
}

TEST(ConversionsTest, ConfigurationToProtoIsNotRedacted) {
  Configuration record;
  record.key = "slack_bot_token";
  record.value = "xoxb-FAKE";
  record.is_sensitive = true;
  record.create_time = absl::FromUnixSeconds(10);
  v1::Configuration proto;
  proto.set_value_redacted(true);
  ConfigurationToProto(record, &proto);
  EXPECT_EQ(proto.value(), "xoxb-FAKE");
  EXPECT_FALSE(proto.value_redacted());
  EXPECT_TRUE(proto.is_sensitive());
  EXPECT_EQ(proto.create_time().seconds(), 10);
}

TEST(ConversionsTest, ThreadContextToProtoWritesEmptyThreadTs) {
  ThreadContext record;
  record.thread_key = "C04";
  record.channel_id = "C04";
  record.messages = {"a", "b"};
  record.expire_time = absl::FromUnixSeconds(86400);
  v1::ThreadContext proto;
  ThreadContextToProto(record, &proto);
  EXPECT_EQ(proto.thread_ts(), "");
  EXPECT_THAT(proto.messages(), ElementsAre("a", "b"));
  EXPECT_EQ(proto.expire_time().seconds(), 86400);
}

TEST(ConversionsTest, AppSettingRoundTrips) {
  v1::AppSetting proto;
  proto.set_key("feature_rollout");
  proto.set_value("{\"ceo_digest\": true}");
  proto.set_type(v1::AppSetting::JSON);
  proto.set_description("flags");
  *proto.mutable_create_time() = MakeTimestamp(1, 0);
  *proto.mutable_update_time() = MakeTimestamp(2, 0);
  absl::StatusOr<AppSetting> record =
      AppSettingFromProto(proto, AppSettingImportMask(), "app_setting");
  ASSERT_TRUE(record.ok());
  v1::AppSetting back;
  AppSettingToProto(*record, &back);
  EXPECT_EQ(back.DebugString(), proto.DebugString());
}

TEST(ConversionsTest, AuditEntryRoundTripsWithAbsentValues) {
  v1::AuditEntry proto;
  proto.set_id(3);
  proto.set_table_name("configurations");
  proto.set_record_id("openai_api_key");
  proto.set_action(v1::AuditEntry::INSERT);
  *proto.mutable_new_values() = ParseStruct(R"({"value": "[REDACTED]"})");
  proto.set_actor("system");
  *proto.mutable_change_time() = MakeTimestamp(1755691241, 0);

  absl::StatusOr<AuditEntry> record = AuditEntryFromProto(proto, "audit_entry");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->old_values_json, std::nullopt);
  v1::AuditEntry back;
  ASSERT_TRUE(AuditEntryToProto(*record, &back).ok());
  EXPECT_FALSE(back.has_old_values());
  EXPECT_EQ(back.DebugString(), proto.DebugString());
}

TEST(ConversionsTest, PerformanceMetricDefaultsTimeAndIgnoresId) {
  v1::PerformanceMetric proto;
  proto.set_id(99);
  proto.set_name("slack_response_time");
  proto.set_value(1.58);
  const absl::Time now = absl::FromUnixSeconds(1756728000);
  absl::StatusOr<PerformanceMetric> metric =
      PerformanceMetricFromProto(proto, now, "performance_metric");
  ASSERT_TRUE(metric.ok());
  EXPECT_EQ(metric->id, 0);
  EXPECT_EQ(metric->time, now);
  EXPECT_EQ(metric->additional_data_json, std::nullopt);

  *proto.mutable_time() = MakeTimestamp(5, 0);
  *proto.mutable_additional_data() = ParseStruct(R"({"model": "gpt-4"})");
  metric = PerformanceMetricFromProto(proto, now, "performance_metric");
  ASSERT_TRUE(metric.ok());
  EXPECT_EQ(metric->time, absl::FromUnixSeconds(5));
  v1::PerformanceMetric back;
  metric->id = 7;
  ASSERT_TRUE(PerformanceMetricToProto(*metric, &back).ok());
  EXPECT_EQ(back.id(), 7);
  EXPECT_EQ(back.additional_data().fields().at("model").string_value(),
            "gpt-4");
}

TEST(ConversionsTest, PerformanceMetricRejectsBadTimeAndData) {
  v1::PerformanceMetric proto;
  proto.set_name("m");
  *proto.mutable_time() = MakeTimestamp(0, 1000000000);
  EXPECT_THAT(
      std::string(PerformanceMetricFromProto(proto, absl::Now(), "requests[2]")
                      .status()
                      .message()),
      StartsWith("requests[2].time: "));

  proto.clear_time();
  (*proto.mutable_additional_data()->mutable_fields())["x"].set_number_value(
      std::nan(""));
  EXPECT_EQ(
      PerformanceMetricFromProto(proto, absl::Now(), "m").status().message(),
      "m.additional_data.x: must be a finite number");
}

}  // namespace
}  // namespace opsbrain::service
