#include "storage_service/service/validation.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/status_macros.h"
#include "common/utf8.h"
#include "storage_service/records.h"
#include "storage_service/repository.h"
#include "storage_service/service/setting_values.h"

namespace opsbrain::service {
namespace {

constexpr absl::string_view kCategories[] = {
    "general", "api",       "slack",   "notion",     "openai",
    "trello",  "dashboard", "prompts", "scheduling", "features"};
constexpr absl::string_view kAreas[] = {"sales",     "delivery", "product",
                                        "financial", "team",     "process"};
constexpr absl::string_view kStatuses[] = {"not_started", "in_progress",
                                           "completed", "blocked", "deferred"};

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

std::string Path(absl::string_view record, absl::string_view name) {
  return absl::StrCat(record, ".", name);
}

absl::StatusOr<std::string> OneOf(absl::string_view field,
                                  absl::string_view value,
                                  absl::Span<const absl::string_view> allowed) {
  const std::string lower = absl::AsciiStrToLower(value);
  if (std::find(allowed.begin(), allowed.end(), lower) != allowed.end()) {
    return lower;
  }
  return Invalid(field, absl::StrCat("'", Excerpt(value), "' is not one of ",
                                     absl::StrJoin(allowed, ", ")));
}

absl::Status CheckRange(absl::string_view field, int64_t value, int64_t low,
                        int64_t high) {
  if (value < low || value > high) {
    return Invalid(field, absl::StrCat("must be between ", low, " and ", high,
                                       ", got ", value));
  }
  return absl::OkStatus();
}

absl::Status CheckList(absl::string_view field,
                       const std::vector<std::string>& items, size_t max_items,
                       size_t max_item_bytes, size_t max_total_bytes) {
  if (items.size() > max_items) {
    return Invalid(field, absl::StrCat("must have at most ", max_items,
                                       " items, got ", items.size()));
  }
  size_t total = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    OPSBRAIN_RETURN_IF_ERROR(
        CheckText(absl::StrCat(field, "[", i, "]"), items[i], max_item_bytes));
    total += items[i].size();
  }
  if (total > max_total_bytes) {
    return Invalid(field, absl::StrCat("must total at most ", max_total_bytes,
                                       " bytes, got ", total));
  }
  return absl::OkStatus();
}

absl::Status CheckJsonSize(absl::string_view field, absl::string_view json,
                           size_t max_bytes) {
  if (json.size() > max_bytes) {
    return Invalid(field, absl::StrCat("must be at most ", max_bytes,
                                       " bytes as JSON, got ", json.size()));
  }
  return absl::OkStatus();
}

}  // namespace

// ---- Single values ------------------------------------------------------

absl::Status CheckText(absl::string_view field, absl::string_view value,
                       size_t max_bytes) {
  if (value.size() > max_bytes) {
    return Invalid(field, absl::StrCat("must be at most ", max_bytes,
                                       " bytes, got ", value.size()));
  }
  if (!IsValidUtf8(value)) return Invalid(field, "must be valid UTF-8");
  if (absl::StrContains(value, '\0')) {
    return Invalid(field, "must not contain NUL characters");
  }
  return absl::OkStatus();
}

absl::Status CheckIdentifier(absl::string_view field, absl::string_view value) {
  if (value.empty()) return Invalid(field, "must not be empty");
  return CheckText(field, value, kMaxIdentifierBytes);
}

absl::Status CheckFinite(absl::string_view field, double value) {
  if (!std::isfinite(value)) return Invalid(field, "must be a finite number");
  return absl::OkStatus();
}

absl::Status CheckEtag(absl::string_view field, absl::string_view etag) {
  return CheckText(field, etag, kMaxEtagBytes);
}

absl::StatusOr<std::string> CanonicalCategory(absl::string_view field,
                                              absl::string_view value) {
  if (value.empty()) return std::string("general");
  return OneOf(field, value, kCategories);
}

absl::StatusOr<std::string> CanonicalArea(absl::string_view field,
                                          absl::string_view value) {
  if (value.empty()) {
    return Invalid(
        field, absl::StrCat("must be one of ", absl::StrJoin(kAreas, ", ")));
  }
  return OneOf(field, value, kAreas);
}

absl::StatusOr<std::string> CanonicalStatus(absl::string_view field,
                                            absl::string_view value) {
  if (value.empty()) return std::string("not_started");
  return OneOf(field, value, kStatuses);
}

// ---- Thread keys --------------------------------------------------------

