#include "storage_service/service/conversions.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "common/utf8.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "opsbrain/v1/records.pb.h"
#include "storage_service/records.h"
#include "storage_service/repository.h"
#include "storage_service/service/validation.h"
#include "storage_service/sql/json_codec.h"

namespace opsbrain::service {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

// The Timestamp range of google/protobuf/timestamp.proto.
constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

std::string Path(absl::string_view record, absl::string_view name) {
  return absl::StrCat(record, ".", name);
}

std::vector<std::string> ToVector(
    const google::protobuf::RepeatedPtrField<std::string>& items) {
  return std::vector<std::string>(items.begin(), items.end());
}

// ---- Struct contents ------------------------------------------------------

absl::Status CheckStructText(absl::string_view path, absl::string_view what,
                             absl::string_view text) {
  if (!IsValidUtf8(text)) {
    return Invalid(path, absl::StrCat(what, " must be valid UTF-8"));
  }
  if (absl::StrContains(text, '\0')) {
    return Invalid(path, absl::StrCat(what, " must not contain NUL"));
  }
  return absl::OkStatus();
}

absl::Status CheckStructValue(const Value& value, const std::string& path);

// Nested messages in `object`: each Struct, ListValue and Value counts, as
// protobuf's JSON printer counts them.
int MessageDepth(const Struct& object);

int MessageDepth(const Value& value) {
  if (value.kind_case() == Value::kStructValue) {
    return 1 + MessageDepth(value.struct_value());
  }
  if (value.kind_case() == Value::kListValue) {
    int deepest = 0;
    for (const Value& item : value.list_value().values()) {
      deepest = std::max(deepest, MessageDepth(item));
    }
    return 2 + deepest;
  }
  return 1;
}

int MessageDepth(const Struct& object) {
  int deepest = 0;
  for (const auto& [unused, value] : object.fields()) {
    deepest = std::max(deepest, MessageDepth(value));
  }
  return 1 + deepest;
}

// Protobuf's JSON printer, which wrote this text until the store's own
// encoder replaced it, refused more nesting than this (32 levels of
// objects), and readers that print the value with it (the gateway) still
// do; so the store keeps refusing it.
constexpr int kMaxStructMessageDepth = 65;

absl::Status CheckStructFields(const Struct& object, const std::string& path) {
  // Sorted, so that the first error reported does not depend on map order.
  std::vector<const std::string*> keys;
  keys.reserve(object.fields_size());
  for (const auto& [key, unused] : object.fields()) keys.push_back(&key);
  std::sort(keys.begin(), keys.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });

  for (const std::string* key : keys) {
    OPSBRAIN_RETURN_IF_ERROR(CheckStructText(path, "keys", *key));
    OPSBRAIN_RETURN_IF_ERROR(CheckStructValue(
        object.fields().at(*key), absl::StrCat(path, ".", Excerpt(*key))));
  }
  return absl::OkStatus();
}

