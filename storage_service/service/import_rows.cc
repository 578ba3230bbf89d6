#include "storage_service/service/import_rows.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "common/utf8.h"
#include "opsbrain/v1/internal.pb.h"
#include "storage_service/importer.h"
#include "storage_service/records.h"
#include "storage_service/service/conversions.h"
#include "storage_service/service/field_masks.h"
#include "storage_service/service/validation.h"

namespace opsbrain::service {
namespace {

// The id that makes an audit entry or metric import idempotent.
absl::StatusOr<int64_t> ImportedId(int64_t legacy_id, int64_t record_id,
                                   absl::string_view record_field) {
  if (legacy_id != 0 && record_id != 0 && legacy_id != record_id) {
    return absl::InvalidArgumentError(
        absl::StrCat(record_field, ": ", record_id,
                     " does not agree with legacy_id ", legacy_id));
  }
  const int64_t id = legacy_id != 0 ? legacy_id : record_id;
  if (id <= 0) {
    return absl::InvalidArgumentError(
        "legacy_id: must be a positive legacy id");
  }
  return id;
}

}  // namespace

absl::StatusOr<ImportedRow> ImportedRowFromProto(const v1::ImportedRow& row) {
  ImportedRow out;
  out.legacy_id = row.legacy_id();
  switch (row.record_case()) {
    case v1::ImportedRow::kConfiguration: {
      const FieldMask& mask = ConfigurationImportMask();
      OPSBRAIN_ASSIGN_OR_RETURN(
          Configuration record,
          ConfigurationFromProto(row.configuration(), mask, "configuration"));
      OPSBRAIN_RETURN_IF_ERROR(
          ValidateConfiguration("configuration", mask, &record));
      record.etag.clear();
      out.record = std::move(record);
      return out;
    }
    case v1::ImportedRow::kThreadContext: {
      const FieldMask& mask = ThreadContextImportMask();
      OPSBRAIN_ASSIGN_OR_RETURN(
          ThreadContext record,
          ThreadContextFromProto(row.thread_context(), mask, "thread_context"));
      OPSBRAIN_RETURN_IF_ERROR(
          ValidateThreadContext("thread_context", mask, &record));
      record.etag.clear();
      out.record = std::move(record);
      return out;
    }
    case v1::ImportedRow::kBusinessGoal: {
      const FieldMask& mask = BusinessGoalImportMask();
      OPSBRAIN_ASSIGN_OR_RETURN(
          BusinessGoal record,
          BusinessGoalFromProto(row.business_goal(), mask, "business_goal"));
      OPSBRAIN_RETURN_IF_ERROR(
          ValidateBusinessGoal("business_goal", mask, &record));
      record.etag.clear();
      out.record = std::move(record);
      return out;
    }
    case v1::ImportedRow::kAppSetting: {
      const FieldMask& mask = AppSettingImportMask();
      OPSBRAIN_ASSIGN_OR_RETURN(
          AppSetting record,
          AppSettingFromProto(row.app_setting(), mask, "app_setting"));
      OPSBRAIN_RETURN_IF_ERROR(
          ValidateAppSetting("app_setting", mask, &record));
      record.etag.clear();
      out.record = std::move(record);
      return out;
    }
    case v1::ImportedRow::kUserPreference: {
      const FieldMask& mask = UserPreferenceImportMask();
      OPSBRAIN_ASSIGN_OR_RETURN(
          UserPreference record,
          UserPreferenceFromProto(row.user_preference(), mask,
                                  "user_preference"));
      OPSBRAIN_RETURN_IF_ERROR(
          ValidateUserPreference("user_preference", mask, &record));
      record.etag.clear();
      out.record = std::move(record);
      return out;
    }
    case v1::ImportedRow::kAuditEntry: {
      OPSBRAIN_ASSIGN_OR_RETURN(
          const int64_t id, ImportedId(row.legacy_id(), row.audit_entry().id(),
                                       "audit_entry.id"));
      OPSBRAIN_ASSIGN_OR_RETURN(
          AuditEntry record,
          AuditEntryFromProto(row.audit_entry(), "audit_entry"));
      OPSBRAIN_RETURN_IF_ERROR(ValidateAuditEntry("audit_entry", record));
      record.id = id;
      out.legacy_id = id;
      out.record = std::move(record);
      return out;
    }
    case v1::ImportedRow::kPerformanceMetric: {
      OPSBRAIN_ASSIGN_OR_RETURN(
          const int64_t id,
          ImportedId(row.legacy_id(), row.performance_metric().id(),
                     "performance_metric.id"));
      // No time means the epoch here, as the row digest counts it; the
      // API's "now" would make a repeated import differ from the first.
      OPSBRAIN_ASSIGN_OR_RETURN(
          PerformanceMetric record,
          PerformanceMetricFromProto(row.performance_metric(),
                                     absl::UnixEpoch(), "performance_metric"));
      OPSBRAIN_RETURN_IF_ERROR(
          ValidatePerformanceMetric("performance_metric", record));
      record.id = id;
      out.legacy_id = id;
      out.record = std::move(record);
      return out;
    }
    case v1::ImportedRow::RECORD_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("record: must be set");
}

bool IsImportTable(absl::string_view table) {
  return std::find(std::begin(kImportTables), std::end(kImportTables), table) !=
         std::end(kImportTables);
}

absl::string_view TableOfProtoRow(const v1::ImportedRow& row) {
  switch (row.record_case()) {
    case v1::ImportedRow::kConfiguration:
      return kConfigurationsTable;
    case v1::ImportedRow::kThreadContext:
      return kThreadContextsTable;
    case v1::ImportedRow::kBusinessGoal:
      return kBusinessGoalsTable;
    case v1::ImportedRow::kAppSetting:
      return kAppSettingsTable;
    case v1::ImportedRow::kUserPreference:
      return kUserPreferencesTable;
    case v1::ImportedRow::kAuditEntry:
      return kAuditTable;
    case v1::ImportedRow::kPerformanceMetric:
      return kPerformanceMetricsTable;
    case v1::ImportedRow::RECORD_NOT_SET:
      break;
  }
  return "";
}

std::string ReportKeyOf(const v1::ImportedRow& row) {
  std::string key;
  switch (row.record_case()) {
    case v1::ImportedRow::kConfiguration:
      key = row.configuration().key();
      break;
    case v1::ImportedRow::kThreadContext:
      key = row.thread_context().thread_key();
      break;
    case v1::ImportedRow::kBusinessGoal:
      key = row.business_goal().id();
      break;
    case v1::ImportedRow::kAppSetting:
      key = row.app_setting().key();
      break;
    case v1::ImportedRow::kUserPreference:
      key = absl::StrCat(row.user_preference().user_id(), "/",
                         row.user_preference().key());
      break;
    case v1::ImportedRow::kAuditEntry:
      key = absl::StrCat(row.legacy_id() != 0 ? row.legacy_id()
                                              : row.audit_entry().id());
      break;
    case v1::ImportedRow::kPerformanceMetric:
      key = absl::StrCat(row.legacy_id() != 0 ? row.legacy_id()
                                              : row.performance_metric().id());
      break;
    case v1::ImportedRow::RECORD_NOT_SET:
      key = absl::StrCat(row.legacy_id());
      break;
  }
  return Excerpt(key, kMaxIdentifierBytes);
}

absl::Status ImportedRowToProto(const ImportedRow& row,
                                v1::ImportedRow* proto) {
  proto->Clear();
  proto->set_legacy_id(row.legacy_id);
  if (const auto* r = std::get_if<Configuration>(&row.record)) {
    ConfigurationToProto(*r, proto->mutable_configuration());
  } else if (const auto* r = std::get_if<ThreadContext>(&row.record)) {
    ThreadContextToProto(*r, proto->mutable_thread_context());
  } else if (const auto* r = std::get_if<BusinessGoal>(&row.record)) {
    return BusinessGoalToProto(*r, proto->mutable_business_goal());
  } else if (const auto* r = std::get_if<AppSetting>(&row.record)) {
    AppSettingToProto(*r, proto->mutable_app_setting());
  } else if (const auto* r = std::get_if<UserPreference>(&row.record)) {
    UserPreferenceToProto(*r, proto->mutable_user_preference());
  } else if (const auto* r = std::get_if<AuditEntry>(&row.record)) {
    return AuditEntryToProto(*r, proto->mutable_audit_entry());
  } else if (const auto* r = std::get_if<PerformanceMetric>(&row.record)) {
    return PerformanceMetricToProto(*r, proto->mutable_performance_metric());
  }
  return absl::OkStatus();
}

}  // namespace opsbrain::service
