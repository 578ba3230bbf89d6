// The Repository: OpsBrain's records, whatever database holds them.
//
// One implementation (sql/sql_repository.h) serves both PostgreSQL and
// SQLite through their drivers. Callers validate input first (the service
// layer does: non-empty keys, valid UTF-8, size limits, canonical area and
// status, typed setting values); the repository enforces what only the
// database can: existence, etags, transactions, audit rows.
//
// Contract shared by every method:
// - An absent record is NOT_FOUND; a record whose etag differs from a
//   non-empty expected etag is ABORTED; a bad page token is
//   INVALID_ARGUMENT; an unreachable database is UNAVAILABLE.
// - Every write runs in one transaction together with its audit row
//   (configurations, settings, preferences, goals). Audit rows never hold a
//   sensitive configuration value; they hold "[REDACTED]" instead.
// - Times are UTC instants truncated to microseconds.
//
// Implementations are thread-safe.
#ifndef OPSBRAIN_STORAGE_SERVICE_REPOSITORY_H_
#define OPSBRAIN_STORAGE_SERVICE_REPOSITORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage_service/records.h"

namespace opsbrain {

// The fields an update writes, by record field name ("value", "category",
// ...). Identity fields and output-only fields are never written.
class FieldMask {
 public:
  FieldMask() = default;
  explicit FieldMask(std::vector<std::string> paths);

  bool Has(absl::string_view path) const;
  const std::vector<std::string>& paths() const { return paths_; }

 private:
  std::vector<std::string> paths_;  // Sorted, unique.
};

// Who writes, and the time the write takes effect.
struct WriteContext {
  std::string actor = "system";
  absl::Time now;
  // Whether the caller may read sensitive configuration values (the
  // `secrets` scope). Clearing a configuration's is_sensitive flag reveals
  // its value, so it needs this: PERMISSION_DENIED otherwise.
  bool may_read_secrets = false;
};

struct PageRequest {
  // Already clamped by the caller to [1, kMaxPageSize].
  int page_size = 50;
  // Empty for the first page.
  std::string page_token;
};

template <typename T>
struct Page {
  std::vector<T> items;
  // Empty on the last page.
  std::string next_page_token;
};

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// Masked stand-in for sensitive values in audit rows.
inline constexpr char kRedacted[] = "[REDACTED]";

// Thread lifetime when the configuration thread_context_cleanup_hours is
// absent or not a positive integer.
inline constexpr absl::Duration kDefaultThreadLifetime = absl::Hours(24);

// Messages a thread keeps when the configuration max_thread_context_messages
// is absent or not a positive integer (the legacy seed's value).
inline constexpr int kDefaultMaxThreadMessages = 10;
// The channel_id that lists the live threads of every channel (the "-"
// wildcard of AIP-159), for an operator who does not know the channels.
inline constexpr char kAllChannels[] = "-";

class Repository {
 public:
  virtual ~Repository() = default;

  // ---- Configurations ----------------------------------------------------

  virtual absl::StatusOr<Configuration> GetConfiguration(
      absl::string_view key) = 0;
  // Ordered by key (bytewise). `category` empty means all.
  virtual absl::StatusOr<Page<Configuration>> ListConfigurations(
      absl::string_view category, const PageRequest& page) = 0;
  // Writes the `mask` fields of `config` to the record `config.key`.
  // A missing record is created when `allow_missing`, else NOT_FOUND.
  // Writes an INSERT or UPDATE audit row.
  virtual absl::StatusOr<Configuration> UpdateConfiguration(
      const Configuration& config, const FieldMask& mask, bool allow_missing,
      const WriteContext& context) = 0;
  virtual absl::Status DeleteConfiguration(absl::string_view key,
                                           absl::string_view etag,
                                           const WriteContext& context) = 0;

  // ---- Thread contexts ---------------------------------------------------