absl::Status CheckStructValue(const Value& value, const std::string& path) {
  switch (value.kind_case()) {
    case Value::kNumberValue:
      if (!std::isfinite(value.number_value())) {
        return Invalid(path, "must be a finite number");
      }
      return absl::OkStatus();
    case Value::kStringValue:
      return CheckStructText(path, "strings", value.string_value());
    case Value::kStructValue:
      return CheckStructFields(value.struct_value(), path);
    case Value::kListValue:
      for (int i = 0; i < value.list_value().values_size(); ++i) {
        OPSBRAIN_RETURN_IF_ERROR(CheckStructValue(
            value.list_value().values(i), absl::StrCat(path, "[", i, "]")));
      }
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

}  // namespace

// ---- Scalars ------------------------------------------------------------

absl::StatusOr<absl::Time> TimeFromProto(
    const google::protobuf::Timestamp& timestamp, absl::string_view field) {
  if (timestamp.seconds() < kMinTimestampSeconds ||
      timestamp.seconds() > kMaxTimestampSeconds) {
    return Invalid(field, absl::StrCat("seconds ", timestamp.seconds(),
                                       " is outside years 1 to 9999"));
  }
  if (timestamp.nanos() < 0 || timestamp.nanos() > 999999999) {
    return Invalid(field, absl::StrCat("nanos ", timestamp.nanos(),
                                       " is outside 0 to 999999999"));
  }
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Microseconds(timestamp.nanos() / 1000);
}

void TimeToProto(absl::Time time, google::protobuf::Timestamp* timestamp) {
  // ToUnixMicros saturates for infinite times; the clamp then keeps the
  // result a valid Timestamp.
  int64_t micros = absl::ToUnixMicros(time);
  micros = std::clamp<int64_t>(micros, kMinTimestampSeconds * 1000000,
                               kMaxTimestampSeconds * 1000000 + 999999);
  int64_t seconds = micros / 1000000;
  int64_t sub_micros = micros % 1000000;
  if (sub_micros < 0) {
    sub_micros += 1000000;
    --seconds;
  }
  timestamp->set_seconds(seconds);
  timestamp->set_nanos(static_cast<int32_t>(sub_micros * 1000));
}

absl::StatusOr<std::optional<absl::CivilDay>> DateFromProto(
    bool present, const v1::Date& date, absl::string_view field) {
  if (!present || (date.year() == 0 && date.month() == 0 && date.day() == 0)) {
    return std::optional<absl::CivilDay>();
  }
  const absl::CivilDay day(date.year(), date.month(), date.day());
  // CivilDay normalises (February 30 becomes March 2), so a real date is one
  // that survives the round trip.
  if (date.year() < 1 || date.year() > 9999 || day.year() != date.year() ||
      day.month() != date.month() || day.day() != date.day()) {
    return Invalid(
        field, absl::StrFormat("%d-%02d-%02d is not a valid date", date.year(),
                               date.month(), date.day()));
  }
  return std::optional<absl::CivilDay>(day);
}

void DateToProto(absl::CivilDay day, v1::Date* date) {
  date->set_year(static_cast<int32_t>(day.year()));
  date->set_month(day.month());
  date->set_day(day.day());
}

absl::StatusOr<std::string> StructToJson(const Struct& value,
                                         absl::string_view field) {
  OPSBRAIN_RETURN_IF_ERROR(CheckStructFields(value, std::string(field)));
  if (MessageDepth(value) > kMaxStructMessageDepth) {
    return Invalid(field, "nested too deeply (at most 32 levels)");
  }
  return sql::EncodeObject(value);
}

absl::Status StructFromJson(absl::string_view json, absl::string_view field,
                            Struct* value) {
  absl::StatusOr<Struct> decoded = sql::DecodeObject(json);
  if (!decoded.ok()) {
    return absl::InternalError(
        absl::StrCat("stored ", field, " is not a JSON object"));
  }
  *value = *std::move(decoded);
  return absl::OkStatus();
}

absl::StatusOr<SettingType> SettingTypeFromProto(int type,
                                                 absl::string_view field) {
  switch (type) {
    case v1::AppSetting::TYPE_UNSPECIFIED:
    case v1::AppSetting::STRING:
      return SettingType::kString;
    case v1::AppSetting::BOOLEAN:
      return SettingType::kBoolean;
    case v1::AppSetting::INTEGER:
      return SettingType::kInteger;
    case v1::AppSetting::JSON:
      return SettingType::kJson;
  }
  return Invalid(field, absl::StrCat("unknown type ", type));
}

v1::AppSetting::Type SettingTypeToProto(SettingType type) {
  switch (type) {
    case SettingType::kString:
      return v1::AppSetting::STRING;
    case SettingType::kBoolean:
      return v1::AppSetting::BOOLEAN;
    case SettingType::kInteger:
      return v1::AppSetting::INTEGER;
    case SettingType::kJson:
      return v1::AppSetting::JSON;
  }
  return v1::AppSetting::TYPE_UNSPECIFIED;
}

absl::StatusOr<AuditAction> AuditActionFromProto(int action,
                                                 absl::string_view field) {
  switch (action) {
    case v1::AuditEntry::INSERT:
      return AuditAction::kInsert;
    case v1::AuditEntry::UPDATE:
      return AuditAction::kUpdate;
    case v1::AuditEntry::DELETE:
      return AuditAction::kDelete;
    case v1::AuditEntry::ACTION_UNSPECIFIED:
      return Invalid(field, "must be set");
  }
  return Invalid(field, absl::StrCat("unknown action ", action));
}

v1::AuditEntry::Action AuditActionToProto(AuditAction action) {
  switch (action) {
    case AuditAction::kInsert:
      return v1::AuditEntry::INSERT;
    case AuditAction::kUpdate:
      return v1::AuditEntry::UPDATE;
    case AuditAction::kDelete:
      return v1::AuditEntry::DELETE;
  }
  return v1::AuditEntry::ACTION_UNSPECIFIED;
}

// ---- Records, inbound -----------------------------------------------------

namespace {

// The creation and update times of a record, when `mask` names them
// (imports keep the legacy times).
template <typename Proto, typename Record>
absl::Status TimesFromProto(const Proto& proto, const FieldMask& mask,
                            absl::string_view field, Record* record) {
  if (mask.Has("create_time")) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        record->create_time,
        TimeFromProto(proto.create_time(), Path(field, "create_time")));
  }
  if (mask.Has("update_time")) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        record->update_time,
        TimeFromProto(proto.update_time(), Path(field, "update_time")));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Configuration> ConfigurationFromProto(
    const v1::Configuration& proto, const FieldMask& mask,
    absl::string_view field) {
  Configuration record;
  record.key = proto.key();
  record.etag = proto.etag();
  if (mask.Has("value")) record.value = proto.value();
  if (mask.Has("category")) {
    record.category = proto.category().empty() ? "general" : proto.category();
  }
  if (mask.Has("description")) record.description = proto.description();
  if (mask.Has("is_sensitive")) record.is_sensitive = proto.is_sensitive();
  OPSBRAIN_RETURN_IF_ERROR(TimesFromProto(proto, mask, field, &record));
  return record;
}

