#include "migrator/verifier.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "migrator/job_report.h"
#include "opsbrain/v1/internal.pb.h"

namespace opsbrain::migrator {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1756728000);

std::string Digest(char fill) { return std::string(32, fill); }

ExpectedRow Row(const std::string& key, char digest,
                std::optional<absl::Time> expire_time = std::nullopt) {
  ExpectedRow row;
  row.key.set_key(key);
  row.display_key = key;
  row.digest = Digest(digest);
  row.expire_time = expire_time;
  return row;
}

// A store holding `stored` (key -> digest fill), counting lookups and how
// many ran at once. The first lookup can be made to answer late.
class FakeStore {
 public:
  explicit FakeStore(std::map<std::string, char> stored,
                     absl::Duration first_lookup_delay = absl::ZeroDuration())
      : stored_(std::move(stored)), first_lookup_delay_(first_lookup_delay) {}

  RowDigestLookup Lookup() {
    return [this](const v1::GetRowDigestsRequest& request)
               -> absl::StatusOr<v1::GetRowDigestsResponse> {
      const int number = lookups.fetch_add(1);
      const int now_running = running_.fetch_add(1) + 1;
      int most = most_at_once.load();
      while (now_running > most &&
             !most_at_once.compare_exchange_weak(most, now_running)) {
      }
      if (number == 0) absl::SleepFor(first_lookup_delay_);
      v1::GetRowDigestsResponse response;
      for (const v1::RowKey& key : request.keys()) {
        v1::StoredRowDigest* row = response.add_rows();
        auto it = stored_.find(key.key());
        if (it == stored_.end()) continue;
        row->set_found(true);
        row->set_digest(Digest(it->second));
      }
      running_.fetch_sub(1);
      return response;
    };
  }

  std::atomic<int> lookups{0};
  std::atomic<int> most_at_once{0};

 private:
  const std::map<std::string, char> stored_;
  const absl::Duration first_lookup_delay_;
  std::atomic<int> running_{0};
};

TEST(VerifierTest, EqualRowsVerifyAndChecksumsAgree) {
  FakeStore store({{"a", 'a'}, {"b", 'b'}, {"other", 'o'}});
  TableVerification result;
  std::vector<VerificationProblem> problems;
  ASSERT_TRUE(VerifyTable("configurations", {Row("a", 'a'), Row("b", 'b')},
                          kNow, store.Lookup(), /*progress=*/nullptr, &result,
                          &problems)
                  .ok());
  EXPECT_EQ(result.verified, 2);
  EXPECT_EQ(result.missing + result.differing + result.expired_removed, 0);
  EXPECT_EQ(result.legacy_checksum, result.store_checksum);
  EXPECT_THAT(problems, IsEmpty());
}

TEST(VerifierTest, NamesMissingAndDifferingRows) {
  FakeStore store({{"a", 'a'}, {"b", 'X'}});
  TableVerification result;
  std::vector<VerificationProblem> problems;
  ASSERT_TRUE(VerifyTable("configurations",
                          {Row("a", 'a'), Row("b", 'b'), Row("c", 'c')}, kNow,
                          store.Lookup(), /*progress=*/nullptr, &result,
                          &problems)
                  .ok());
  EXPECT_EQ(result.verified, 1);
  EXPECT_EQ(result.differing, 1);
  EXPECT_EQ(result.missing, 1);
  EXPECT_NE(result.legacy_checksum, result.store_checksum);
  EXPECT_THAT(problems, ElementsAre(Field(&VerificationProblem::key, "b"),
                                    Field(&VerificationProblem::key, "c")));
  EXPECT_EQ(problems[0].table, "configurations");
  EXPECT_EQ(problems[0].problem, "the stored row differs from the legacy row");
  EXPECT_EQ(problems[1].problem, "the store has no row with this key");
}

