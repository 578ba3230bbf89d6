// Versioned schema migrations: what is applied, what is pending, what
// failed, and the steps that apply the pending ones or adopt a schema the
// legacy app created.
#ifndef OPSBRAIN_STORAGE_SERVICE_SCHEMA_H_
#define OPSBRAIN_STORAGE_SERVICE_SCHEMA_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace opsbrain {

struct MigrationInfo {
  int version = 0;
  std::string description;
  // Hex SHA-256 of the migration's SQL with line endings normalised to LF.
  std::string checksum;
  // Set for applied migrations only.
  std::optional<absl::Time> applied_time;
  // The SQL that would run; set for pending migrations only.
  std::string sql;
};

// An attempt to apply a migration that failed. Its transaction was rolled
// back, so the schema is as it was before the attempt; the record is
// written afterwards, in a transaction of its own. A later successful
// application of the same version marks it resolved.
struct MigrationFailure {
  int version = 0;
  std::string description;
  std::string checksum;
  // The database's reason (never a bound value: migrations bind none).
  std::string error;
  absl::Time failed_time;
};

// A disagreement between the recorded history and the compiled-in
// migrations. While there is one, nothing is applied and the Repository API
// is not served.
struct SchemaProblem {
  enum class Kind {
    // An applied migration's recorded checksum differs from the compiled-in
    // one: its file was edited after it ran.
    kChecksumMismatch,
    // The history holds a version this binary does not know (a newer
    // binary applied it).
    kUnknownVersion,
    // A version is applied while an earlier one is not.
    kOutOfOrder,
  };
  Kind kind = Kind::kChecksumMismatch;
  int version = 0;
  // One sentence naming the version and what to do about it.
  std::string message;
};

struct SchemaStatus {
  std::string dialect;  // "postgresql" or "sqlite"
  // The highest version V such that 1..V are all applied (0: none).
  int current_version = 0;
  int latest_version = 0;
  std::vector<MigrationInfo> applied;
  // The compiled-in migrations not applied, in order, with their SQL.
  std::vector<MigrationInfo> pending;
  // Failed attempts not followed by a successful one, oldest first.
  std::vector<MigrationFailure> failures;
  std::vector<SchemaProblem> problems;

  bool is_current() const {
    return problems.empty() && current_version == latest_version;
  }
};

// How a run that changes the schema waits for another one.
struct MigrationRunOptions {
  // How long to wait for the migration lock held by another run (in this
  // process or another one): PostgreSQL's lock_timeout on the advisory
  // lock. SQLite waits for its write lock up to the database's busy
  // timeout instead.
  absl::Duration lock_timeout = absl::Seconds(60);
};

struct BaselineOutcome {
  // False when the database already had a migration history (nothing was
  // recorded).
  bool recorded = false;
};

// Thread-safe.
class SchemaManager {
 public:
  virtual ~SchemaManager() = default;

  // Reads the migration history, the unresolved failures, and checks the
  // history against the compiled-in migrations (SchemaStatus::problems).
  // Errors are the database's only.
  virtual absl::StatusOr<SchemaStatus> GetStatus() = 0;

  // Applies every pending migration in order, each in its own transaction
  // with its history row, and returns the ones applied (none when the
  // schema is current). One run at a time: a concurrent run (another
  // process or replica) waits for the migration lock, up to
  // options.lock_timeout, and then finds nothing left to do; a lock held by
  // a process that dies is released with its connection.
  //
  // Errors:
  //   FAILED_PRECONDITION  the history has problems (nothing is applied), or
  //                        a migration failed: its transaction was rolled
  //                        back, the failure is recorded (GetStatus shows
  //                        it), and the migrations before it stay applied;
  //                        the next call retries it
  //   ABORTED              the lock was not free within lock_timeout
  //   others               the database's (UNAVAILABLE...)
  virtual absl::StatusOr<std::vector<MigrationInfo>> ApplyPending(
      absl::Time now, const MigrationRunOptions& options) = 0;

  // Adopts a schema the legacy app created without any version record:
  // checks that its tables and columns (names and types, from the
  // database's catalog) are exactly those of migration 1, and records
  // migration 1 as applied (and failed attempts at it resolved), so that
  // ApplyPending then upgrades it in place. Does nothing when a history
  // exists. Takes the migration lock as ApplyPending does.
  //
  // Errors: FAILED_PRECONDITION when none of the legacy tables exists (run
  // ApplyPending instead) or the tables differ, naming every difference;
  // ABORTED as ApplyPending; the database's.
  virtual absl::StatusOr<BaselineOutcome> Baseline(
      absl::Time now, const MigrationRunOptions& options) = 0;
};

}  // namespace opsbrain

#endif  // OPSBRAIN_STORAGE_SERVICE_SCHEMA_H_