absl::StatusOr<ThreadContext> ThreadContextFromProto(
    const v1::ThreadContext& proto, const FieldMask& mask,
    absl::string_view field) {
  OPSBRAIN_ASSIGN_OR_RETURN(
      ThreadKeyParts parts,
      ParseThreadKey(Path(field, "thread_key"), proto.thread_key()));
  if (!proto.channel_id().empty() && proto.channel_id() != parts.channel_id) {
    return Invalid(Path(field, "channel_id"),
                   absl::StrCat("'", Excerpt(proto.channel_id()),
                                "' does not agree with thread_key"));
  }
  if (!proto.thread_ts().empty() && parts.thread_ts != proto.thread_ts()) {
    return Invalid(Path(field, "thread_ts"),
                   absl::StrCat("'", Excerpt(proto.thread_ts()),
                                "' does not agree with thread_key"));
  }

  ThreadContext record;
  record.thread_key = proto.thread_key();
  record.channel_id = std::move(parts.channel_id);
  record.thread_ts = std::move(parts.thread_ts);
  record.etag = proto.etag();
  if (mask.Has("messages")) record.messages = ToVector(proto.messages());
  OPSBRAIN_RETURN_IF_ERROR(TimesFromProto(proto, mask, field, &record));
  if (mask.Has("expire_time")) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        record.expire_time,
        TimeFromProto(proto.expire_time(), Path(field, "expire_time")));
  }
  return record;
}