absl::StatusOr<ThreadKeyParts> ParseThreadKey(absl::string_view field,
                                              absl::string_view thread_key) {
  OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier(field, thread_key));
  const size_t colon = thread_key.find(':');
  if (colon == 0) return Invalid(field, "must not start with ':'");
  if (thread_key.back() == ':') return Invalid(field, "must not end with ':'");

  ThreadKeyParts parts;
  parts.channel_id = std::string(thread_key.substr(0, colon));
  if (colon != absl::string_view::npos) {
    parts.thread_ts = std::string(thread_key.substr(colon + 1));
  }
  return parts;
}

absl::Status CheckChannelId(absl::string_view field,
                            absl::string_view channel_id) {
  OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier(field, channel_id));
  if (absl::StrContains(channel_id, ':')) {
    return Invalid(field, "must not contain ':'");
  }
  return absl::OkStatus();
}

// ---- Paging -------------------------------------------------------------

absl::StatusOr<int> EffectivePageSize(absl::string_view field,
                                      int32_t page_size) {
  if (page_size < 0) {
    return Invalid(field,
                   absl::StrCat("must not be negative, got ", page_size));
  }
  if (page_size == 0) return kDefaultPageSize;
  return std::min<int>(page_size, kMaxPageSize);
}

absl::Status CheckPageToken(absl::string_view field, absl::string_view token) {
  return CheckText(field, token, kMaxPageTokenBytes);
}

// ---- Records ------------------------------------------------------------

absl::Status ValidateConfiguration(absl::string_view field,
                                   const FieldMask& mask,
                                   Configuration* config) {
  OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier(Path(field, "key"), config->key));
  OPSBRAIN_RETURN_IF_ERROR(CheckEtag(Path(field, "etag"), config->etag));
  if (mask.Has("value")) {
    OPSBRAIN_RETURN_IF_ERROR(
        CheckText(Path(field, "value"), config->value, kMaxValueBytes));
  }
  if (mask.Has("category")) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        config->category,
        CanonicalCategory(Path(field, "category"), config->category));
  }
  if (mask.Has("description")) {
    OPSBRAIN_RETURN_IF_ERROR(CheckText(Path(field, "description"),
                                       config->description, kMaxLongTextBytes));
  }
  return absl::OkStatus();
}

absl::Status ValidateThreadContext(absl::string_view field,
                                   const FieldMask& mask,
                                   ThreadContext* thread) {
  OPSBRAIN_RETURN_IF_ERROR(
      ParseThreadKey(Path(field, "thread_key"), thread->thread_key).status());
  OPSBRAIN_RETURN_IF_ERROR(CheckEtag(Path(field, "etag"), thread->etag));
  if (mask.Has("messages")) {
    OPSBRAIN_RETURN_IF_ERROR(
        CheckList(Path(field, "messages"), thread->messages, kMaxThreadMessages,
                  kMaxThreadMessageBytes, kMaxThreadTotalBytes));
  }
  return absl::OkStatus();
}

absl::Status ValidateBusinessGoal(absl::string_view field,
                                  const FieldMask& mask, BusinessGoal* goal) {
  OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier(Path(field, "id"), goal->id));
  OPSBRAIN_RETURN_IF_ERROR(CheckEtag(Path(field, "etag"), goal->etag));
  if (mask.Has("title")) {
    OPSBRAIN_RETURN_IF_ERROR(
        CheckText(Path(field, "title"), goal->title, kMaxTitleBytes));
  }
  if (mask.Has("description")) {
    OPSBRAIN_RETURN_IF_ERROR(CheckText(Path(field, "description"),
                                       goal->description, kMaxLongTextBytes));
  }
  if (mask.Has("area")) {
    OPSBRAIN_ASSIGN_OR_RETURN(goal->area,
                              CanonicalArea(Path(field, "area"), goal->area));
  }
  if (mask.Has("status")) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        goal->status, CanonicalStatus(Path(field, "status"), goal->status));
  }
  if (mask.Has("priority")) {
    OPSBRAIN_RETURN_IF_ERROR(CheckRange(Path(field, "priority"), goal->priority,
                                        kMinPriority, kMaxPriority));
  }
  if (mask.Has("progress")) {
    OPSBRAIN_RETURN_IF_ERROR(
        CheckRange(Path(field, "progress"), goal->progress, 0, kMaxProgress));
  }
  if (mask.Has("weekly_actions")) {
    OPSBRAIN_RETURN_IF_ERROR(CheckList(
        Path(field, "weekly_actions"), goal->weekly_actions, kMaxActionItems,
        kMaxActionItemBytes, kMaxActionItems * kMaxActionItemBytes));
  }
  if (mask.Has("daily_actions")) {
    OPSBRAIN_RETURN_IF_ERROR(CheckList(
        Path(field, "daily_actions"), goal->daily_actions, kMaxActionItems,
        kMaxActionItemBytes, kMaxActionItems * kMaxActionItemBytes));
  }
  if (mask.Has("success_metrics")) {
    OPSBRAIN_RETURN_IF_ERROR(CheckJsonSize(Path(field, "success_metrics"),
                                           goal->success_metrics_json,
                                           kMaxObjectJsonBytes));
  }
  if (mask.Has("notes")) {
    OPSBRAIN_RETURN_IF_ERROR(
        CheckText(Path(field, "notes"), goal->notes, kMaxLongTextBytes));
  }
  return absl::OkStatus();
}

