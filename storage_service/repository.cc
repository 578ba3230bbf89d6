#include "storage_service/repository.h"

#include <algorithm>
#include <utility>

#include "storage_service/importer.h"

namespace opsbrain {

FieldMask::FieldMask(std::vector<std::string> paths)
    : paths_(std::move(paths)) {
  std::sort(paths_.begin(), paths_.end());
  paths_.erase(std::unique(paths_.begin(), paths_.end()), paths_.end());
}

bool FieldMask::Has(absl::string_view path) const {
  return std::binary_search(paths_.begin(), paths_.end(), path);
}

const char* TableOf(const ImportedRow& row) {
  static constexpr const char* kTables[] = {
      kConfigurationsTable,     kThreadContextsTable,  kBusinessGoalsTable,
      kAppSettingsTable,        kUserPreferencesTable, kAuditTable,
      kPerformanceMetricsTable,
  };
  return kTables[row.record.index()];
}

}  // namespace opsbrain
