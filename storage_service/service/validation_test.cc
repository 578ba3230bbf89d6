#include "storage_service/service/validation.h"

#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage_service/records.h"
#include "storage_service/repository.h"

namespace opsbrain::service {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// ---- Single values --------------------------------------------------------

TEST(ValidationTest, CheckTextAcceptsUtf8WithinLimit) {
  EXPECT_TRUE(CheckText("f", "", 10).ok());
  EXPECT_TRUE(CheckText("f", "\xC3\xA9t\xC3\xA9", 10).ok());
  EXPECT_TRUE(CheckText("f", std::string(10, 'x'), 10).ok());
}

struct BadText {
  std::string value;
  size_t max_bytes;
  std::string message;
};

TEST(ValidationTest, CheckTextRejectsAndNamesTheField) {
  const BadText cases[] = {
      {std::string(11, 'x'), 10, "f.g: must be at most 10 bytes, got 11"},
      {"\xC0\x80", 10, "f.g: must be valid UTF-8"},
      {"\xED\xA0\x80", 10, "f.g: must be valid UTF-8"},
      {std::string("a\0b", 3), 10, "f.g: must not contain NUL characters"},
  };
  for (const BadText& c : cases) {
    const absl::Status status = CheckText("f.g", c.value, c.max_bytes);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), c.message);
  }
}

TEST(ValidationTest, CheckIdentifierNeedsOneTo255Bytes) {
  EXPECT_EQ(CheckIdentifier("key", "").message(), "key: must not be empty");
  EXPECT_TRUE(CheckIdentifier("key", "x").ok());
  EXPECT_TRUE(CheckIdentifier("key", std::string(255, 'k')).ok());
  EXPECT_EQ(CheckIdentifier("key", std::string(256, 'k')).message(),
            "key: must be at most 255 bytes, got 256");
}

TEST(ValidationTest, CheckFiniteRejectsNanAndInfinity) {
  EXPECT_TRUE(CheckFinite("v", 1.5).ok());
  EXPECT_TRUE(CheckFinite("v", -1e308).ok());
  EXPECT_EQ(CheckFinite("v", std::nan("")).message(),
            "v: must be a finite number");
  EXPECT_FALSE(CheckFinite("v", HUGE_VAL).ok());
  EXPECT_FALSE(CheckFinite("v", -HUGE_VAL).ok());
}

struct Canonical {
  std::function<absl::StatusOr<std::string>(absl::string_view,
                                            absl::string_view)>
      canonical;
  std::string input;
  std::string expected;  // Empty when rejected.
};

TEST(ValidationTest, EnumerationsAreCaseInsensitiveAndStoredLowerCase) {
  const Canonical cases[] = {
      {CanonicalCategory, "", "general"},
      {CanonicalCategory, "OpenAI", "openai"},
      {CanonicalCategory, "features", "features"},
      {CanonicalCategory, "scheduling", "scheduling"},
      {CanonicalCategory, "other", ""},
      {CanonicalCategory, " api", ""},
      {CanonicalArea, "SALES", "sales"},
      {CanonicalArea, "Process", "process"},
      {CanonicalArea, "", ""},
      {CanonicalArea, "marketing", ""},
      {CanonicalStatus, "", "not_started"},
      {CanonicalStatus, "In_Progress", "in_progress"},
      {CanonicalStatus, "DEFERRED", "deferred"},
      {CanonicalStatus, "in progress", ""},
      {CanonicalStatus, "done", ""},
  };
  for (const Canonical& c : cases) {
    absl::StatusOr<std::string> result = c.canonical("x.y", c.input);
    if (c.expected.empty()) {
      ASSERT_FALSE(result.ok()) << c.input;
      EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(result.status().message()), StartsWith("x.y: "));
    } else {
      ASSERT_TRUE(result.ok()) << c.input << ": " << result.status();
      EXPECT_EQ(*result, c.expected);
    }
  }
}

