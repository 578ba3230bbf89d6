// The input rules of the Repository API and of the import, in one place.
//
// Limits (bytes are UTF-8 bytes):
//   configuration.key, app_setting.key, user_preference.user_id,
//   user_preference.key, business_goal.id, thread_context.thread_key,
//   channel ids, performance_metric.name, audit table_name   1..255 bytes
//   configuration.value, app_setting.value, user_preference.value,
//   descriptions (configuration, setting, goal), business_goal.notes
//                                                            <= 64 KiB
//   business_goal.title                                      <= 1 KiB
//   business_goal.weekly_actions / daily_actions   <= 1000 items, each <= 4 KiB
//   business_goal.success_metrics, performance_metric.additional_data
//                                            <= 64 KiB as stored JSON text
//   thread_context.messages      <= 1000 items, each <= 64 KiB, total <= 1 MiB
//   performance_metric.unit                                  <= 64 bytes
//   audit record_id <= 511 bytes, actor <= 255 bytes, old/new values
//   <= 1 MiB of JSON each (imports only)
//   etags <= 255 bytes; page tokens <= 1 KiB
//   page_size: negative is rejected, 0 means kDefaultPageSize (50), more
//   than kMaxPageSize (1000) is clamped to it.
// Text rules: every string is well-formed UTF-8 (common/utf8.h) without
// NUL (U+0000); every double is finite.
// Enumerations:
//   category   general, api, slack, notion, openai, trello, dashboard,
//              prompts, scheduling, features; empty means general
//   area       sales, delivery, product, financial, team, process
//   status     not_started, in_progress, completed, blocked, deferred;
//              empty means not_started
//   all three are matched in any letter case and stored in lower case.
//   priority 1..4 (0 means the default, 2, and is replaced by conversion);
//   progress 0..100.
//
// Every failure is INVALID_ARGUMENT whose message starts with the field
// path, e.g. "configuration.key: must not be empty".
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_VALIDATION_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_VALIDATION_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage_service/records.h"
#include "storage_service/repository.h"

namespace opsbrain::service {

inline constexpr size_t kMaxIdentifierBytes = 255;
inline constexpr size_t kMaxValueBytes = 64 * 1024;
inline constexpr size_t kMaxLongTextBytes = 64 * 1024;
inline constexpr size_t kMaxTitleBytes = 1024;
inline constexpr size_t kMaxActionItems = 1000;
inline constexpr size_t kMaxActionItemBytes = 4 * 1024;
inline constexpr size_t kMaxObjectJsonBytes = 64 * 1024;
inline constexpr size_t kMaxThreadMessages = 1000;
inline constexpr size_t kMaxThreadMessageBytes = 64 * 1024;
inline constexpr size_t kMaxThreadTotalBytes = 1024 * 1024;
inline constexpr size_t kMaxUnitBytes = 64;
inline constexpr size_t kMaxAuditRecordIdBytes = 2 * kMaxIdentifierBytes + 1;
inline constexpr size_t kMaxAuditActorBytes = 255;
inline constexpr size_t kMaxAuditJsonBytes = 1024 * 1024;
inline constexpr size_t kMaxEtagBytes = 255;
inline constexpr size_t kMaxPageTokenBytes = 1024;
inline constexpr int32_t kMinPriority = 1;
inline constexpr int32_t kMaxPriority = 4;
inline constexpr int32_t kDefaultPriority = 2;
inline constexpr int32_t kMaxProgress = 100;

// ---- Single values ----------------------------------------------------

// Well-formed UTF-8, no NUL, at most `max_bytes`.
absl::Status CheckText(absl::string_view field, absl::string_view value,
                       size_t max_bytes);

// CheckText with kMaxIdentifierBytes, and not empty.
absl::Status CheckIdentifier(absl::string_view field, absl::string_view value);

// Not NaN and not infinite.
absl::Status CheckFinite(absl::string_view field, double value);

// CheckText with kMaxEtagBytes; empty is allowed (no expectation).
absl::Status CheckEtag(absl::string_view field, absl::string_view etag);

// The canonical (lower-case) form; empty means "general".
absl::StatusOr<std::string> CanonicalCategory(absl::string_view field,
                                              absl::string_view value);
// The canonical (lower-case) form; empty is rejected.
absl::StatusOr<std::string> CanonicalArea(absl::string_view field,
                                          absl::string_view value);
// The canonical (lower-case) form; empty means "not_started".
absl::StatusOr<std::string> CanonicalStatus(absl::string_view field,
                                            absl::string_view value);

// ---- Thread keys --------------------------------------------------------

struct ThreadKeyParts {
  std::string channel_id;
  // Absent outside threads.
  std::optional<std::string> thread_ts;
};

// Splits `thread_key` ("channel" or "channel:thread_ts") at its first ':'
// after CheckIdentifier. A key that starts or ends with ':' is rejected.
absl::StatusOr<ThreadKeyParts> ParseThreadKey(absl::string_view field,
                                              absl::string_view thread_key);

// CheckIdentifier, and no ':'.
absl::Status CheckChannelId(absl::string_view field,
                            absl::string_view channel_id);

// ---- Paging -------------------------------------------------------------

// The page size to ask the repository for: kDefaultPageSize for 0, at most
// kMaxPageSize; INVALID_ARGUMENT when negative.
absl::StatusOr<int> EffectivePageSize(absl::string_view field,
                                      int32_t page_size);

// CheckText with kMaxPageTokenBytes. The repository judges the content.
absl::Status CheckPageToken(absl::string_view field, absl::string_view token);

// ---- Records ------------------------------------------------------------
//
// Each checks the record's identity fields and etag, and those of its other
// fields that `mask` names; enumerations are replaced by their canonical
// form. `field` is the record's path ("configuration"), the prefix of every
// message.

absl::Status ValidateConfiguration(absl::string_view field,
                                   const FieldMask& mask,
                                   Configuration* config);

absl::Status ValidateThreadContext(absl::string_view field,
                                   const FieldMask& mask,
                                   ThreadContext* thread);

absl::Status ValidateBusinessGoal(absl::string_view field,
                                  const FieldMask& mask, BusinessGoal* goal);

// When `mask` names both value and type, the value must also parse as the
// type, and is replaced by its stored form (setting_values.h). When it names
// only one of them the caller must check the merged record itself.
absl::Status ValidateAppSetting(absl::string_view field, const FieldMask& mask,
                                AppSetting* setting);

absl::Status ValidateUserPreference(absl::string_view field,
                                    const FieldMask& mask,
                                    UserPreference* preference);

// Audit entries are only ever imported; every field is checked.
absl::Status ValidateAuditEntry(absl::string_view field,
                                const AuditEntry& entry);

// Every field is checked.
absl::Status ValidatePerformanceMetric(absl::string_view field,
                                       const PerformanceMetric& metric);

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_VALIDATION_H_
