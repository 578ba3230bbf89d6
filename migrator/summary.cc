#include "migrator/summary.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "migrator/job_report.h"

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
  for (const TableReport& table : report.tables) {
    if (!table.in_legacy_file) absent.push_back(table.table);
  }
  if (!absent.empty()) {
    absl::StrAppend(
        out, "Not in the legacy file: ", absl::StrJoin(absent, ", "), "\n");
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
}

}  // namespace

std::string FormatSummary(const JobReport& report) {
  std::string out;
  absl::StrAppend(&out, "Legacy file: ", report.legacy_path, "\n");
  AppendCountsTable(report, &out);
  AppendNotes(report, &out);
  AppendRejected(report, &out);
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

}  // namespace opsbrain::migrator