absl::StatusOr<BusinessGoal> BusinessGoalFromProto(
    const v1::BusinessGoal& proto, const FieldMask& mask,
    absl::string_view field) {
  BusinessGoal record;
  record.id = proto.id();
  record.etag = proto.etag();
  if (mask.Has("title")) record.title = proto.title();
  if (mask.Has("description")) record.description = proto.description();
  if (mask.Has("area")) record.area = proto.area();
  if (mask.Has("status")) {
    record.status = proto.status().empty() ? "not_started" : proto.status();
  }
  if (mask.Has("priority")) {
    record.priority =
        proto.priority() == 0 ? kDefaultPriority : proto.priority();
  }
  if (mask.Has("target_date")) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        record.target_date,
        DateFromProto(proto.has_target_date(), proto.target_date(),
                      Path(field, "target_date")));
  }
  if (mask.Has("progress")) record.progress = proto.progress();
  if (mask.Has("weekly_actions")) {
    record.weekly_actions = ToVector(proto.weekly_actions());
  }
  if (mask.Has("daily_actions")) {
    record.daily_actions = ToVector(proto.daily_actions());
  }
  if (mask.Has("success_metrics")) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        record.success_metrics_json,
        StructToJson(proto.success_metrics(), Path(field, "success_metrics")));
  }
  if (mask.Has("notes")) record.notes = proto.notes();
  OPSBRAIN_RETURN_IF_ERROR(TimesFromProto(proto, mask, field, &record));
  return record;
}

absl::StatusOr<AppSetting> AppSettingFromProto(const v1::AppSetting& proto,
                                               const FieldMask& mask,
                                               absl::string_view field) {
  AppSetting record;
  record.key = proto.key();
  record.etag = proto.etag();
  if (mask.Has("value")) record.value = proto.value();
  if (mask.Has("type")) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        record.type, SettingTypeFromProto(proto.type(), Path(field, "type")));
  }
  if (mask.Has("description")) record.description = proto.description();
  OPSBRAIN_RETURN_IF_ERROR(TimesFromProto(proto, mask, field, &record));
  return record;
}

absl::StatusOr<UserPreference> UserPreferenceFromProto(
    const v1::UserPreference& proto, const FieldMask& mask,
    absl::string_view field) {
  UserPreference record;
  record.user_id = proto.user_id();
  record.key = proto.key();
  record.etag = proto.etag();
  if (mask.Has("value")) record.value = proto.value();
  OPSBRAIN_RETURN_IF_ERROR(TimesFromProto(proto, mask, field, &record));
  return record;
}

absl::StatusOr<AuditEntry> AuditEntryFromProto(const v1::AuditEntry& proto,
                                               absl::string_view field) {
  AuditEntry record;
  record.id = proto.id();
  record.table_name = proto.table_name();
  record.record_id = proto.record_id();
  OPSBRAIN_ASSIGN_OR_RETURN(
      record.action,
      AuditActionFromProto(proto.action(), Path(field, "action")));
  if (proto.has_old_values()) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        record.old_values_json,
        StructToJson(proto.old_values(), Path(field, "old_values")));
  }
  if (proto.has_new_values()) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        record.new_values_json,
        StructToJson(proto.new_values(), Path(field, "new_values")));
  }
  record.actor = proto.actor();
  OPSBRAIN_ASSIGN_OR_RETURN(
      record.change_time,
      TimeFromProto(proto.change_time(), Path(field, "change_time")));
  return record;
}

absl::StatusOr<PerformanceMetric> PerformanceMetricFromProto(
    const v1::PerformanceMetric& proto, absl::Time default_time,
    absl::string_view field) {
  PerformanceMetric record;
  record.name = proto.name();
  record.value = proto.value();
  record.unit = proto.unit();
  record.time = default_time;
  if (proto.has_time()) {
    OPSBRAIN_ASSIGN_OR_RETURN(record.time,
                              TimeFromProto(proto.time(), Path(field, "time")));
  }
  if (proto.has_additional_data()) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        record.additional_data_json,
        StructToJson(proto.additional_data(), Path(field, "additional_data")));
  }
  return record;
}

// ---- Records, outbound ----------------------------------------------------

void ConfigurationToProto(const Configuration& record,
                          v1::Configuration* proto) {
  proto->set_key(record.key);
  proto->set_value(record.value);
  proto->set_category(record.category);
  proto->set_description(record.description);
  proto->set_is_sensitive(record.is_sensitive);
  proto->set_value_redacted(false);
  TimeToProto(record.create_time, proto->mutable_create_time());
  TimeToProto(record.update_time, proto->mutable_update_time());
  proto->set_etag(record.etag);
}

