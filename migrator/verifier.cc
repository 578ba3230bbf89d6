#include "migrator/verifier.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/row_digest.h"
#include "opsbrain/v1/internal.pb.h"

namespace opsbrain::migrator {

absl::Status VerifyTable(absl::string_view table,
                         const std::vector<ExpectedRow>& rows, absl::Time now,
                         const RowDigestLookup& lookup,
                         const std::function<void(int64_t)>& progress,
                         TableVerification* result,
                         std::vector<VerificationProblem>* problems) {
  TableDigest legacy;
  TableDigest stored;
  // Lookups run ahead on their own threads, kVerifyLookupsInFlight at a
  // time, and are compared in order here.
  std::deque<std::future<absl::StatusOr<v1::GetRowDigestsResponse>>> pending;
  size_t next_lookup = 0;
  const auto start_lookup = [&]() {
    const size_t end = std::min(rows.size(), next_lookup + kVerifyBatchKeys);
    v1::GetRowDigestsRequest request;
    request.set_table_name(std::string(table));
    for (size_t i = next_lookup; i < end; ++i) {
      *request.add_keys() = rows[i].key;
    }
    next_lookup = end;
    pending.push_back(std::async(
        std::launch::async,
        [&lookup, request = std::move(request)] { return lookup(request); }));
  };

  for (size_t start = 0; start < rows.size(); start += kVerifyBatchKeys) {
    const size_t end = std::min(rows.size(), start + kVerifyBatchKeys);
    while (pending.size() < kVerifyLookupsInFlight &&
           next_lookup < rows.size()) {
      start_lookup();
    }
    // An early return below waits for the lookups still running: a
    // std::async future's destructor joins its thread.
    absl::StatusOr<v1::GetRowDigestsResponse> response = pending.front().get();
    pending.pop_front();
    if (!response.ok()) return response.status();
    if (response->rows_size() != static_cast<int>(end - start)) {
      return absl::InternalError(
          absl::StrCat("GetRowDigests answered ", response->rows_size(),
                       " rows for ", end - start, " keys of ", table));
    }

    for (size_t i = start; i < end; ++i) {
      const ExpectedRow& row = rows[i];
      const v1::StoredRowDigest& answer = response->rows(i - start);
      const bool removed_by_design = !answer.found() &&
                                     row.expire_time.has_value() &&
                                     *row.expire_time <= now;
      if (!removed_by_design) legacy.AddRowDigest(row.digest);
      if (answer.found()) stored.AddRowDigest(answer.digest());

      if (answer.found() && answer.digest() == row.digest) {
        ++result->verified;
      } else if (answer.found()) {
        ++result->differing;
        problems->push_back({std::string(table), row.display_key,
                             "the stored row differs from the legacy row"});
      } else if (removed_by_design) {
        ++result->expired_removed;
      } else {
        ++result->missing;
        problems->push_back({std::string(table), row.display_key,
                             "the store has no row with this key"});
      }
    }
    if (progress) progress(static_cast<int64_t>(end));
  }
  result->legacy_checksum = legacy.Checksum();
  result->store_checksum = stored.Checksum();
  return absl::OkStatus();
}

}  // namespace opsbrain::migrator
