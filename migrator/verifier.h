// Verification of imported legacy rows against what the store holds, key
// by key.
//
// For each legacy row the migrator imported it knows the natural key and
// the row digest of the canonical row it sent (common/row_digest.h). The
// store answers, per key, whether it holds a row and that row's digest
// (Import.GetRowDigests). A row is then verified (same digest), differing,
// missing, or - for a thread context whose legacy expiry has passed -
// removed by design, since the store sweeps expired threads. Checking by
// key rather than by whole-table checksum lets the store hold other rows
// too (rows written since, or by an earlier import of another file).
//
// Thread-compatible.
#ifndef OPSBRAIN_MIGRATOR_VERIFIER_H_
#define OPSBRAIN_MIGRATOR_VERIFIER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "migrator/job_report.h"
#include "opsbrain/v1/internal.pb.h"

namespace opsbrain::migrator {

// One legacy row as the store should hold it.
struct ExpectedRow {
  v1::RowKey key;
  // For reports (LegacyKeyOf).
  std::string display_key;
  // RowDigest of the converted row: 32 raw bytes.
  std::string digest;
  // Thread contexts only.
  std::optional<absl::Time> expire_time;
};

// Asks the store for the digests of some keys of one table. Called from
// threads of VerifyTable's own, up to kVerifyLookupsInFlight at once.
using RowDigestLookup = std::function<absl::StatusOr<v1::GetRowDigestsResponse>(
    const v1::GetRowDigestsRequest&)>;

// Keys per lookup; the service takes at most 5000.
inline constexpr int kVerifyBatchKeys = 2000;
// Lookups under way at once: the store reads one batch while the migrator
// compares the one before (bench/README.md).
inline constexpr size_t kVerifyLookupsInFlight = 2;

// Verifies `rows` of `table`, kVerifyBatchKeys keys per lookup, as of
// `now` (for expiry). Fills `result` and appends one problem per missing
// or differing row to `problems`, in the order of `rows`. After each
// batch, `progress` (if set) gets the number of rows compared so far, on
// the calling thread. A lookup's error is returned as it is; an answer of
// the wrong length is INTERNAL.
absl::Status VerifyTable(absl::string_view table,
                         const std::vector<ExpectedRow>& rows, absl::Time now,
                         const RowDigestLookup& lookup,
                         const std::function<void(int64_t)>& progress,
                         TableVerification* result,
                         std::vector<VerificationProblem>* problems);

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_VERIFIER_H_