  // A thread whose expiry is at or before `now` is NOT_FOUND.
  virtual absl::StatusOr<ThreadContext> GetThreadContext(
      absl::string_view thread_key, absl::Time now) = 0;
  // Live threads of one channel (of all, for kAllChannels), most recently
  // saved first.
  virtual absl::StatusOr<Page<ThreadContext>> ListThreadContexts(
      absl::string_view channel_id, absl::Time now,
      const PageRequest& page) = 0;
  // Saves the thread (channel_id and thread_ts must agree with thread_key)
  // and sets its expiry to context.now plus the thread lifetime. An expired
  // thread is treated as absent: it is replaced, keeping nothing of it.
  // Only the newest max_thread_context_messages messages (a configuration;
  // kDefaultMaxThreadMessages when absent) are kept: older ones are dropped
  // from the front, and the returned thread shows what was stored.
  virtual absl::StatusOr<ThreadContext> UpdateThreadContext(
      const ThreadContext& thread, const FieldMask& mask, bool allow_missing,
      const WriteContext& context) = 0;
  virtual absl::Status DeleteThreadContext(absl::string_view thread_key,
                                           absl::string_view etag,
                                           const WriteContext& context) = 0;
  // Deletes every thread whose expiry is at or before `now`; returns how
  // many.
  virtual absl::StatusOr<int64_t> PurgeExpiredThreadContexts(
      absl::Time now) = 0;

  // ---- Business goals ----------------------------------------------------

  virtual absl::StatusOr<BusinessGoal> GetBusinessGoal(
      absl::string_view id) = 0;
  // `area` and `status` are canonical (lower case) or empty for all.
  // Ordered by priority descending, creation time descending, then id.
  virtual absl::StatusOr<Page<BusinessGoal>> ListBusinessGoals(
      absl::string_view area, absl::string_view status,
      const PageRequest& page) = 0;
  virtual absl::StatusOr<BusinessGoal> UpdateBusinessGoal(
      const BusinessGoal& goal, const FieldMask& mask, bool allow_missing,
      const WriteContext& context) = 0;
  virtual absl::Status DeleteBusinessGoal(absl::string_view id,
                                          absl::string_view etag,
                                          const WriteContext& context) = 0;

  // ---- App settings ------------------------------------------------------

  virtual absl::StatusOr<AppSetting> GetAppSetting(absl::string_view key) = 0;
  // Ordered by key.
  virtual absl::StatusOr<Page<AppSetting>> ListAppSettings(
      const PageRequest& page) = 0;
  // The merged record's value must already be valid for its type; callers
  // check it (see setting_values.h) before and after merging.
  virtual absl::StatusOr<AppSetting> UpdateAppSetting(
      const AppSetting& setting, const FieldMask& mask, bool allow_missing,
      const WriteContext& context) = 0;
  virtual absl::Status DeleteAppSetting(absl::string_view key,
                                        absl::string_view etag,
                                        const WriteContext& context) = 0;

  // ---- User preferences --------------------------------------------------

  virtual absl::StatusOr<UserPreference> GetUserPreference(
      absl::string_view user_id, absl::string_view key) = 0;
  // Ordered by key.
  virtual absl::StatusOr<Page<UserPreference>> ListUserPreferences(
      absl::string_view user_id, const PageRequest& page) = 0;
  virtual absl::StatusOr<UserPreference> UpdateUserPreference(
      const UserPreference& preference, const FieldMask& mask,
      bool allow_missing, const WriteContext& context) = 0;
  virtual absl::Status DeleteUserPreference(absl::string_view user_id,
                                            absl::string_view key,
                                            absl::string_view etag,
                                            const WriteContext& context) = 0;

  // ---- Audit log ---------------------------------------------------------

  // Newest first. Empty filters match all.
  virtual absl::StatusOr<Page<AuditEntry>> ListAuditEntries(
      absl::string_view table_name, absl::string_view record_id,
      const PageRequest& page) = 0;

  // ---- Performance metrics -----------------------------------------------

  // Records all of `metrics` in one transaction; returns them with ids.
  virtual absl::StatusOr<std::vector<PerformanceMetric>>
  CreatePerformanceMetrics(const std::vector<PerformanceMetric>& metrics) = 0;
  // Newest first (time, then id). `name` empty means all; `start`
  // inclusive, `end` exclusive, each optional.
  virtual absl::StatusOr<Page<PerformanceMetric>> ListPerformanceMetrics(
      absl::string_view name, std::optional<absl::Time> start,
      std::optional<absl::Time> end, const PageRequest& page) = 0;
  // Deletes every metric whose time is before `cutoff`, oldest first, in
  // transactions of at most `batch_size` rows each, so that a large backlog
  // never holds locks for long. Returns how many were deleted; on a failure
  // the batches before it stay deleted. INVALID_ARGUMENT when batch_size is
  // below 1.
  virtual absl::StatusOr<int64_t> PurgePerformanceMetricsBefore(
      absl::Time cutoff, int batch_size) = 0;
};

}  // namespace opsbrain

#endif  // OPSBRAIN_STORAGE_SERVICE_REPOSITORY_H_