absl::Status ValidateAppSetting(absl::string_view field, const FieldMask& mask,
                                AppSetting* setting) {
  OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier(Path(field, "key"), setting->key));
  OPSBRAIN_RETURN_IF_ERROR(CheckEtag(Path(field, "etag"), setting->etag));
  if (mask.Has("value")) {
    OPSBRAIN_RETURN_IF_ERROR(
        CheckText(Path(field, "value"), setting->value, kMaxValueBytes));
  }
  if (mask.Has("description")) {
    OPSBRAIN_RETURN_IF_ERROR(CheckText(
        Path(field, "description"), setting->description, kMaxLongTextBytes));
  }
  if (mask.Has("value") && mask.Has("type")) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        setting->value, CanonicalSettingValue(setting->type, setting->value,
                                              Path(field, "value")));
  }
  return absl::OkStatus();
}

absl::Status ValidateUserPreference(absl::string_view field,
                                    const FieldMask& mask,
                                    UserPreference* preference) {
  OPSBRAIN_RETURN_IF_ERROR(
      CheckIdentifier(Path(field, "user_id"), preference->user_id));
  OPSBRAIN_RETURN_IF_ERROR(
      CheckIdentifier(Path(field, "key"), preference->key));
  OPSBRAIN_RETURN_IF_ERROR(CheckEtag(Path(field, "etag"), preference->etag));
  if (mask.Has("value")) {
    OPSBRAIN_RETURN_IF_ERROR(
        CheckText(Path(field, "value"), preference->value, kMaxValueBytes));
  }
  return absl::OkStatus();
}

absl::Status ValidateAuditEntry(absl::string_view field,
                                const AuditEntry& entry) {
  OPSBRAIN_RETURN_IF_ERROR(
      CheckIdentifier(Path(field, "table_name"), entry.table_name));
  OPSBRAIN_RETURN_IF_ERROR(CheckText(Path(field, "record_id"), entry.record_id,
                                     kMaxAuditRecordIdBytes));
  OPSBRAIN_RETURN_IF_ERROR(
      CheckText(Path(field, "actor"), entry.actor, kMaxAuditActorBytes));
  if (entry.old_values_json.has_value()) {
    OPSBRAIN_RETURN_IF_ERROR(CheckJsonSize(
        Path(field, "old_values"), *entry.old_values_json, kMaxAuditJsonBytes));
  }
  if (entry.new_values_json.has_value()) {
    OPSBRAIN_RETURN_IF_ERROR(CheckJsonSize(
        Path(field, "new_values"), *entry.new_values_json, kMaxAuditJsonBytes));
  }
  return absl::OkStatus();
}

absl::Status ValidatePerformanceMetric(absl::string_view field,
                                       const PerformanceMetric& metric) {
  OPSBRAIN_RETURN_IF_ERROR(CheckIdentifier(Path(field, "name"), metric.name));
  OPSBRAIN_RETURN_IF_ERROR(CheckFinite(Path(field, "value"), metric.value));
  OPSBRAIN_RETURN_IF_ERROR(
      CheckText(Path(field, "unit"), metric.unit, kMaxUnitBytes));
  if (metric.additional_data_json.has_value()) {
    OPSBRAIN_RETURN_IF_ERROR(CheckJsonSize(Path(field, "additional_data"),
                                           *metric.additional_data_json,
                                           kMaxObjectJsonBytes));
  }
  return absl::OkStatus();
}

}  // namespace opsbrain::service