TEST(ValidationTest, UnknownAreaMessageListsTheChoices) {
  EXPECT_EQ(CanonicalArea("business_goal.area", "marketing").status().message(),
            "business_goal.area: 'marketing' is not one of sales, delivery, "
            "product, financial, team, process");
}

// ---- Thread keys ----------------------------------------------------------

TEST(ValidationTest, ParseThreadKeySplitsAtTheFirstColon) {
  absl::StatusOr<ThreadKeyParts> channel = ParseThreadKey("k", "C04");
  ASSERT_TRUE(channel.ok());
  EXPECT_EQ(channel->channel_id, "C04");
  EXPECT_FALSE(channel->thread_ts.has_value());

  absl::StatusOr<ThreadKeyParts> thread =
      ParseThreadKey("k", "C04:1756653790.094580");
  ASSERT_TRUE(thread.ok());
  EXPECT_EQ(thread->channel_id, "C04");
  EXPECT_EQ(thread->thread_ts, "1756653790.094580");

  absl::StatusOr<ThreadKeyParts> nested = ParseThreadKey("k", "C04:a:b");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->channel_id, "C04");
  EXPECT_EQ(nested->thread_ts, "a:b");
}

TEST(ValidationTest, ParseThreadKeyRejectsBadKeys) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "thread_key: must not be empty"},
      {":123", "thread_key: must not start with ':'"},
      {":", "thread_key: must not start with ':'"},
      {"C04:", "thread_key: must not end with ':'"},
      {std::string(256, 'C'), "thread_key: must be at most 255 bytes, got 256"},
      {"C04:\xFF", "thread_key: must be valid UTF-8"},
  };
  for (const auto& [key, message] : cases) {
    EXPECT_EQ(ParseThreadKey("thread_key", key).status().message(), message);
  }
}

TEST(ValidationTest, ChannelIdMustNotContainColon) {
  EXPECT_TRUE(CheckChannelId("channel_id", "C04").ok());
  EXPECT_EQ(CheckChannelId("channel_id", "C04:1").message(),
            "channel_id: must not contain ':'");
  EXPECT_EQ(CheckChannelId("channel_id", "").message(),
            "channel_id: must not be empty");
}

// ---- Paging ---------------------------------------------------------------

TEST(ValidationTest, PageSizeDefaultsClampsAndRejectsNegative) {
  EXPECT_EQ(*EffectivePageSize("page_size", 0), kDefaultPageSize);
  EXPECT_EQ(*EffectivePageSize("page_size", 1), 1);
  EXPECT_EQ(*EffectivePageSize("page_size", 1000), 1000);
  EXPECT_EQ(*EffectivePageSize("page_size", 1001), kMaxPageSize);
  EXPECT_EQ(*EffectivePageSize("page_size", 2147483647), kMaxPageSize);
  EXPECT_EQ(EffectivePageSize("page_size", -1).status().message(),
            "page_size: must not be negative, got -1");
}

TEST(ValidationTest, PageTokenIsBoundedText) {
  EXPECT_TRUE(CheckPageToken("page_token", "").ok());
  EXPECT_TRUE(CheckPageToken("page_token", std::string(1024, 't')).ok());
  EXPECT_FALSE(CheckPageToken("page_token", std::string(1025, 't')).ok());
}

// ---- Records --------------------------------------------------------------

Configuration GoodConfiguration() {
  Configuration config;
  config.key = "openai_model";
  config.value = "gpt-4o";
  config.category = "OpenAI";
  config.description = "Default model";
  return config;
}

ThreadContext GoodThread() {
  ThreadContext thread;
  thread.thread_key = "C04:1756.1";
  thread.channel_id = "C04";
  thread.thread_ts = "1756.1";
  thread.messages = {"User: hi", "OpsBrain: hello"};
  return thread;
}

BusinessGoal GoodGoal() {
  BusinessGoal goal;
  goal.id = "sales_1";
  goal.title = "Grow";
  goal.area = "SALES";
  goal.status = "In_Progress";
  goal.priority = 4;
  goal.progress = 100;
  goal.weekly_actions = {"call"};
  goal.success_metrics_json = "{\"new_clients\":\"3\"}";
  return goal;
}

