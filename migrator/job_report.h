// What an import or verification run found, table by table: the data that
// summary.h prints and the report file keeps.
#ifndef OPSBRAIN_MIGRATOR_JOB_REPORT_H_
#define OPSBRAIN_MIGRATOR_JOB_REPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace opsbrain::migrator {

// The outcome of verifying one table's legacy rows against the store.
struct TableVerification {
  // Stored with the same content.
  int64_t verified = 0;
  // Thread contexts not stored whose legacy expiry has passed: the import
  // does not write expired threads, and the store sweeps them, by design.
  int64_t expired_removed = 0;
  // Not stored, and not removable by design.
  int64_t missing = 0;
  // Stored with other content.
  int64_t differing = 0;
  // TableDigest checksums (common/row_digest.h) of the legacy rows the
  // store should hold (all but those removed by design), and of the stored
  // rows found under their keys; equal when the table verifies.
  std::string legacy_checksum;
  std::string store_checksum;
  // The store's whole table after verification (Import.GetTableChecksums):
  // its rows and checksum. When the table holds exactly the legacy rows (a
  // clean import into an empty table, or its resumption), the count is
  // expected_rows and the checksum legacy_checksum; more rows mean rows
  // written since or imported from elsewhere. -1: not read.
  int64_t store_table_rows = -1;
  std::string store_table_checksum;
  // The legacy rows the store should hold: verified + missing + differing.
  int64_t expected_rows = 0;
};

struct TableReport {
  std::string table;
  // False when the legacy file has no such table.
  bool in_legacy_file = false;
  int64_t read = 0;
  // Rows that could not be converted, or that the store refused.
  int64_t rejected = 0;
  int64_t imported = 0;
  int64_t already_present = 0;
  // Thread contexts already expired when the import reached them, not
  // written (import_job.h).
  int64_t expired_skipped = 0;
  TableVerification verification;
  // Normalisations applied (legacy_conversions.h phrases), by phrase.
  std::map<std::string, int64_t> notes;
  // Columns of the table that the legacy file lacks (an older app
  // version); they read as NULL.
  std::vector<std::string> missing_columns;
  // Rows with at least one warning.
  int64_t warned = 0;
};

struct RejectedRowReport {
  std::string table;
  // legacy_conversions.h's LegacyKeyOf.
  std::string key;
  // The legacy `id`, where the table has an integer one; else 0.
  int64_t legacy_id = 0;
  std::string reason;
  // True when the store refused a row the migrator could convert.
  bool by_store = false;
};

// A value kept in another form than the legacy app meant (invalid JSON kept
// as text, NULL read as ''): the row is imported, and listed.
struct RowWarningReport {
  std::string table;
  // legacy_conversions.h's LegacyKeyOf.
  std::string key;
  int64_t legacy_id = 0;
  // legacy_conversions.h's ConvertedRow::warnings entry.
  std::string warning;
};

struct VerificationProblem {
  std::string table;
  std::string key;
  std::string problem;
};

struct JobReport {
  std::string legacy_path;
  // Which phases ran.
  bool imported = false;
  bool verified = false;
  // One per LegacyTables() entry once the legacy file is open; empty when
  // the job stopped before that.
  std::vector<TableReport> tables;
  std::vector<RejectedRowReport> rejected;
  std::vector<RowWarningReport> warnings;
  std::vector<VerificationProblem> problems;
  // Set once the legacy file was renamed / the report written.
  std::string archive_path;
  std::string report_path;
};

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_JOB_REPORT_H_
