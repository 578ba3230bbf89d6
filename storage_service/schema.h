// Versioned schema migrations: what is applied, what is pending, and the
// step that applies the pending ones.
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
};

struct SchemaStatus {
  std::string dialect;  // "postgresql" or "sqlite"
  int current_version = 0;
  int latest_version = 0;
  std::vector<MigrationInfo> applied;
  std::vector<MigrationInfo> pending;

  bool is_current() const { return current_version == latest_version; }
};

// Thread-safe.
class SchemaManager {
 public:
  virtual ~SchemaManager() = default;

  // Reads the migration history. FAILED_PRECONDITION when the database holds
  // a newer or unknown version, or an applied migration's checksum differs
  // from the compiled-in one.
  virtual absl::StatusOr<SchemaStatus> GetStatus() = 0;

  // Applies every pending migration in order, each in its own transaction
  // with its history row, and returns the ones applied (none when the schema
  // is current).
  virtual absl::StatusOr<std::vector<MigrationInfo>> ApplyPending(
      absl::Time now) = 0;
};

}  // namespace opsbrain

#endif  // OPSBRAIN_STORAGE_SERVICE_SCHEMA_H_