AppSetting GoodSetting() {
  AppSetting setting;
  setting.key = "max_concurrent_requests";
  setting.value = "010";
  setting.type = SettingType::kInteger;
  return setting;
}

UserPreference GoodPreference() {
  UserPreference preference;
  preference.user_id = "U1";
  preference.key = "tone";
  preference.value = "brief";
  return preference;
}

AuditEntry GoodAudit() {
  AuditEntry entry;
  entry.id = 1;
  entry.table_name = "configurations";
  entry.record_id = "openai_model";
  entry.actor = "system";
  entry.new_values_json = "{}";
  return entry;
}

PerformanceMetric GoodMetric() {
  PerformanceMetric metric;
  metric.name = "slack_response_time";
  metric.value = 1.5;
  metric.unit = "seconds";
  metric.additional_data_json = "{}";
  return metric;
}

const FieldMask& ConfigurationMask() {
  static const FieldMask* mask =
      new FieldMask({"value", "category", "description", "is_sensitive"});
  return *mask;
}
const FieldMask& ThreadMask() {
  static const FieldMask* mask = new FieldMask({"messages"});
  return *mask;
}
const FieldMask& GoalMask() {
  static const FieldMask* mask =
      new FieldMask({"title", "description", "area", "status", "priority",
                     "target_date", "progress", "weekly_actions",
                     "daily_actions", "success_metrics", "notes"});
  return *mask;
}
const FieldMask& SettingMask() {
  static const FieldMask* mask =
      new FieldMask({"value", "type", "description"});
  return *mask;
}
const FieldMask& PreferenceMask() {
  static const FieldMask* mask = new FieldMask({"value"});
  return *mask;
}

TEST(ValidationTest, GoodRecordsPassAndAreCanonicalised) {
  Configuration config = GoodConfiguration();
  ASSERT_TRUE(
      ValidateConfiguration("configuration", ConfigurationMask(), &config)
          .ok());
  EXPECT_EQ(config.category, "openai");

  ThreadContext thread = GoodThread();
  EXPECT_TRUE(
      ValidateThreadContext("thread_context", ThreadMask(), &thread).ok());

  BusinessGoal goal = GoodGoal();
  ASSERT_TRUE(ValidateBusinessGoal("business_goal", GoalMask(), &goal).ok());
  EXPECT_EQ(goal.area, "sales");
  EXPECT_EQ(goal.status, "in_progress");

  AppSetting setting = GoodSetting();
  ASSERT_TRUE(ValidateAppSetting("app_setting", SettingMask(), &setting).ok());
  EXPECT_EQ(setting.value, "10");

  UserPreference preference = GoodPreference();
  EXPECT_TRUE(
      ValidateUserPreference("user_preference", PreferenceMask(), &preference)
          .ok());

  EXPECT_TRUE(ValidateAuditEntry("audit_entry", GoodAudit()).ok());
  EXPECT_TRUE(
      ValidatePerformanceMetric("performance_metric", GoodMetric()).ok());
}

// One bad input: a change to a good record and the message prefix expected.
struct BadRecord {
  std::string expected_prefix;
  std::function<absl::Status()> validate;
};

template <typename Record>
std::function<absl::Status()> Bad(
    Record record, std::function<void(Record&)> change,
    std::function<absl::Status(Record*)> validate) {
  return [=]() mutable {
    change(record);
    return validate(&record);
  };
}

