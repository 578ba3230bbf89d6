#include "storage_service/service/field_masks.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/utf8.h"
#include "google/protobuf/field_mask.pb.h"
#include "opsbrain/v1/records.pb.h"
#include "opsbrain/v1/repository.pb.h"
#include "storage_service/repository.h"

namespace opsbrain::service {
namespace {

using Names = absl::Span<const absl::string_view>;

// The fields of one record kind, by role.
struct RecordFields {
  absl::string_view message;  // For error messages.
  Names writable;
  Names identity;
  Names output_only;
};

constexpr absl::string_view kTimes[] = {"create_time", "update_time"};

constexpr absl::string_view kConfigurationWritable[] = {
    "value", "category", "description", "is_sensitive"};
constexpr absl::string_view kConfigurationIdentity[] = {"key"};
constexpr absl::string_view kConfigurationOutputOnly[] = {
    "create_time", "update_time", "etag", "value_redacted"};
constexpr RecordFields kConfigurationFields = {
    "Configuration", kConfigurationWritable, kConfigurationIdentity,
    kConfigurationOutputOnly};

constexpr absl::string_view kThreadContextWritable[] = {"messages"};
constexpr absl::string_view kThreadContextIdentity[] = {"thread_key"};
constexpr absl::string_view kThreadContextOutputOnly[] = {
    "channel_id",  "thread_ts",   "create_time",
    "update_time", "expire_time", "etag"};
constexpr RecordFields kThreadContextFields = {
    "ThreadContext", kThreadContextWritable, kThreadContextIdentity,
    kThreadContextOutputOnly};

constexpr absl::string_view kBusinessGoalWritable[] = {
    "title",         "description",     "area",     "status",
    "priority",      "target_date",     "progress", "weekly_actions",
    "daily_actions", "success_metrics", "notes"};
constexpr absl::string_view kBusinessGoalIdentity[] = {"id"};
constexpr absl::string_view kPlainOutputOnly[] = {"create_time", "update_time",
                                                  "etag"};
constexpr RecordFields kBusinessGoalFields = {
    "BusinessGoal", kBusinessGoalWritable, kBusinessGoalIdentity,
    kPlainOutputOnly};

constexpr absl::string_view kAppSettingWritable[] = {"value", "type",
                                                     "description"};
constexpr absl::string_view kKeyIdentity[] = {"key"};
constexpr RecordFields kAppSettingFields = {"AppSetting", kAppSettingWritable,
                                            kKeyIdentity, kPlainOutputOnly};

constexpr absl::string_view kUserPreferenceWritable[] = {"value"};
constexpr absl::string_view kUserPreferenceIdentity[] = {"user_id", "key"};
constexpr RecordFields kUserPreferenceFields = {
    "UserPreference", kUserPreferenceWritable, kUserPreferenceIdentity,
    kPlainOutputOnly};

bool Contains(Names names, absl::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

void Append(Names names, std::vector<std::string>* out) {
  for (absl::string_view name : names) out->emplace_back(name);
}

absl::Status BadPath(absl::string_view path, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("update_mask: '", Excerpt(path), "' ", problem));
}

// The explicit mask when the request carries paths, else the implied one.
absl::StatusOr<FieldMask> Resolve(
    const google::protobuf::FieldMask& explicit_mask,
    const RecordFields& fields, std::vector<std::string> implied) {
  if (explicit_mask.paths().empty()) return FieldMask(std::move(implied));

  std::vector<std::string> paths;
  for (const std::string& path : explicit_mask.paths()) {
    if (path == "*") {
      Append(fields.writable, &paths);
    } else if (Contains(fields.writable, path)) {
      paths.push_back(path);
    } else if (Contains(fields.identity, path)) {
      return BadPath(path, "is an identity field and cannot be updated");
    } else if (Contains(fields.output_only, path)) {
      return BadPath(path, "is output only");
    } else {
      return BadPath(path, absl::StrCat("is not a field of ", fields.message));
    }
  }
  return FieldMask(std::move(paths));
}

// Collects the names of fields that hold a non-default value.
class Implied {
 public:
  Implied& Add(absl::string_view name, bool set) {
    if (set) names_.emplace_back(name);
    return *this;
  }
  std::vector<std::string> Take() { return std::move(names_); }

