#include "storage_service/sql/row_codec.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "storage_service/sql/json_codec.h"

namespace opsbrain::sql {
namespace {

// The stored JSON object text of a nullable column, normalised.
absl::StatusOr<std::optional<std::string>> ReadObject(RowReader& reader,
                                                      int column) {
  std::optional<std::string> text = reader.OptionalString(column);
  if (!text.has_value() || text->empty()) return std::optional<std::string>();
  OPSBRAIN_ASSIGN_OR_RETURN(std::string normalised, NormalizeObject(*text));
  return std::optional<std::string>(std::move(normalised));
}

absl::Status Finish(const RowReader& reader, const char* table) {
  if (reader.status().ok()) return absl::OkStatus();
  return absl::DataLossError(
      absl::StrFormat("%s: %s", table, reader.status().message()));
}

}  // namespace

absl::StatusOr<Configuration> ReadConfiguration(const ResultSet& result,
                                                int row) {
  RowReader reader(result, row);
  Configuration config;
  config.key = reader.String(0);
  config.value = reader.String(1);
  config.category = reader.String(2);
  config.description = reader.String(3);
  config.is_sensitive = reader.Bool(4);
  config.create_time = reader.Time(5);
  config.update_time = reader.Time(6);
  config.etag = reader.String(7);
  OPSBRAIN_RETURN_IF_ERROR(Finish(reader, kConfigurationsTable));
  return config;
}

absl::StatusOr<ThreadContext> ReadThreadContext(const ResultSet& result,
                                                int row) {
  RowReader reader(result, row);
  ThreadContext thread;
  thread.thread_key = reader.String(0);
  thread.channel_id = reader.String(1);
  thread.thread_ts = reader.OptionalString(2);
  if (thread.thread_ts.has_value() && thread.thread_ts->empty()) {
    thread.thread_ts.reset();
  }
  OPSBRAIN_ASSIGN_OR_RETURN(thread.messages,
                            DecodeStringList(reader.String(3)));
  thread.create_time = reader.Time(4);
  thread.update_time = reader.Time(5);
  thread.expire_time = reader.Time(6);
  thread.etag = reader.String(7);
  OPSBRAIN_RETURN_IF_ERROR(Finish(reader, kThreadContextsTable));
  return thread;
}

absl::StatusOr<BusinessGoal> ReadBusinessGoal(const ResultSet& result,
                                              int row) {
  RowReader reader(result, row);
  BusinessGoal goal;
  goal.id = reader.String(0);
  goal.title = reader.String(1);
  goal.description = reader.String(2);
  goal.area = absl::AsciiStrToLower(reader.String(3));
  goal.status = absl::AsciiStrToLower(reader.String(4));
  goal.priority = static_cast<int32_t>(reader.Int64(5));
  goal.target_date = reader.OptionalDate(6);
  goal.progress = static_cast<int32_t>(reader.Int64(7));
  OPSBRAIN_ASSIGN_OR_RETURN(goal.weekly_actions,
                            DecodeStringList(reader.String(8)));
  OPSBRAIN_ASSIGN_OR_RETURN(goal.daily_actions,
                            DecodeStringList(reader.String(9)));
  OPSBRAIN_ASSIGN_OR_RETURN(std::optional<std::string> metrics,
                            ReadObject(reader, 10));
  goal.success_metrics_json = metrics.value_or("{}");
  goal.notes = reader.String(11);
  goal.create_time = reader.Time(12);
  goal.update_time = reader.Time(13);
  goal.etag = reader.String(14);
  OPSBRAIN_RETURN_IF_ERROR(Finish(reader, kBusinessGoalsTable));
  return goal;
}

absl::StatusOr<AppSetting> ReadAppSetting(const ResultSet& result, int row) {
  RowReader reader(result, row);
  AppSetting setting;
  setting.key = reader.String(0);
  setting.value = reader.String(1);
  setting.type = ParseSettingType(reader.String(2));
  setting.description = reader.String(3);
  setting.create_time = reader.Time(4);
  setting.update_time = reader.Time(5);
  setting.etag = reader.String(6);
  OPSBRAIN_RETURN_IF_ERROR(Finish(reader, kAppSettingsTable));
  return setting;
}

absl::StatusOr<UserPreference> ReadUserPreference(const ResultSet& result,
                                                  int row) {
  RowReader reader(result, row);
  UserPreference preference;
  preference.user_id = reader.String(0);
  preference.key = reader.String(1);
  preference.value = reader.String(2);
  preference.create_time = reader.Time(3);
  preference.update_time = reader.Time(4);
  preference.etag = reader.String(5);
  OPSBRAIN_RETURN_IF_ERROR(Finish(reader, kUserPreferencesTable));
  return preference;
}

absl::StatusOr<AuditEntry> ReadAuditEntry(const ResultSet& result, int row) {
  RowReader reader(result, row);
  AuditEntry entry;
  entry.id = reader.Int64(0);
  entry.table_name = reader.String(1);
  entry.record_id = reader.String(2);
  std::string action = reader.String(3);
  if (action == "INSERT") {
    entry.action = AuditAction::kInsert;
  } else if (action == "UPDATE") {
    entry.action = AuditAction::kUpdate;
  } else if (action == "DELETE") {
    entry.action = AuditAction::kDelete;
  } else {
    return absl::DataLossError("config_audit: unknown action");
  }
  OPSBRAIN_ASSIGN_OR_RETURN(entry.old_values_json, ReadObject(reader, 4));
  OPSBRAIN_ASSIGN_OR_RETURN(entry.new_values_json, ReadObject(reader, 5));
  entry.actor = reader.String(6);
  entry.change_time = reader.Time(7);
  OPSBRAIN_RETURN_IF_ERROR(Finish(reader, kAuditTable));
  return entry;
}

absl::StatusOr<PerformanceMetric> ReadPerformanceMetric(const ResultSet& result,
                                                        int row) {
  RowReader reader(result, row);
  PerformanceMetric metric;
  metric.id = reader.Int64(0);
  metric.name = reader.String(1);
  metric.value = reader.Double(2);
  metric.unit = reader.String(3);
  metric.time = reader.Time(4);
  OPSBRAIN_ASSIGN_OR_RETURN(metric.additional_data_json, ReadObject(reader, 5));
  OPSBRAIN_RETURN_IF_ERROR(Finish(reader, kPerformanceMetricsTable));
  return metric;
}

std::vector<Param> ConfigurationParams(const Configuration& config) {
  return {config.key,         config.value,        config.category,
          config.description, config.is_sensitive, config.create_time,
          config.update_time, config.etag};
}

std::vector<Param> ThreadContextParams(const ThreadContext& thread) {
  Param thread_ts = nullptr;
  if (thread.thread_ts.has_value()) thread_ts = *thread.thread_ts;
  return {thread.thread_key,  thread.channel_id,
          thread_ts,          EncodeStringList(thread.messages),
          thread.create_time, thread.update_time,
          thread.expire_time, thread.etag};
}

std::vector<Param> BusinessGoalParams(const BusinessGoal& goal) {
  Param target_date = nullptr;
  if (goal.target_date.has_value()) target_date = FormatDate(*goal.target_date);
  return {goal.id,
          goal.title,
          goal.description,
          goal.area,
          goal.status,
          int64_t{goal.priority},
          target_date,
          int64_t{goal.progress},
          EncodeStringList(goal.weekly_actions),
          EncodeStringList(goal.daily_actions),
          goal.success_metrics_json,
          goal.notes,
          goal.create_time,
          goal.update_time,
          goal.etag};
}

std::vector<Param> AppSettingParams(const AppSetting& setting) {
  return {setting.key,
          setting.value,
          std::string(SettingTypeName(setting.type)),
          setting.description,
          setting.create_time,
          setting.update_time,
          setting.etag};
}

std::vector<Param> UserPreferenceParams(const UserPreference& preference) {
  return {preference.user_id,     preference.key,         preference.value,
          preference.create_time, preference.update_time, preference.etag};
}

namespace {

Param OptionalJson(const std::optional<std::string>& json) {
  if (!json.has_value()) return nullptr;
  return *json;
}

}  // namespace

std::vector<Param> AuditEntryParams(const AuditEntry& entry) {
  std::vector<Param> params;
  if (entry.id != 0) params.push_back(entry.id);
  for (Param value :
       std::initializer_list<Param>{entry.table_name, entry.record_id,
                                    std::string(AuditActionName(entry.action)),
                                    OptionalJson(entry.old_values_json),
                                    OptionalJson(entry.new_values_json),
                                    entry.actor, entry.change_time}) {
    params.push_back(std::move(value));
  }
  return params;
}

std::vector<Param> PerformanceMetricParams(const PerformanceMetric& metric) {
  std::vector<Param> params;
  if (metric.id != 0) params.push_back(metric.id);
  for (Param value : std::initializer_list<Param>{
           metric.name, metric.value, metric.unit, metric.time,
           OptionalJson(metric.additional_data_json)}) {
    params.push_back(std::move(value));
  }
  return params;
}

const char* SettingTypeName(SettingType type) {
  switch (type) {
    case SettingType::kString:
      return "string";
    case SettingType::kBoolean:
      return "boolean";
    case SettingType::kInteger:
      return "integer";
    case SettingType::kJson:
      return "json";
  }
  return "string";
}

SettingType ParseSettingType(absl::string_view name) {
  if (name == "boolean") return SettingType::kBoolean;
  if (name == "integer") return SettingType::kInteger;
  if (name == "json") return SettingType::kJson;
  return SettingType::kString;
}

const char* AuditActionName(AuditAction action) {
  switch (action) {
    case AuditAction::kInsert:
      return "INSERT";
    case AuditAction::kUpdate:
      return "UPDATE";
    case AuditAction::kDelete:
      return "DELETE";
  }
  return "UPDATE";
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

}  // namespace opsbrain::sql
