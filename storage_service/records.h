// OpsBrain's record kinds as the repository stores them.
//
// Plain values with no database or RPC types. JSON-shaped fields hold JSON
// text that the service layer has already validated (objects for
// `success_metrics`, `additional_data` and audit values).
#ifndef OPSBRAIN_STORAGE_SERVICE_RECORDS_H_
#define OPSBRAIN_STORAGE_SERVICE_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace opsbrain {

struct Configuration {
  std::string key;
  std::string value;
  std::string category = "general";
  std::string description;
  bool is_sensitive = false;
  absl::Time create_time;
  absl::Time update_time;
  std::string etag;
};

struct ThreadContext {
  std::string thread_key;  // channel_id or channel_id:thread_ts
  std::string channel_id;
  std::optional<std::string> thread_ts;
  std::vector<std::string> messages;
  absl::Time create_time;
  absl::Time update_time;
  absl::Time expire_time;
  std::string etag;
};

struct BusinessGoal {
  std::string id;
  std::string title;
  std::string description;
  std::string area;                    // canonical lower case
  std::string status = "not_started";  // canonical lower case
  int32_t priority = 2;
  std::optional<absl::CivilDay> target_date;
  int32_t progress = 0;
  std::vector<std::string> weekly_actions;
  std::vector<std::string> daily_actions;
  std::string success_metrics_json = "{}";
  std::string notes;
  absl::Time create_time;
  absl::Time update_time;
  std::string etag;
};

enum class SettingType { kString, kBoolean, kInteger, kJson };

struct AppSetting {
  std::string key;
  std::string value;
  SettingType type = SettingType::kString;
  std::string description;
  absl::Time create_time;
  absl::Time update_time;
  std::string etag;
};

struct UserPreference {
  std::string user_id;
  std::string key;
  std::string value;
  absl::Time create_time;
  absl::Time update_time;
  std::string etag;
};

enum class AuditAction { kInsert, kUpdate, kDelete };

struct AuditEntry {
  int64_t id = 0;
  std::string table_name;
  std::string record_id;
  AuditAction action = AuditAction::kInsert;
  std::optional<std::string> old_values_json;  // JSON object
  std::optional<std::string> new_values_json;  // JSON object
  std::string actor;
  absl::Time change_time;
};

struct PerformanceMetric {
  int64_t id = 0;
  std::string name;
  double value = 0;
  std::string unit;
  absl::Time time;
  std::optional<std::string> additional_data_json;  // JSON object
};

// The legacy table names, which are also the audit log's table names.
inline constexpr char kConfigurationsTable[] = "configurations";
inline constexpr char kThreadContextsTable[] = "thread_contexts";
inline constexpr char kBusinessGoalsTable[] = "business_goals";
inline constexpr char kAppSettingsTable[] = "app_settings";
inline constexpr char kUserPreferencesTable[] = "user_preferences";
inline constexpr char kAuditTable[] = "config_audit";
inline constexpr char kPerformanceMetricsTable[] = "performance_metrics";

}  // namespace opsbrain

#endif  // OPSBRAIN_STORAGE_SERVICE_RECORDS_H_