void ThreadContextToProto(const ThreadContext& record,
                          v1::ThreadContext* proto) {
  proto->set_thread_key(record.thread_key);
  proto->set_channel_id(record.channel_id);
  proto->set_thread_ts(record.thread_ts.value_or(""));
  proto->mutable_messages()->Assign(record.messages.begin(),
                                    record.messages.end());
  TimeToProto(record.create_time, proto->mutable_create_time());
  TimeToProto(record.update_time, proto->mutable_update_time());
  TimeToProto(record.expire_time, proto->mutable_expire_time());
  proto->set_etag(record.etag);
}

absl::Status BusinessGoalToProto(const BusinessGoal& record,
                                 v1::BusinessGoal* proto) {
  proto->set_id(record.id);
  proto->set_title(record.title);
  proto->set_description(record.description);
  proto->set_area(record.area);
  proto->set_status(record.status);
  proto->set_priority(record.priority);
  if (record.target_date.has_value()) {
    DateToProto(*record.target_date, proto->mutable_target_date());
  } else {
    proto->clear_target_date();
  }
  proto->set_progress(record.progress);
  proto->mutable_weekly_actions()->Assign(record.weekly_actions.begin(),
                                          record.weekly_actions.end());
  proto->mutable_daily_actions()->Assign(record.daily_actions.begin(),
                                         record.daily_actions.end());
  OPSBRAIN_RETURN_IF_ERROR(StructFromJson(record.success_metrics_json,
                                          "business_goal.success_metrics",
                                          proto->mutable_success_metrics()));
  proto->set_notes(record.notes);
  TimeToProto(record.create_time, proto->mutable_create_time());
  TimeToProto(record.update_time, proto->mutable_update_time());
  proto->set_etag(record.etag);
  return absl::OkStatus();
}

void AppSettingToProto(const AppSetting& record, v1::AppSetting* proto) {
  proto->set_key(record.key);
  proto->set_value(record.value);
  proto->set_type(SettingTypeToProto(record.type));
  proto->set_description(record.description);
  TimeToProto(record.create_time, proto->mutable_create_time());
  TimeToProto(record.update_time, proto->mutable_update_time());
  proto->set_etag(record.etag);
}

void UserPreferenceToProto(const UserPreference& record,
                           v1::UserPreference* proto) {
  proto->set_user_id(record.user_id);
  proto->set_key(record.key);
  proto->set_value(record.value);
  TimeToProto(record.create_time, proto->mutable_create_time());
  TimeToProto(record.update_time, proto->mutable_update_time());
  proto->set_etag(record.etag);
}

absl::Status AuditEntryToProto(const AuditEntry& record,
                               v1::AuditEntry* proto) {
  proto->set_id(record.id);
  proto->set_table_name(record.table_name);
  proto->set_record_id(record.record_id);
  proto->set_action(AuditActionToProto(record.action));
  proto->clear_old_values();
  if (record.old_values_json.has_value()) {
    OPSBRAIN_RETURN_IF_ERROR(StructFromJson(*record.old_values_json,
                                            "audit_entry.old_values",
                                            proto->mutable_old_values()));
  }
  proto->clear_new_values();
  if (record.new_values_json.has_value()) {
    OPSBRAIN_RETURN_IF_ERROR(StructFromJson(*record.new_values_json,
                                            "audit_entry.new_values",
                                            proto->mutable_new_values()));
  }
  proto->set_actor(record.actor);
  TimeToProto(record.change_time, proto->mutable_change_time());
  return absl::OkStatus();
}

absl::Status PerformanceMetricToProto(const PerformanceMetric& record,
                                      v1::PerformanceMetric* proto) {
  proto->set_id(record.id);
  proto->set_name(record.name);
  proto->set_value(record.value);
  proto->set_unit(record.unit);
  TimeToProto(record.time, proto->mutable_time());
  proto->clear_additional_data();
  if (record.additional_data_json.has_value()) {
    OPSBRAIN_RETURN_IF_ERROR(StructFromJson(
        *record.additional_data_json, "performance_metric.additional_data",
        proto->mutable_additional_data()));
  }
  return absl::OkStatus();
}

}  // namespace opsbrain::service
