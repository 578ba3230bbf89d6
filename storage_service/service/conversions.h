// Conversions between the opsbrain.v1 protos and the repository's records.
//
// Inbound (proto to record) conversions read the record's identity fields
// and etag always, and its other fields only when `mask` names them; the
// rest keep the record's defaults (category "general", status
// "not_started", priority 2, type STRING). A masked field holding its proto
// default means the record's default: "" category is "general", "" status
// "not_started", priority 0 is 2, TYPE_UNSPECIFIED is STRING. Output-only
// times are read only when the mask names them, which only the import's
// masks do (field_masks.h); the API's masks cannot. Errors are
// INVALID_ARGUMENT naming the field ("business_goal.target_date: ...").
// Text rules and limits are validation.h's, applied after conversion, except
// for Struct contents, which are checked here while they are still
// structured.
//
// Outbound (record to proto) conversions write every field. Those that parse
// stored JSON fail with INTERNAL when it is not a JSON object, which only a
// damaged database can cause.
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_CONVERSIONS_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_CONVERSIONS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "opsbrain/v1/records.pb.h"
#include "storage_service/records.h"
#include "storage_service/repository.h"

namespace opsbrain::service {

// ---- Scalars ------------------------------------------------------------

// A Timestamp within 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999999Z
// with nanos in [0, 999999999], truncated to microseconds.
absl::StatusOr<absl::Time> TimeFromProto(
    const google::protobuf::Timestamp& timestamp, absl::string_view field);

// Truncates to microseconds; infinite or out-of-range times are clamped to
// the Timestamp range.
void TimeToProto(absl::Time time, google::protobuf::Timestamp* timestamp);

// A real calendar date with year 1..9999. An all-zero Date means "no date"
// and yields nullopt, as an absent one does (callers pass has_x()).
absl::StatusOr<std::optional<absl::CivilDay>> DateFromProto(
    bool present, const v1::Date& date, absl::string_view field);

void DateToProto(absl::CivilDay day, v1::Date* date);

// JSON object text of `value`. Rejects, naming the path inside the Struct
// ("business_goal.success_metrics.revenue[2]"): NaN and infinite numbers,
// and keys or strings that are not well-formed UTF-8 or contain NUL.
absl::StatusOr<std::string> StructToJson(const google::protobuf::Struct& value,
                                         absl::string_view field);

// Parses stored JSON object text; INTERNAL when it is not a JSON object.
absl::Status StructFromJson(absl::string_view json, absl::string_view field,
                            google::protobuf::Struct* value);

// TYPE_UNSPECIFIED reads as STRING; numbers outside the enum are rejected.
absl::StatusOr<SettingType> SettingTypeFromProto(int type,
                                                 absl::string_view field);
v1::AppSetting::Type SettingTypeToProto(SettingType type);

// ACTION_UNSPECIFIED and numbers outside the enum are rejected.
absl::StatusOr<AuditAction> AuditActionFromProto(int action,
                                                 absl::string_view field);
v1::AuditEntry::Action AuditActionToProto(AuditAction action);

// ---- Records, inbound -----------------------------------------------------

absl::StatusOr<Configuration> ConfigurationFromProto(
    const v1::Configuration& proto, const FieldMask& mask,
    absl::string_view field);

// channel_id and thread_ts are derived from thread_key (validation.h's
// ParseThreadKey); when the proto sets them too they must agree with it.
absl::StatusOr<ThreadContext> ThreadContextFromProto(
    const v1::ThreadContext& proto, const FieldMask& mask,
    absl::string_view field);

absl::StatusOr<BusinessGoal> BusinessGoalFromProto(
    const v1::BusinessGoal& proto, const FieldMask& mask,
    absl::string_view field);

absl::StatusOr<AppSetting> AppSettingFromProto(const v1::AppSetting& proto,
                                               const FieldMask& mask,
                                               absl::string_view field);

absl::StatusOr<UserPreference> UserPreferenceFromProto(
    const v1::UserPreference& proto, const FieldMask& mask,
    absl::string_view field);

// Every field, `id` included (audit entries are only ever imported).
absl::StatusOr<AuditEntry> AuditEntryFromProto(const v1::AuditEntry& proto,
                                               absl::string_view field);

// Every field but `id`, which is output only; an unset `time` becomes
// `default_time`.
absl::StatusOr<PerformanceMetric> PerformanceMetricFromProto(
    const v1::PerformanceMetric& proto, absl::Time default_time,
    absl::string_view field);

// ---- Records, outbound ----------------------------------------------------

// Leaves value_redacted false; redaction.h decides what a caller may see.
void ConfigurationToProto(const Configuration& record,
                          v1::Configuration* proto);
void ThreadContextToProto(const ThreadContext& record,
                          v1::ThreadContext* proto);
absl::Status BusinessGoalToProto(const BusinessGoal& record,
                                 v1::BusinessGoal* proto);
void AppSettingToProto(const AppSetting& record, v1::AppSetting* proto);
void UserPreferenceToProto(const UserPreference& record,
                           v1::UserPreference* proto);
absl::Status AuditEntryToProto(const AuditEntry& record, v1::AuditEntry* proto);
absl::Status PerformanceMetricToProto(const PerformanceMetric& record,
                                      v1::PerformanceMetric* proto);

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_CONVERSIONS_H_
