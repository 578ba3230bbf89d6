#include "migrator/verifier.h"

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
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

// A store holding `stored` (key -> digest fill), counting lookups.
class FakeStore {
 public:
  explicit FakeStore(std::map<std::string, char> stored)
      : stored_(std::move(stored)) {}

  RowDigestLookup Lookup() {
    return [this](const v1::GetRowDigestsRequest& request)
               -> absl::StatusOr<v1::GetRowDigestsResponse> {
      ++lookups;
      v1::GetRowDigestsResponse response;
      for (const v1::RowKey& key : request.keys()) {
        v1::StoredRowDigest* row = response.add_rows();
        auto it = stored_.find(key.key());
        if (it == stored_.end()) continue;
        row->set_found(true);
        row->set_digest(Digest(it->second));
      }
      return response;
    };
  }

  int lookups = 0;

 private:
  std::map<std::string, char> stored_;
};

TEST(VerifierTest, EqualRowsVerifyAndChecksumsAgree) {
  FakeStore store({{"a", 'a'}, {"b", 'b'}, {"other", 'o'}});
  TableVerification result;
  std::vector<VerificationProblem> problems;
  ASSERT_TRUE(VerifyTable("configurations", {Row("a", 'a'), Row("b", 'b')},
                          kNow, store.Lookup(), &result, &problems)
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
                          store.Lookup(), &result, &problems)
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
                          kNow, store.Lookup(), &result, &problems)
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
  ASSERT_TRUE(VerifyTable("configurations", rows, kNow, store.Lookup(), &result,
                          &problems)
                  .ok());
  EXPECT_EQ(store.lookups, 3);
  EXPECT_EQ(result.verified, kVerifyBatchKeys * 2 + 1);
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
      &result, &problems);
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable);
  const absl::Status short_answer = VerifyTable(
      "configurations", {Row("a", 'a')}, kNow,
      [](const v1::GetRowDigestsRequest&)
          -> absl::StatusOr<v1::GetRowDigestsResponse> {
        return v1::GetRowDigestsResponse();
      },
      &result, &problems);
  EXPECT_EQ(short_answer.code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace opsbrain::migrator
