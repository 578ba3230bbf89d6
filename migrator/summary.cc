#include "migrator/summary.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "migrator/job_report.h"
#include "nlohmann/json.hpp"

namespace opsbrain::migrator {
namespace {

// A count, or "-" when its phase did not run.
std::string Count(bool ran, int64_t value) {
  return ran ? absl::StrCat(value) : "-";
}

void AppendCountsTable(const JobReport& report, std::string* out) {
  constexpr char kRow[] = "%-20s %6s %8s %8s %7s %8s %7s %7s %9s\n";
  absl::StrAppendFormat(out, kRow, "table", "read", "rejected", "imported",
                        "present", "verified", "expired", "missing",
                        "differing");
  TableReport total;
  for (const TableReport& table : report.tables) {
    absl::StrAppendFormat(
        out, kRow, table.table, absl::StrCat(table.read),
        absl::StrCat(table.rejected), Count(report.imported, table.imported),
        Count(report.imported, table.already_present),
        Count(report.verified, table.verification.verified),
        Count(report.verified, table.verification.expired_removed),
        Count(report.verified, table.verification.missing),
        Count(report.verified, table.verification.differing));
    total.read += table.read;
    total.rejected += table.rejected;
    total.imported += table.imported;
    total.already_present += table.already_present;
    total.verification.verified += table.verification.verified;
    total.verification.expired_removed += table.verification.expired_removed;
    total.verification.missing += table.verification.missing;
    total.verification.differing += table.verification.differing;
  }
  absl::StrAppendFormat(
      out, kRow, "total", absl::StrCat(total.read),
      absl::StrCat(total.rejected), Count(report.imported, total.imported),
      Count(report.imported, total.already_present),
      Count(report.verified, total.verification.verified),
      Count(report.verified, total.verification.expired_removed),
      Count(report.verified, total.verification.missing),
      Count(report.verified, total.verification.differing));
  out->append(
      "(present: already in the store, left untouched; expired: thread "
      "contexts past their expiry, which the import does not write and the "
      "store sweeps, by design; they stay in the legacy file)\n");

  std::vector<std::string> skipped;
  for (const TableReport& table : report.tables) {
    if (table.expired_skipped > 0) {
      skipped.push_back(absl::StrCat(table.table, " ", table.expired_skipped));
    }
  }
  if (!skipped.empty()) {
    absl::StrAppend(out, "Not imported, already expired: ",
                    absl::StrJoin(skipped, ", "), "\n");
  }

  std::vector<std::string> absent;
  std::vector<std::string> absent_columns;
  for (const TableReport& table : report.tables) {
    if (!table.in_legacy_file) absent.push_back(table.table);
    for (const std::string& column : table.missing_columns) {
      absent_columns.push_back(absl::StrCat(table.table, ".", column));
    }
  }
  if (!absent.empty()) {
    absl::StrAppend(
        out, "Not in the legacy file: ", absl::StrJoin(absent, ", "), "\n");
  }
  if (!absent_columns.empty()) {
    absl::StrAppend(out,
                    "Columns not in the legacy file (an older app version), "
                    "read as NULL: ",
                    absl::StrJoin(absent_columns, ", "), "\n");
  }

  if (report.imported && total.read > 0 && total.imported == 0 &&
      total.rejected == 0) {
    out->append(
        "Nothing added or changed: every row was already in the store.\n");
  }
}

void AppendNotes(const JobReport& report, std::string* out) {
  bool any = false;
  for (const TableReport& table : report.tables) {
    for (const auto& [note, count] : table.notes) {
      if (!any) out->append("\nNormalised while converting (rows):\n");
      any = true;
      absl::StrAppendFormat(out, "  %-20s %s: %d\n", table.table, note, count);
    }
  }
}

void AppendRejected(const JobReport& report, std::string* out) {
  if (report.rejected.empty()) return;
  absl::StrAppend(out, "\nRejected rows (", report.rejected.size(), "):\n");
  for (const RejectedRowReport& row : report.rejected) {
    absl::StrAppend(out, "  ", row.table, " '", row.key, "'");
    if (row.legacy_id != 0) {
      absl::StrAppend(out, " (legacy id ", row.legacy_id, ")");
    }
    absl::StrAppend(out, ": ", row.reason,
                    row.by_store ? " [refused by the store]" : "", "\n");
  }
}

void AppendWarnings(const JobReport& report, std::string* out) {
  if (report.warnings.empty()) return;
  absl::StrAppend(out, "\nRows kept with warnings (", report.warnings.size(),
                  "):\n");
  int listed = 0;
  for (const RowWarningReport& row : report.warnings) {
    if (listed++ == kMaxSummaryWarnings) {
      absl::StrAppend(out, "  ... and ",
                      report.warnings.size() - kMaxSummaryWarnings,
                      " more (--report FILE lists them all)\n");
      break;
    }
    absl::StrAppend(out, "  ", row.table, " '", row.key, "'");
    if (row.legacy_id != 0) {
      absl::StrAppend(out, " (legacy id ", row.legacy_id, ")");
    }
    absl::StrAppend(out, ": ", row.warning, "\n");
  }
}

// The store's whole tables: exactly the legacy rows, or more.
void AppendStoreTables(const JobReport& report, std::string* out) {
  bool any = false;
  for (const TableReport& table : report.tables) {
    const TableVerification& v = table.verification;
    if (!table.in_legacy_file || v.store_table_rows < 0) continue;
    if (!any) out->append("Store tables after the run (rows, checksum):\n");
    any = true;
    std::string verdict;
    if (v.store_table_rows == v.expected_rows &&
        v.store_table_checksum == v.legacy_checksum) {
      verdict = "exactly the legacy rows";
    } else if (v.store_table_rows > v.expected_rows) {
      verdict = absl::StrCat(v.store_table_rows - v.expected_rows,
                             " rows more than the legacy file (written since, "
                             "or from another file)");
    } else if (v.store_table_rows == v.expected_rows) {
      verdict =
          "as many rows as the legacy file, with other content (changed "
          "since, or from another file)";
    } else {
      verdict = absl::StrCat("FEWER rows than the legacy file (",
                             v.expected_rows - v.store_table_rows, " fewer)");
    }
    absl::StrAppendFormat(out, "  %-20s %8d %s %s\n", table.table,
                          v.store_table_rows, v.store_table_checksum, verdict);
  }
}

void AppendVerification(const JobReport& report, std::string* out) {
  if (!report.verified) return;
  if (report.problems.empty()) {
    out->append(
        "\nVerification passed: every accepted row is in the store with the "
        "same content.\n");
  } else {
    absl::StrAppend(out, "\nVerification FAILED (", report.problems.size(),
                    " rows):\n");
    for (const VerificationProblem& problem : report.problems) {
      absl::StrAppend(out, "  ", problem.table, " '", problem.key,
                      "': ", problem.problem, "\n");
    }
  }
  out->append("Checksums (legacy rows / stored rows):\n");
  for (const TableReport& table : report.tables) {
    if (!table.in_legacy_file) continue;
    const TableVerification& v = table.verification;
    absl::StrAppendFormat(
        out, "  %-20s %s %s %s\n", table.table, v.legacy_checksum,
        v.store_checksum,
        v.legacy_checksum == v.store_checksum ? "equal" : "DIFFER");
  }
  AppendStoreTables(report, out);
}

nlohmann::ordered_json TableJson(const TableReport& table, bool imported,
                                 bool verified) {
  nlohmann::ordered_json json;
  json["table"] = table.table;
  json["in_legacy_file"] = table.in_legacy_file;
  json["missing_columns"] = table.missing_columns;
  json["read"] = table.read;
  json["rejected"] = table.rejected;
  json["warned"] = table.warned;
  if (imported) {
    json["imported"] = table.imported;
    json["already_present"] = table.already_present;
    json["expired_skipped"] = table.expired_skipped;
  }
  if (verified) {
    const TableVerification& v = table.verification;
    nlohmann::ordered_json verification;
    verification["verified"] = v.verified;
    verification["expired_removed"] = v.expired_removed;
    verification["missing"] = v.missing;
    verification["differing"] = v.differing;
    verification["expected_rows"] = v.expected_rows;
    verification["legacy_checksum"] = v.legacy_checksum;
    verification["store_checksum"] = v.store_checksum;
    if (v.store_table_rows >= 0) {
      verification["store_table_rows"] = v.store_table_rows;
      verification["store_table_checksum"] = v.store_table_checksum;
    }
    json["verification"] = verification;
  }
  nlohmann::ordered_json notes = nlohmann::ordered_json::object();
  for (const auto& [note, count] : table.notes) notes[note] = count;
  json["notes"] = notes;
  return json;
}

}  // namespace

std::string FormatSummary(const JobReport& report) {
  std::string out;
  absl::StrAppend(&out, "Legacy file: ", report.legacy_path, "\n");
  AppendCountsTable(report, &out);
  AppendNotes(report, &out);
  AppendRejected(report, &out);
  AppendWarnings(report, &out);
  AppendVerification(report, &out);
  if (!report.archive_path.empty()) {
    absl::StrAppend(&out, "\nLegacy file archived as ", report.archive_path,
                    "\n");
  }
  if (!report.report_path.empty()) {
    absl::StrAppend(&out, "Report saved as ", report.report_path, "\n");
  }
  return out;
}

std::string FormatJsonReport(const JobReport& report, int exit_code,
                             const std::string& error) {
  nlohmann::ordered_json json;
  json["legacy_path"] = report.legacy_path;
  json["exit_code"] = exit_code;
  json["error"] = error;
  json["imported"] = report.imported;
  json["verified"] = report.verified;
  json["tables"] = nlohmann::ordered_json::array();
  for (const TableReport& table : report.tables) {
    json["tables"].push_back(
        TableJson(table, report.imported, report.verified));
  }
  json["rejected"] = nlohmann::ordered_json::array();
  for (const RejectedRowReport& row : report.rejected) {
    json["rejected"].push_back({{"table", row.table},
                                {"key", row.key},
                                {"legacy_id", row.legacy_id},
                                {"reason", row.reason},
                                {"by_store", row.by_store}});
  }
  json["warnings"] = nlohmann::ordered_json::array();
  for (const RowWarningReport& row : report.warnings) {
    json["warnings"].push_back({{"table", row.table},
                                {"key", row.key},
                                {"legacy_id", row.legacy_id},
                                {"warning", row.warning}});
  }
  json["problems"] = nlohmann::ordered_json::array();
  for (const VerificationProblem& problem : report.problems) {
    json["problems"].push_back({{"table", problem.table},
                                {"key", problem.key},
                                {"problem", problem.problem}});
  }
  json["archive_path"] = report.archive_path;
  json["report_path"] = report.report_path;
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

}  // namespace opsbrain::migrator
