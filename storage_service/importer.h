// Bulk import of legacy rows, idempotent by natural key, and the table
// checksums that verify it.
#ifndef OPSBRAIN_STORAGE_SERVICE_IMPORTER_H_
#define OPSBRAIN_STORAGE_SERVICE_IMPORTER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage_service/records.h"

namespace opsbrain {

// One converted legacy row. Creation/update/expiry times and ids are kept as
// given.
struct ImportedRow {
  int64_t legacy_id = 0;
  std::variant<Configuration, ThreadContext, BusinessGoal, AppSetting,
               UserPreference, AuditEntry, PerformanceMetric>
      record;
};

// The legacy table a row belongs to (records.h names).
const char* TableOf(const ImportedRow& row);

// The natural key of one row, as ImportBatch matches rows.
struct ImportKey {
  // configurations: key; thread contexts: thread key; goals: id; settings:
  // key; preferences: the preference key.
  std::string key;
  // Preferences only.
  std::string user_id;
  // Audit entries and metrics: the legacy id.
  int64_t legacy_id = 0;
};

struct ImportOutcome {
  // Parallel to the input rows: true when written, false when a row with
  // the same natural key was already stored (and left untouched).
  std::vector<bool> imported;
};

// Thread-safe.
class Importer {
 public:
  virtual ~Importer() = default;

  // Writes `rows` in one transaction, skipping those whose natural key is
  // already stored (configurations: key; thread contexts: thread key;
  // goals: id; settings: key; preferences: user and key; audit entries and
  // metrics: legacy id). Writes no audit rows. Rows must already be valid.
  virtual absl::StatusOr<ImportOutcome> ImportBatch(
      const std::vector<ImportedRow>& rows) = 0;

  // Calls `visit` with every stored row of `table` (records.h names), in no
  // particular order; the service layer digests them. INVALID_ARGUMENT for
  // an unknown table.
  virtual absl::Status ForEachRow(
      const std::string& table,
      const std::function<void(const ImportedRow&)>& visit) = 0;

  // The stored rows of `table` with the natural keys `keys`, parallel to
  // them: nullopt where no row has the key. Read in one transaction. An
  // expired thread context that is still stored is returned like any other
  // row (the migrator tells expired from missing itself). Audit entries and
  // metrics come back with legacy_id set to their id. INVALID_ARGUMENT for
  // an unknown table.
  virtual absl::StatusOr<std::vector<std::optional<ImportedRow>>> FindRows(
      const std::string& table, const std::vector<ImportKey>& keys) = 0;
};

}  // namespace opsbrain

#endif  // OPSBRAIN_STORAGE_SERVICE_IMPORTER_H_
