// The per-table summary of an import or verification run, as printed on
// stdout and saved in the report file.
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_MIGRATOR_SUMMARY_H_
#define OPSBRAIN_MIGRATOR_SUMMARY_H_

#include <string>

#include "migrator/job_report.h"

namespace opsbrain::migrator {

// A table of counts (read, rejected, imported, already present, verified,
// removed by design, missing, differing) with a total line; then the
// columns the legacy file lacks, the normalisations applied, the rejected
// rows (table, legacy key, legacy id, reason), the rows kept with a warning
// (the first kMaxSummaryWarnings; the JSON report lists all), the
// verification outcome with each table's checksums and each problem, the
// store's whole tables against the legacy rows, and what became of the
// legacy file. Lines end in '\n'. Legacy values never appear, only keys
// and reasons, so the summary is safe to print even when the file holds
// secrets.
std::string FormatSummary(const JobReport& report);

inline constexpr int kMaxSummaryWarnings = 100;

// The same report as one JSON object (the --report FILE of import and
// verify), with every rejected row, warning and problem, and the job's
// outcome: `exit_code` and `error` (empty on success). Valid JSON and
// valid UTF-8 whatever the keys hold (they are excerpts already).
std::string FormatJsonReport(const JobReport& report, int exit_code,
                             const std::string& error);

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_SUMMARY_H_
