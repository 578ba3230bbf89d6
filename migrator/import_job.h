// The `migrator import` and `migrator verify` jobs: legacy rows into the
// store, verified, and the legacy file archived.
//
// An import runs in phases, and stops at the first that fails:
//   1. The store's schema must be current (else: run `migrator up`).
//   2. The legacy file is opened read-only and checked (legacy_reader.h);
//      one read transaction spans the job.
//   3. Preflight: every row of every table is converted
//      (legacy_conversions.h) and sent to the store with validate_only, so
//      the store's own rules judge it too. Nothing is written. A rejected
//      row is listed with its table, legacy key and reason. Any rejection
//      without --skip-bad-rows ends the job here (exit 3): the store is
//      untouched and the file stays. Rows are read, converted and
//      validated in chunks, each step on its own thread, so the file, the
//      conversion and the store's checks overlap.
//   4. Import: the accepted rows are read, converted and streamed again,
//      in batches (of batch_size rows and at most kMaxRequestBytes), one
//      ImportRows stream per table (two, taking batches in turn, for the
//      audit entries and metrics); the service writes each batch in one
//      transaction. Rows whose key is already stored are left alone
//      (already present), so a second run adds and changes nothing, and a
//      run killed at any point (the migrator or the storage service) is
//      completed by the next one: no duplicate, no gap. Thread contexts
//      already expired at this point are not written: the store would read
//      them as NOT_FOUND and its sweeper delete them, and writing them
//      would make a run after a sweep add them again. They are counted as
//      expired, and they stay in the (archived) legacy file.
//   5. Verification (verifier.h): every accepted row is looked up by key
//      and its digest compared. Missing or differing rows fail the job
//      (exit 4) and the file stays. The import never overwrites: a legacy
//      row whose key the store already holds with other content (changed
//      through the API since an earlier run, or imported from another
//      file) is reported here as differing, by table and key. Then the
//      store's whole tables are counted and checksummed, so the summary
//      says whether each holds exactly the legacy rows (this read runs
//      beside the key-by-key comparison).
//   6. Only then the legacy file is renamed to PATH.migrated-<UTC time>
//      (with its -wal/-shm/-journal siblings), unless `keep`, and the
//      summary is saved beside it as a report file:
//      PATH.migrated-<time>.report.txt, or PATH.import-<time>.report.txt
//      when kept (unless write_report is off). Nothing is ever deleted.
// The verify job runs phases 1-3 and 5: it writes nothing and renames
// nothing. Both report progress per table and phase (progress.h), and
// write the report as JSON to json_report_path when set, whatever the
// outcome.
//
// Thread-compatible.
#ifndef OPSBRAIN_MIGRATOR_IMPORT_JOB_H_
#define OPSBRAIN_MIGRATOR_IMPORT_JOB_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "migrator/exit_codes.h"
#include "migrator/job_report.h"
#include "migrator/progress.h"
#include "migrator/store_client.h"

namespace opsbrain::migrator {

// Rows per ImportRows message; the service takes at most 5000.
inline constexpr int kDefaultBatchSize = 500;
inline constexpr int kMaxBatchSize = 5000;
// A message is sent before it would pass this many bytes (gRPC's default
// limit is 4 MiB), so that large rows (a 1 MiB thread) travel in smaller
// batches.
inline constexpr size_t kMaxRequestBytes = 1 << 20;
// A converted row larger than this is rejected before it is sent: no
// record the store accepts is this large.
inline constexpr size_t kMaxRowBytes = 3 << 20;

struct ImportJobOptions {
  std::string legacy_path;
  // List rows that cannot be imported and import the others.
  bool skip_bad_rows = false;
  // Leave the legacy file where it is after a successful import.
  bool keep = false;
  // With keep: whether to save the summary beside the legacy file. Off for
  // `migrator deploy`, whose legacy file may sit on a read-only mount.
  bool write_report = true;
  // The verify job: phases 1-3 and 5 only.
  bool verify_only = false;
  // 1 to kMaxBatchSize.
  int batch_size = kDefaultBatchSize;
  // "Now", for thread expiry during verification and the archive's name.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // Where progress goes; null for none. Must outlive the job.
  Progress* progress = nullptr;
  // When set, the report as JSON (summary.h's FormatJsonReport) is written
  // there, replacing any file, once the job ends.
  std::string json_report_path;
};

struct JobResult {
  ExitCode exit_code = kExitOk;
  // Why the job failed, one line for stderr; empty on success.
  std::string error;
  JobReport report;
};

// Runs the job against `store`. Every failure is in the result, with the
// exit code of exit_codes.h.
JobResult RunImportJob(StoreClient& store, const ImportJobOptions& options);

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_IMPORT_JOB_H_
