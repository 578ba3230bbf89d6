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
// normalisations applied, the rejected rows (table, legacy key, legacy id,
// reason), the verification outcome with each table's checksums and each
// problem, and what became of the legacy file. Lines end in '\n'.
// Legacy values never appear, only keys and reasons, so the summary is
// safe to print even when the file holds secrets.
std::string FormatSummary(const JobReport& report);

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_SUMMARY_H_
