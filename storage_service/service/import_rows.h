// Imported rows: proto to record with the API's validation, record to proto
// for checksums, and what an import report says about a row.
//
// An import honours what the API treats as output only: creation, update
// and expiry times (an unset Timestamp is the Unix epoch, as
// common/row_digest.h counts it) and the ids of audit entries and metrics.
// Everything else is converted (conversions.h) and validated
// (validation.h) exactly as an Update request would be with every field
// masked, canonical forms included: area, status and category in lower
// case, BOOLEAN and INTEGER setting values in their stored form. The
// migrator must send canonical values for its checksums to match.
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_IMPORT_ROWS_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_IMPORT_ROWS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "opsbrain/v1/internal.pb.h"
#include "storage_service/importer.h"

namespace opsbrain::service {

// The legacy table names (records.h), in the order reports list them.
inline constexpr const char* kImportTables[] = {
    kConfigurationsTable,     kThreadContextsTable,  kBusinessGoalsTable,
    kAppSettingsTable,        kUserPreferencesTable, kAuditTable,
    kPerformanceMetricsTable,
};

// True for one of kImportTables.
bool IsImportTable(absl::string_view table);

// The table of the row's record, or "" when it has none.
absl::string_view TableOfProtoRow(const v1::ImportedRow& row);

// The row's natural key for a report: the key, id or thread key;
// "user_id/key" for preferences; the legacy id in decimal for audit
// entries and metrics. Cut to its first 255 bytes and escaped as
// common/utf8.h's Excerpt does, so it is always valid UTF-8 even when the
// row is not.
std::string ReportKeyOf(const v1::ImportedRow& row);

// The validated record, or INVALID_ARGUMENT whose message is the rejection
// reason ("business_goal.area: 'x' is not one of ..."). Audit entries and
// metrics need an id: legacy_id, or the record's own id, and the two must
// agree when both are set.
absl::StatusOr<ImportedRow> ImportedRowFromProto(const v1::ImportedRow& row);

// A stored row in the proto form that common/row_digest.h digests; INTERNAL
// when stored JSON is damaged.
absl::Status ImportedRowToProto(const ImportedRow& row, v1::ImportedRow* proto);

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_IMPORT_ROWS_H_