std::vector<BadRecord> BadRecords() {
  const auto config = [](std::function<void(Configuration&)> change) {
    return Bad<Configuration>(GoodConfiguration(), change, [](auto* r) {
      return ValidateConfiguration("configuration", ConfigurationMask(), r);
    });
  };
  const auto thread = [](std::function<void(ThreadContext&)> change) {
    return Bad<ThreadContext>(GoodThread(), change, [](auto* r) {
      return ValidateThreadContext("thread_context", ThreadMask(), r);
    });
  };
  const auto goal = [](std::function<void(BusinessGoal&)> change) {
    return Bad<BusinessGoal>(GoodGoal(), change, [](auto* r) {
      return ValidateBusinessGoal("business_goal", GoalMask(), r);
    });
  };
  const auto setting = [](std::function<void(AppSetting&)> change) {
    return Bad<AppSetting>(GoodSetting(), change, [](auto* r) {
      return ValidateAppSetting("app_setting", SettingMask(), r);
    });
  };
  const auto preference = [](std::function<void(UserPreference&)> change) {
    return Bad<UserPreference>(GoodPreference(), change, [](auto* r) {
      return ValidateUserPreference("user_preference", PreferenceMask(), r);
    });
  };
  const auto audit = [](std::function<void(AuditEntry&)> change) {
    return Bad<AuditEntry>(GoodAudit(), change, [](auto* r) {
      return ValidateAuditEntry("audit_entry", *r);
    });
  };
  const auto metric = [](std::function<void(PerformanceMetric&)> change) {
    return Bad<PerformanceMetric>(GoodMetric(), change, [](auto* r) {
      return ValidatePerformanceMetric("performance_metric", *r);
    });
  };
  const std::string k64(64 * 1024 + 1, 'v');
  const std::string bad_utf8 = "\xED\xA0\x80";
  const std::string nul("a\0b", 3);

  return {
      {"configuration.key: must not be empty",
       config([](auto& r) { r.key.clear(); })},
      {"configuration.key: must be at most 255 bytes",
       config([](auto& r) { r.key = std::string(256, 'k'); })},
      {"configuration.key: must be valid UTF-8",
       config([=](auto& r) { r.key = bad_utf8; })},
      {"configuration.value: must be at most 65536 bytes",
       config([=](auto& r) { r.value = k64; })},
      {"configuration.value: must not contain NUL",
       config([=](auto& r) { r.value = nul; })},
      {"configuration.category: 'misc' is not one of",
       config([](auto& r) { r.category = "misc"; })},
      {"configuration.description: must be valid UTF-8",
       config([=](auto& r) { r.description = bad_utf8; })},
      {"configuration.etag: must be at most 255 bytes",
       config([](auto& r) { r.etag = std::string(256, 'e'); })},
      {"thread_context.thread_key: must not end with ':'",
       thread([](auto& r) { r.thread_key = "C04:"; })},
      {"thread_context.messages: must have at most 1000 items, got 1001",
       thread([](auto& r) { r.messages.assign(1001, "m"); })},
      {"thread_context.messages[1]: must be at most 65536 bytes",
       thread([=](auto& r) { r.messages[1] = k64; })},
      {"thread_context.messages[0]: must be valid UTF-8",
       thread([=](auto& r) { r.messages[0] = bad_utf8; })},
      {"thread_context.messages: must total at most 1048576 bytes",
       thread([](auto& r) {
         r.messages.assign(17, std::string(64 * 1024, 'm'));
       })},
      {"business_goal.id: must not be empty",
       goal([](auto& r) { r.id.clear(); })},
      {"business_goal.title: must be at most 1024 bytes",
       goal([](auto& r) { r.title = std::string(1025, 't'); })},
      {"business_goal.description: must be at most 65536 bytes",
       goal([=](auto& r) { r.description = k64; })},
      {"business_goal.area: must be one of",
       goal([](auto& r) { r.area.clear(); })},
      {"business_goal.area: 'marketing' is not one of",
       goal([](auto& r) { r.area = "marketing"; })},
      {"business_goal.status: 'done' is not one of",
       goal([](auto& r) { r.status = "done"; })},
      {"business_goal.priority: must be between 1 and 4, got 5",
       goal([](auto& r) { r.priority = 5; })},
      {"business_goal.priority: must be between 1 and 4, got 0",
       goal([](auto& r) { r.priority = 0; })},
      {"business_goal.progress: must be between 0 and 100, got 101",
       goal([](auto& r) { r.progress = 101; })},
      {"business_goal.progress: must be between 0 and 100, got -1",
       goal([](auto& r) { r.progress = -1; })},
      {"business_goal.weekly_actions: must have at most 1000 items",
       goal([](auto& r) { r.weekly_actions.assign(1001, "a"); })},
      {"business_goal.daily_actions[0]: must be at most 4096 bytes",
       goal([](auto& r) { r.daily_actions = {std::string(4097, 'a')}; })},
      {"business_goal.success_metrics: must be at most 65536 bytes as JSON",
       goal([=](auto& r) { r.success_metrics_json = k64; })},
      {"business_goal.notes: must not contain NUL",
       goal([=](auto& r) { r.notes = nul; })},
      {"app_setting.key: must not be empty",
       setting([](auto& r) { r.key.clear(); })},
      {"app_setting.value: 'abc' is not a valid INTEGER",
       setting([](auto& r) { r.value = "abc"; })},
      {"app_setting.value: must be at most 65536 bytes",
       setting([=](auto& r) { r.value = k64; })},
      {"app_setting.description: must be valid UTF-8",
       setting([=](auto& r) { r.description = bad_utf8; })},
      {"user_preference.user_id: must not be empty",
       preference([](auto& r) { r.user_id.clear(); })},
      {"user_preference.key: must be at most 255 bytes",
       preference([](auto& r) { r.key = std::string(256, 'k'); })},
      {"user_preference.value: must be at most 65536 bytes",
       preference([=](auto& r) { r.value = k64; })},
      {"audit_entry.table_name: must not be empty",
       audit([](auto& r) { r.table_name.clear(); })},
      {"audit_entry.record_id: must be at most 511 bytes",
       audit([](auto& r) { r.record_id = std::string(512, 'r'); })},
      {"audit_entry.actor: must be valid UTF-8",
       audit([=](auto& r) { r.actor = bad_utf8; })},
      {"audit_entry.old_values: must be at most 1048576 bytes as JSON",
       audit([](auto& r) { r.old_values_json = std::string(1048577, ' '); })},
      {"performance_metric.name: must not be empty",
       metric([](auto& r) { r.name.clear(); })},
      {"performance_metric.value: must be a finite number",
       metric([](auto& r) { r.value = std::nan(""); })},
      {"performance_metric.value: must be a finite number",
       metric([](auto& r) { r.value = -HUGE_VAL; })},
      {"performance_metric.unit: must be at most 64 bytes",
       metric([](auto& r) { r.unit = std::string(65, 'u'); })},
      {"performance_metric.additional_data: must be at most 65536 bytes",
       metric([=](auto& r) { r.additional_data_json = k64; })},
  };
}

