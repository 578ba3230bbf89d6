#include "tests/migrator/legacy_checks.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/util/subprocess.h"

namespace opsbrain::testing {
namespace {

using ::google::protobuf::ListValue;
using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::testing::ElementsAreArray;
using ::testing::UnorderedElementsAreArray;

absl::Time FromProto(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

// Legacy JSON as protobuf's own parser reads it.
Struct ParseObject(const std::string& json) {
  Struct object;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &object).ok())
      << json;
  return object;
}

std::vector<std::string> ParseStrings(const std::string& json) {
  ListValue list;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &list).ok())
      << json;
  std::vector<std::string> items;
  for (const Value& item : list.values()) items.push_back(item.string_value());
  return items;
}

bool SameMessage(const google::protobuf::Message& a,
                 const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

std::vector<std::string> Strings(
    const google::protobuf::RepeatedPtrField<std::string>& items) {
  return std::vector<std::string>(items.begin(), items.end());
}

std::vector<std::string> StringList(const Value& value) {
  std::vector<std::string> items;
  for (const Value& item : value.list_value().values()) {
    items.push_back(item.string_value());
  }
  return items;
}

template <typename Record, typename KeyOf>
std::map<std::string, Record> ByKey(const std::vector<Record>& records,
                                    KeyOf key_of) {
  std::map<std::string, Record> map;
  for (const Record& record : records) map[key_of(record)] = record;
  return map;
}

void CheckConfigurations(RecordSource& source,
                         const std::vector<LegacyRecord>& legacy,
                         const Struct& expected) {
  absl::StatusOr<std::vector<v1::Configuration>> masked =
      source.ListConfigurations("read");
  absl::StatusOr<std::vector<v1::Configuration>> revealed =
      source.ListConfigurations("read,secrets");
  ASSERT_TRUE(masked.ok()) << masked.status();
  ASSERT_TRUE(revealed.ok()) << revealed.status();
  ASSERT_EQ(masked->size(), legacy.size());
  const auto key_of = [](const v1::Configuration& c) { return c.key(); };
  const auto masked_by_key = ByKey(*masked, key_of);
  const auto revealed_by_key = ByKey(*revealed, key_of);

  std::set<std::string> sensitive;
  std::map<std::string, std::vector<std::string>> by_category;
  for (const LegacyRecord& row : legacy) {
    const std::string key = row.at("key").text;
    SCOPED_TRACE(absl::StrCat("configuration ", key));
    ASSERT_EQ(masked_by_key.count(key), 1u);
    const v1::Configuration& hidden = masked_by_key.at(key);
    const v1::Configuration& clear = revealed_by_key.at(key);
    const bool is_sensitive = row.at("is_sensitive").integer == 1;
    EXPECT_EQ(clear.value(), row.at("value").text);
    EXPECT_EQ(hidden.value(), is_sensitive ? "" : row.at("value").text);
    EXPECT_EQ(hidden.value_redacted(), is_sensitive);
    EXPECT_EQ(clear.is_sensitive(), is_sensitive);
    EXPECT_EQ(clear.category(), absl::AsciiStrToLower(row.at("category").text));
    EXPECT_EQ(clear.description(), row.at("description").text);
    EXPECT_EQ(FromProto(clear.create_time()),
              LegacyTime(row.at("created_at").text));
    EXPECT_EQ(FromProto(clear.update_time()),
              LegacyTime(row.at("updated_at").text));
    if (is_sensitive) sensitive.insert(key);
    by_category[clear.category()].push_back(key);
  }

  // The original app's answers.
  std::set<std::string> expected_sensitive;
  for (const Value& key :
       expected.fields().at("sensitive_keys").list_value().values()) {
    expected_sensitive.insert(key.string_value());
  }
  EXPECT_EQ(sensitive, expected_sensitive);
  for (const auto& [key, value] :
       expected.fields().at("get_config").struct_value().fields()) {
    SCOPED_TRACE(absl::StrCat("get_config ", key));
    if (value.kind_case() == Value::kNullValue) {
      EXPECT_EQ(source.GetConfiguration(key).status().code(),
                absl::StatusCode::kNotFound);
      continue;
    }
    ASSERT_EQ(revealed_by_key.count(key), 1u);
    EXPECT_EQ(revealed_by_key.at(key).value(), value.string_value());
  }
  for (const auto& [category, keys] : expected.fields()
                                          .at("get_configs_by_category_keys")
                                          .struct_value()
                                          .fields()) {
    EXPECT_THAT(by_category[category],
                UnorderedElementsAreArray(StringList(keys)))
        << category;
  }
}

void CheckGoals(RecordSource& source, const std::vector<LegacyRecord>& legacy,
                const Struct& expected) {
  absl::StatusOr<std::vector<v1::BusinessGoal>> goals =
      source.ListBusinessGoals("", "");
  ASSERT_TRUE(goals.ok()) << goals.status();
  ASSERT_EQ(goals->size(), legacy.size());
  const auto by_id =
      ByKey(*goals, [](const v1::BusinessGoal& goal) { return goal.id(); });
  for (const LegacyRecord& row : legacy) {
    const std::string id = row.at("id").text;
    SCOPED_TRACE(absl::StrCat("goal ", id));
    ASSERT_EQ(by_id.count(id), 1u);
    const v1::BusinessGoal& goal = by_id.at(id);
    EXPECT_EQ(goal.title(), row.at("title").text);
    EXPECT_EQ(goal.description(), row.at("description").text);
    EXPECT_EQ(goal.area(), absl::AsciiStrToLower(row.at("area").text));
    EXPECT_EQ(goal.status(), row.at("status").text);
    EXPECT_EQ(goal.priority(), row.at("priority").integer);
    EXPECT_EQ(goal.progress(), row.at("progress").integer);
    const std::string target = row.at("target_date").text;
    EXPECT_EQ(goal.has_target_date(), !target.empty());
    if (!target.empty()) {
      EXPECT_EQ(
          absl::StrFormat("%04d-%02d-%02d", goal.target_date().year(),
                          goal.target_date().month(), goal.target_date().day()),
          target);
    }
    EXPECT_EQ(Strings(goal.weekly_actions()),
              ParseStrings(row.at("weekly_actions").text));
    EXPECT_EQ(Strings(goal.daily_actions()),
              ParseStrings(row.at("daily_actions").text));
    EXPECT_TRUE(SameMessage(goal.success_metrics(),
                            ParseObject(row.at("success_metrics").text)));
    EXPECT_EQ(goal.notes(), row.at("notes").text);
    EXPECT_EQ(FromProto(goal.create_time()),
              LegacyTime(row.at("created_at").text));
  }

  // The original app's example row, and the filters it got wrong: the
  // legacy goals are SALES, which area='sales' missed.
  const Struct& example =
      expected.fields().at("get_business_goals_example").struct_value();
  const v1::BusinessGoal& sales_1 = by_id.at("sales_1");
  EXPECT_EQ(sales_1.title(), example.fields().at("title").string_value());
  EXPECT_EQ(sales_1.area(), "sales");
  EXPECT_FALSE(sales_1.has_target_date());
  EXPECT_EQ(Strings(sales_1.weekly_actions()),
            StringList(example.fields().at("weekly_actions")));
  EXPECT_TRUE(
      SameMessage(sales_1.success_metrics(),
                  example.fields().at("success_metrics").struct_value()));

  std::vector<std::string> sales_ids;
  for (const char* field :
       {"get_business_goals_area_sales", "get_business_goals_area_SALES"}) {
    for (const std::string& id : StringList(expected.fields().at(field))) {
      sales_ids.push_back(id);
    }
  }
  for (const char* area : {"sales", "SALES"}) {
    absl::StatusOr<std::vector<v1::BusinessGoal>> sales =
        source.ListBusinessGoals(area, "");
    ASSERT_TRUE(sales.ok()) << sales.status();
    std::vector<std::string> ids;
    for (const v1::BusinessGoal& goal : *sales) ids.push_back(goal.id());
    EXPECT_THAT(ids, UnorderedElementsAreArray(sales_ids)) << area;
  }
  absl::StatusOr<std::vector<v1::BusinessGoal>> not_started =
      source.ListBusinessGoals("", "not_started");
  ASSERT_TRUE(not_started.ok()) << not_started.status();
  std::vector<std::string> ids;
  for (const v1::BusinessGoal& goal : *not_started) ids.push_back(goal.id());
  EXPECT_THAT(ids, UnorderedElementsAreArray(StringList(expected.fields().at(
                       "get_business_goals_status_not_started"))));
}

void CheckSettings(RecordSource& source,
                   const std::vector<LegacyRecord>& legacy,
                   const Struct& expected) {
  absl::StatusOr<std::vector<v1::AppSetting>> settings =
      source.ListAppSettings();
  ASSERT_TRUE(settings.ok()) << settings.status();
  ASSERT_EQ(settings->size(), legacy.size());
  const auto by_key =
      ByKey(*settings, [](const v1::AppSetting& s) { return s.key(); });
  for (const LegacyRecord& row : legacy) {
    const std::string key = row.at("setting_key").text;
    ASSERT_EQ(by_key.count(key), 1u) << key;
    EXPECT_EQ(by_key.at(key).description(), row.at("description").text);
    EXPECT_EQ(FromProto(by_key.at(key).update_time()),
              LegacyTime(row.at("updated_at").text));
  }

  // The original app's typed reads: a bool is a BOOLEAN, a number an
  // INTEGER, an object JSON, and the float stored as a string a STRING.
  for (const auto& [key, value] :
       expected.fields().at("get_app_setting").struct_value().fields()) {
    SCOPED_TRACE(absl::StrCat("setting ", key));
    ASSERT_EQ(by_key.count(key), 1u);
    const v1::AppSetting& setting = by_key.at(key);
    switch (value.kind_case()) {
      case Value::kBoolValue:
        EXPECT_EQ(setting.type(), v1::AppSetting::BOOLEAN);
        EXPECT_EQ(setting.value(), value.bool_value() ? "true" : "false");
        break;
      case Value::kNumberValue:
        EXPECT_EQ(setting.type(), v1::AppSetting::INTEGER);
        EXPECT_EQ(setting.value(),
                  absl::StrCat(static_cast<int64_t>(value.number_value())));
        break;
      case Value::kStructValue:
        EXPECT_EQ(setting.type(), v1::AppSetting::JSON);
        EXPECT_TRUE(
            SameMessage(ParseObject(setting.value()), value.struct_value()));
        break;
      default:
        EXPECT_EQ(setting.type(), v1::AppSetting::STRING);
        EXPECT_EQ(setting.value(), value.string_value());
    }
  }
}

void CheckPreferences(RecordSource& source,
                      const std::vector<LegacyRecord>& legacy) {
  for (const LegacyRecord& row : legacy) {
    const std::string user = row.at("user_id").text;
    const std::string key = row.at("preference_key").text;
    absl::StatusOr<v1::UserPreference> preference =
        source.GetUserPreference(user, key);
    ASSERT_TRUE(preference.ok())
        << user << "/" << key << ": " << preference.status();
    EXPECT_EQ(preference->value(), row.at("preference_value").text);
    EXPECT_EQ(FromProto(preference->create_time()),
              LegacyTime(row.at("created_at").text));
    EXPECT_EQ(FromProto(preference->update_time()),
              LegacyTime(row.at("updated_at").text));
  }
}

void CheckThreads(RecordSource& source, const std::vector<LegacyRecord>& legacy,
                  const Struct& expected) {
  int live = 0, expired = 0, boundary = 0;
  std::set<std::string> live_channels;  // Keys without a thread_ts.
  for (const LegacyRecord& row : legacy) {
    const std::string key = row.at("thread_key").text;
    SCOPED_TRACE(absl::StrCat("thread ", key));
    // expires_at was written in local time; the fixture machine is UTC.
    const absl::Time expires = LegacyTime(row.at("expires_at").text);
    const absl::Time before = absl::Now();
    absl::StatusOr<v1::ThreadContext> thread = source.GetThreadContext(key);
    const absl::Time after = absl::Now();

    if (expires <= before) {
      ++expired;
      EXPECT_EQ(thread.status().code(), absl::StatusCode::kNotFound);
      continue;
    }
    if (expires <= after) {  // Expired during the call: either answer.
      ++boundary;
      continue;
    }
    ++live;
    ASSERT_TRUE(thread.ok()) << thread.status();
    EXPECT_EQ(thread->channel_id(), row.at("channel_id").text);
    EXPECT_EQ(thread->thread_ts(), row.at("thread_ts").text);
    EXPECT_EQ(Strings(thread->messages()),
              ParseStrings(row.at("messages").text));
    EXPECT_EQ(FromProto(thread->expire_time()), expires);
    EXPECT_EQ(FromProto(thread->update_time()),
              LegacyTime(row.at("updated_at").text));
    if (!absl::StrContains(key, ':')) live_channels.insert(key);
  }
  // ANCHOR=now: 22 live, 21 once the one that lives 30 s has expired (the
  // next expiry is hours away).
  EXPECT_EQ(live + expired + boundary, static_cast<int>(legacy.size()));
  EXPECT_GE(live + boundary, 21);
  EXPECT_LE(live + boundary, 22);

  // Thread timestamps move with the anchor; channel-only keys do not.
  std::set<std::string> expected_channels;
  for (const Value& key : expected.fields()
                              .at("get_thread_context_live_keys")
                              .list_value()
                              .values()) {
    if (!absl::StrContains(key.string_value(), ':')) {
      expected_channels.insert(key.string_value());
    }
  }
  EXPECT_EQ(live_channels, expected_channels);

  const Struct& example =
      expected.fields().at("get_thread_context_example").struct_value();
  absl::StatusOr<v1::ThreadContext> thread =
      source.GetThreadContext(example.fields().at("thread_key").string_value());
  ASSERT_TRUE(thread.ok()) << thread.status();
  // "\u2705" in the file arrives as the character itself.
  EXPECT_THAT(Strings(thread->messages()),
              ElementsAreArray(StringList(example.fields().at("messages"))));
}

void CheckAudit(RecordSource& source, const std::vector<LegacyRecord>& legacy) {
  absl::StatusOr<std::vector<v1::AuditEntry>> entries =
      source.ListAuditEntries();
  ASSERT_TRUE(entries.ok()) << entries.status();
  // Exactly the legacy rows: the import writes no audit rows of its own.
  ASSERT_EQ(entries->size(), legacy.size());
  const auto by_id = ByKey(*entries, [](const v1::AuditEntry& entry) {
    return absl::StrCat(entry.id());
  });
  for (const LegacyRecord& row : legacy) {
    const std::string id = row.at("id").text;
    SCOPED_TRACE(absl::StrCat("audit ", id));
    ASSERT_EQ(by_id.count(id), 1u);
    const v1::AuditEntry& entry = by_id.at(id);
    EXPECT_EQ(entry.table_name(), row.at("table_name").text);
    EXPECT_EQ(entry.record_id(), row.at("record_id").text);
    EXPECT_EQ(v1::AuditEntry::Action_Name(entry.action()),
              row.at("action").text);
    EXPECT_EQ(entry.actor(), row.at("changed_by").text);
    EXPECT_EQ(FromProto(entry.change_time()),
              LegacyTime(row.at("changed_at").text));
    EXPECT_EQ(entry.has_old_values(), !row.at("old_values").null);
    EXPECT_EQ(entry.has_new_values(), !row.at("new_values").null);
    if (entry.has_old_values()) {
      EXPECT_TRUE(SameMessage(entry.old_values(),
                              ParseObject(row.at("old_values").text)));
    }
    if (entry.has_new_values()) {
      EXPECT_TRUE(SameMessage(entry.new_values(),
                              ParseObject(row.at("new_values").text)));
    }
  }
}

void CheckMetrics(RecordSource& source, const std::vector<LegacyRecord>& legacy,
                  absl::Time anchor, const Struct& expected) {
  absl::StatusOr<std::vector<v1::PerformanceMetric>> metrics =
      source.ListPerformanceMetrics(std::nullopt, std::nullopt);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  ASSERT_EQ(metrics->size(), legacy.size());
  const auto by_id = ByKey(*metrics, [](const v1::PerformanceMetric& m) {
    return absl::StrCat(m.id());
  });
  for (const LegacyRecord& row : legacy) {
    const std::string id = row.at("id").text;
    SCOPED_TRACE(absl::StrCat("metric ", id));
    ASSERT_EQ(by_id.count(id), 1u);
    const v1::PerformanceMetric& metric = by_id.at(id);
    EXPECT_EQ(metric.name(), row.at("metric_name").text);
    EXPECT_EQ(metric.value(), row.at("metric_value").real);
    EXPECT_EQ(metric.unit(), row.at("metric_unit").text);
    EXPECT_EQ(FromProto(metric.time()), LegacyTime(row.at("timestamp").text));
    EXPECT_EQ(metric.has_additional_data(), !row.at("additional_data").null);
    if (metric.has_additional_data()) {
      EXPECT_TRUE(SameMessage(metric.additional_data(),
                              ParseObject(row.at("additional_data").text)));
    }
  }

  // The original app's "last 24 hours", relative to the anchor.
  absl::StatusOr<std::vector<v1::PerformanceMetric>> day =
      source.ListPerformanceMetrics(anchor - absl::Hours(24),
                                    anchor + absl::Seconds(1));
  ASSERT_TRUE(day.ok()) << day.status();
  EXPECT_EQ(
      day->size(),
      expected.fields().at("get_performance_metrics_24h_count").number_value());
  std::map<std::string, int> by_name;
  for (const v1::PerformanceMetric& metric : *day) ++by_name[metric.name()];
  for (const auto& [name, count] :
       expected.fields()
           .at("get_performance_metrics_24h_by_name")
           .struct_value()
           .fields()) {
    EXPECT_EQ(by_name[name], count.number_value()) << name;
  }
}

}  // namespace

Struct ExpectedAnswers() {
  return ParseObject(ReadFileOrEmpty(
      RunfilePath("tests/migrator/testdata/opsbrain.expected.json")));
}

void ExpectStoreHoldsLegacyFile(
    RecordSource& source,
    const std::map<std::string, std::vector<LegacyRecord>>& legacy,
    absl::Time anchor) {
  const Struct expected = ExpectedAnswers();
  ASSERT_EQ(legacy.size(), 7u);
  CheckConfigurations(source, legacy.at("configurations"), expected);
  CheckGoals(source, legacy.at("business_goals"), expected);
  CheckSettings(source, legacy.at("app_settings"), expected);
  CheckPreferences(source, legacy.at("user_preferences"));
  CheckThreads(source, legacy.at("thread_contexts"), expected);
  CheckAudit(source, legacy.at("config_audit"));
  CheckMetrics(source, legacy.at("performance_metrics"), anchor, expected);
}

}  // namespace opsbrain::testing