 private:
  std::vector<std::string> names_;
};

FieldMask ImportMask(const RecordFields& fields, Names extra = {}) {
  std::vector<std::string> paths;
  Append(fields.writable, &paths);
  Append(kTimes, &paths);
  Append(extra, &paths);
  return FieldMask(std::move(paths));
}

}  // namespace

absl::StatusOr<FieldMask> ConfigurationUpdateMask(
    const v1::UpdateConfigurationRequest& request) {
  const v1::Configuration& r = request.configuration();
  return Resolve(request.update_mask(), kConfigurationFields,
                 Implied()
                     .Add("value", !r.value().empty())
                     .Add("category", !r.category().empty())
                     .Add("description", !r.description().empty())
                     .Add("is_sensitive", r.is_sensitive())
                     .Take());
}

absl::StatusOr<FieldMask> ThreadContextUpdateMask(
    const v1::UpdateThreadContextRequest& request) {
  const v1::ThreadContext& r = request.thread_context();
  return Resolve(request.update_mask(), kThreadContextFields,
                 Implied().Add("messages", r.messages_size() > 0).Take());
}

absl::StatusOr<FieldMask> BusinessGoalUpdateMask(
    const v1::UpdateBusinessGoalRequest& request) {
  const v1::BusinessGoal& r = request.business_goal();
  return Resolve(request.update_mask(), kBusinessGoalFields,
                 Implied()
                     .Add("title", !r.title().empty())
                     .Add("description", !r.description().empty())
                     .Add("area", !r.area().empty())
                     .Add("status", !r.status().empty())
                     .Add("priority", r.priority() != 0)
                     .Add("target_date", r.has_target_date())
                     .Add("progress", r.progress() != 0)
                     .Add("weekly_actions", r.weekly_actions_size() > 0)
                     .Add("daily_actions", r.daily_actions_size() > 0)
                     .Add("success_metrics", r.has_success_metrics())
                     .Add("notes", !r.notes().empty())
                     .Take());
}

absl::StatusOr<FieldMask> AppSettingUpdateMask(
    const v1::UpdateAppSettingRequest& request) {
  const v1::AppSetting& r = request.app_setting();
  return Resolve(request.update_mask(), kAppSettingFields,
                 Implied()
                     .Add("value", !r.value().empty())
                     .Add("type", r.type() != v1::AppSetting::TYPE_UNSPECIFIED)
                     .Add("description", !r.description().empty())
                     .Take());
}

absl::StatusOr<FieldMask> UserPreferenceUpdateMask(
    const v1::UpdateUserPreferenceRequest& request) {
  const v1::UserPreference& r = request.user_preference();
  return Resolve(request.update_mask(), kUserPreferenceFields,
                 Implied().Add("value", !r.value().empty()).Take());
}

const FieldMask& ConfigurationImportMask() {
  static const FieldMask* const mask =
      new FieldMask(ImportMask(kConfigurationFields));
  return *mask;
}

const FieldMask& ThreadContextImportMask() {
  static constexpr absl::string_view kExpireTime[] = {"expire_time"};
  static const FieldMask* const mask =
      new FieldMask(ImportMask(kThreadContextFields, kExpireTime));
  return *mask;
}

const FieldMask& BusinessGoalImportMask() {
  static const FieldMask* const mask =
      new FieldMask(ImportMask(kBusinessGoalFields));
  return *mask;
}

const FieldMask& AppSettingImportMask() {
  static const FieldMask* const mask =
      new FieldMask(ImportMask(kAppSettingFields));
  return *mask;
}

const FieldMask& UserPreferenceImportMask() {
  static const FieldMask* const mask =
      new FieldMask(ImportMask(kUserPreferenceFields));
  return *mask;
}

}  // namespace opsbrain::service