TEST(ValidationTest, BadRecordsAreRejectedNamingTheField) {
  for (const BadRecord& bad : BadRecords()) {
    const absl::Status status = bad.validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << bad.expected_prefix;
    EXPECT_THAT(std::string(status.message()), StartsWith(bad.expected_prefix));
  }
}

TEST(ValidationTest, UnmaskedFieldsAreNotChecked) {
  BusinessGoal goal = GoodGoal();
  goal.area = "marketing";
  goal.priority = 9;
  EXPECT_TRUE(
      ValidateBusinessGoal("business_goal", FieldMask({"title"}), &goal).ok());
  EXPECT_EQ(goal.area, "marketing");  // Not canonicalised either.
}

TEST(ValidationTest, IdentityIsCheckedWithAnEmptyMask) {
  Configuration config;
  EXPECT_EQ(
      ValidateConfiguration("configuration", FieldMask(), &config).message(),
      "configuration.key: must not be empty");
}

TEST(ValidationTest, SettingValueIsTypeCheckedOnlyWithBothValueAndType) {
  AppSetting setting = GoodSetting();
  setting.value = "abc";
  EXPECT_TRUE(
      ValidateAppSetting("app_setting", FieldMask({"value"}), &setting).ok());
  EXPECT_EQ(setting.value, "abc");
  EXPECT_FALSE(
      ValidateAppSetting("app_setting", FieldMask({"value", "type"}), &setting)
          .ok());
}

}  // namespace
}  // namespace opsbrain::service