TEST(VerifierTest, SweptExpiredThreadsAreRemovedByDesignNotMissing) {
  FakeStore store({{"live", 'l'}});
  TableVerification result;
  std::vector<VerificationProblem> problems;
  ASSERT_TRUE(VerifyTable("thread_contexts",
                          {Row("live", 'l', kNow + absl::Seconds(30)),
                           Row("swept", 's', kNow - absl::Seconds(30)),
                           Row("lost", 'x', kNow + absl::Hours(1))},
                          kNow, store.Lookup(), /*progress=*/nullptr, &result,
                          &problems)
                  .ok());
  EXPECT_EQ(result.verified, 1);
  EXPECT_EQ(result.expired_removed, 1);
  EXPECT_EQ(result.missing, 1);
  EXPECT_THAT(problems, ElementsAre(Field(&VerificationProblem::key, "lost")));
}

TEST(VerifierTest, LooksKeysUpInBatches) {
  std::map<std::string, char> stored;
  std::vector<ExpectedRow> rows;
  for (int i = 0; i < kVerifyBatchKeys * 2 + 1; ++i) {
    stored[std::to_string(i)] = 'd';
    rows.push_back(Row(std::to_string(i), 'd'));
  }
  FakeStore store(stored);
  TableVerification result;
  std::vector<VerificationProblem> problems;
  std::vector<int64_t> progress;
  ASSERT_TRUE(VerifyTable(
                  "configurations", rows, kNow, store.Lookup(),
                  [&](int64_t compared) { progress.push_back(compared); },
                  &result, &problems)
                  .ok());
  EXPECT_EQ(store.lookups.load(), 3);
  EXPECT_LE(store.most_at_once.load(),
            static_cast<int>(kVerifyLookupsInFlight));
  EXPECT_THAT(progress, ElementsAre(kVerifyBatchKeys, kVerifyBatchKeys * 2,
                                    kVerifyBatchKeys * 2 + 1));
  EXPECT_EQ(result.verified, kVerifyBatchKeys * 2 + 1);
}

// Lookups overlap, and the first may answer last; problems still come in
// the order of the rows.
TEST(VerifierTest, OverlappingLookupsKeepTheRowsOrder) {
  std::map<std::string, char> stored;
  std::vector<ExpectedRow> rows;
  for (int i = 0; i < kVerifyBatchKeys * 3; ++i) {
    const std::string key = absl::StrCat("k", i);
    rows.push_back(Row(key, 'd'));
    if (i % kVerifyBatchKeys != 0) stored[key] = 'd';
  }
  FakeStore store(stored, /*first_lookup_delay=*/absl::Milliseconds(200));
  TableVerification result;
  std::vector<VerificationProblem> problems;
  ASSERT_TRUE(VerifyTable("configurations", rows, kNow, store.Lookup(),
                          /*progress=*/nullptr, &result, &problems)
                  .ok());
  EXPECT_EQ(store.most_at_once.load(),
            static_cast<int>(kVerifyLookupsInFlight));
  EXPECT_EQ(result.missing, 3);
  EXPECT_THAT(problems,
              ElementsAre(Field(&VerificationProblem::key, "k0"),
                          Field(&VerificationProblem::key,
                                absl::StrCat("k", kVerifyBatchKeys)),
                          Field(&VerificationProblem::key,
                                absl::StrCat("k", kVerifyBatchKeys * 2))));
}

TEST(VerifierTest, LookupFailuresAndShortAnswersAreErrors) {
  TableVerification result;
  std::vector<VerificationProblem> problems;
  const absl::Status down = VerifyTable(
      "configurations", {Row("a", 'a')}, kNow,
      [](const v1::GetRowDigestsRequest&)
          -> absl::StatusOr<v1::GetRowDigestsResponse> {
        return absl::UnavailableError("down");
      },
      /*progress=*/nullptr, &result, &problems);
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable);
  const absl::Status short_answer = VerifyTable(
      "configurations", {Row("a", 'a')}, kNow,
      [](const v1::GetRowDigestsRequest&)
          -> absl::StatusOr<v1::GetRowDigestsResponse> {
        return v1::GetRowDigestsResponse();
      },
      /*progress=*/nullptr, &result, &problems);
  EXPECT_EQ(short_answer.code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace opsbrain::migrator
