// Column lists and row readers for the seven tables, shared by the
// repository and the importer so that both read a record the same way.
//
// Table and column names are the legacy schema's (migration 1), so an
// adopted legacy database keeps its shape.
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_ROW_CODEC_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_ROW_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage_service/records.h"
#include "storage_service/sql/database.h"
#include "storage_service/sql/result_set.h"

namespace opsbrain::sql {

inline constexpr char kConfigurationColumns[] =
    "key, value, category, description, is_sensitive, created_at, "
    "updated_at, etag";
inline constexpr char kThreadContextColumns[] =
    "thread_key, channel_id, thread_ts, messages, created_at, updated_at, "
    "expires_at, etag";
inline constexpr char kBusinessGoalColumns[] =
    "id, title, description, area, status, priority, target_date, progress, "
    "weekly_actions, daily_actions, success_metrics, notes, created_at, "
    "updated_at, etag";
inline constexpr char kAppSettingColumns[] =
    "setting_key, setting_value, setting_type, description, created_at, "
    "updated_at, etag";
inline constexpr char kUserPreferenceColumns[] =
    "user_id, preference_key, preference_value, created_at, updated_at, etag";
inline constexpr char kAuditEntryColumns[] =
    "id, table_name, record_id, action, old_values, new_values, changed_by, "
    "changed_at";
inline constexpr char kPerformanceMetricColumns[] =
    "id, metric_name, metric_value, metric_unit, \"timestamp\", "
    "additional_data";

// Each reads row `row` of a result selected with the matching column list.
// DATA_LOSS when a stored value cannot be read as its field.
absl::StatusOr<Configuration> ReadConfiguration(const ResultSet& result,
                                                int row);
absl::StatusOr<ThreadContext> ReadThreadContext(const ResultSet& result,
                                                int row);
absl::StatusOr<BusinessGoal> ReadBusinessGoal(const ResultSet& result, int row);
absl::StatusOr<AppSetting> ReadAppSetting(const ResultSet& result, int row);
absl::StatusOr<UserPreference> ReadUserPreference(const ResultSet& result,
                                                  int row);
absl::StatusOr<AuditEntry> ReadAuditEntry(const ResultSet& result, int row);
absl::StatusOr<PerformanceMetric> ReadPerformanceMetric(const ResultSet& result,
                                                        int row);

// Each returns the values of a record in the order of its column list,
// ready to bind as $1..$N.
std::vector<Param> ConfigurationParams(const Configuration& config);
std::vector<Param> ThreadContextParams(const ThreadContext& thread);
std::vector<Param> BusinessGoalParams(const BusinessGoal& goal);
std::vector<Param> AppSettingParams(const AppSetting& setting);
std::vector<Param> UserPreferenceParams(const UserPreference& preference);
// With the legacy id first when it is non-zero (imports), else without it.
std::vector<Param> AuditEntryParams(const AuditEntry& entry);
std::vector<Param> PerformanceMetricParams(const PerformanceMetric& metric);

// Stored spellings of setting types and audit actions. Unknown or NULL
// setting types read as kString, as the legacy reader did.
const char* SettingTypeName(SettingType type);
SettingType ParseSettingType(absl::string_view name);
const char* AuditActionName(AuditAction action);

// "YYYY-MM-DD".
std::string FormatDate(absl::CivilDay day);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_ROW_CODEC_H_
