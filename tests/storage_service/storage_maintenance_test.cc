// The storage_service binary's background sweeper, on each backend: it
// deletes expired thread contexts and metrics past --metrics_retention,
// and nothing else.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "storage_service/database_factory.h"
#include "storage_service/sql/database.h"
#include "tests/conformance/test_store.h"
#include "tests/storage_service/storage_process.h"

namespace opsbrain::testing {
namespace {

using ::google::protobuf::util::TimeUtil;

class StorageMaintenanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = NewDatabaseUrl(GetParam());
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
  }

  // A connection of the test's own to the service's database, to look
  // under the API (which hides expired threads) and to age rows.
  std::unique_ptr<sql::Database> OpenDirectly() {
    absl::StatusOr<DatabaseTarget> target = ParseDatabaseUrl(url_);
    EXPECT_TRUE(target.ok()) << target.status();
    if (!target.ok()) return nullptr;
    absl::StatusOr<std::unique_ptr<sql::Database>> database =
        OpenDatabase(*target);
    EXPECT_TRUE(database.ok()) << database.status();
    return database.ok() ? *std::move(database) : nullptr;
  }

  std::string url_;
};

absl::StatusOr<int64_t> Count(sql::Database& database, const std::string& sql) {
  int64_t count = -1;
  absl::Status status = database.RunInTransaction(
      sql::TransactionMode::kReadOnly, [&](sql::Transaction& tx) {
        absl::StatusOr<sql::ResultSet> result = tx.Execute(sql, {});
        if (!result.ok()) return result.status();
        sql::RowReader reader(*result, 0);
        count = reader.Int64(0);
        return reader.status();
      });
  if (!status.ok()) return status;
  return count;
}

grpc::Status SaveThread(v1::Repository::Stub& stub, const std::string& key) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::UpdateThreadContextRequest request;
  request.set_allow_missing(true);
  request.mutable_thread_context()->set_thread_key(key);
  request.mutable_thread_context()->add_messages("User: hello");
  v1::ThreadContext saved;
  return stub.UpdateThreadContext(&context, request, &saved);
}

grpc::Status RecordMetric(v1::Repository::Stub& stub, absl::Time when) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::CreatePerformanceMetricRequest request;
  request.mutable_performance_metric()->set_name("slack_response_time");
  request.mutable_performance_metric()->set_value(1.5);
  *request.mutable_performance_metric()->mutable_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(when));
  v1::PerformanceMetric created;
  return stub.CreatePerformanceMetric(&context, request, &created);
}

TEST_P(StorageMaintenanceTest, SweeperDeletesExpiredThreadsAndOldMetrics) {
  absl::StatusOr<std::unique_ptr<StorageProcess>> storage =
      StorageProcess::Start(url_, {"--migrate", "--sweep_interval=100ms",
                                   "--metrics_retention=1h"});
  ASSERT_TRUE(storage.ok()) << storage.status();
  auto repository = (*storage)->Repository();
  std::unique_ptr<sql::Database> direct = OpenDirectly();
  ASSERT_NE(direct, nullptr);

  // Two threads, one of which expired a minute ago; three metrics past
  // the retention and one within it.
  ASSERT_TRUE(SaveThread(*repository, "C1:1.1").ok());
  ASSERT_TRUE(SaveThread(*repository, "C1:2.2").ok());
  const absl::Time now = absl::Now();
  ASSERT_TRUE(direct
                  ->RunInTransaction(
                      sql::TransactionMode::kReadWrite,
                      [&](sql::Transaction& tx) {
                        std::vector<sql::Param> params = {
                            now - absl::Minutes(1), std::string("C1:1.1")};
                        return tx
                            .Execute(
                                "UPDATE thread_contexts SET expires_at = "
                                "$1 WHERE thread_key = $2",
                                params)
                            .status();
                      })
                  .ok());
  for (absl::Duration age : {absl::Hours(2), absl::Hours(30),
                             absl::Hours(24 * 100), absl::Minutes(1)}) {
    ASSERT_TRUE(RecordMetric(*repository, now - age).ok());
  }

  // The sweeper runs on its own schedule; watch the tables for its work.
  int64_t threads = -1;
  int64_t metrics = -1;
  const absl::Time give_up = absl::Now() + absl::Seconds(15);
  while (absl::Now() < give_up && !(threads == 1 && metrics == 1)) {
    absl::SleepFor(absl::Milliseconds(50));
    threads =
        Count(*direct, "SELECT count(*) FROM thread_contexts").value_or(-1);
    metrics =
        Count(*direct, "SELECT count(*) FROM performance_metrics").value_or(-1);
  }
  EXPECT_EQ(threads, 1);
  EXPECT_EQ(metrics, 1);

  // What is left is what should be.
  grpc::ClientContext context;
  Prepare(&context);
  v1::GetThreadContextRequest get;
  get.set_thread_key("C1:2.2");
  v1::ThreadContext live;
  EXPECT_TRUE(repository->GetThreadContext(&context, get, &live).ok());
  absl::StatusOr<int64_t> recent = Count(
      *direct, absl::StrCat("SELECT count(*) FROM performance_metrics WHERE "
                            "metric_name = 'slack_response_time'"));
  EXPECT_EQ(recent.value_or(-1), 1);

  // The log names what went: three old metrics, in one sweep or, when a
  // sweep ran between the inserts above (a slow machine, a sanitizer
  // build), in several.
  const std::string output = (*storage)->process().output();
  constexpr absl::string_view kDeleted = "sweeper deleted ";
  constexpr absl::string_view kOldMetrics =
      " performance metrics older than 1h";
  int64_t deleted = 0;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    const size_t at = line.find(kDeleted);
    if (at == absl::string_view::npos || !absl::EndsWith(line, kOldMetrics)) {
      continue;
    }
    absl::string_view count = line.substr(at + kDeleted.size());
    count.remove_suffix(kOldMetrics.size());
    int64_t n = 0;
    ASSERT_TRUE(absl::SimpleAtoi(count, &n)) << line;
    deleted += n;
  }
  EXPECT_EQ(deleted, 3) << output;
}

TEST_P(StorageMaintenanceTest, NoRetentionKeepsEveryMetric) {
  absl::StatusOr<std::unique_ptr<StorageProcess>> storage =
      StorageProcess::Start(url_, {"--migrate", "--sweep_interval=50ms"});
  ASSERT_TRUE(storage.ok()) << storage.status();
  auto repository = (*storage)->Repository();
  ASSERT_TRUE(
      RecordMetric(*repository, absl::Now() - absl::Hours(24 * 3650)).ok());
  ASSERT_TRUE(SaveThread(*repository, "C2").ok());

  // Expire the thread: once the sweeper has deleted it, a sweep has run,
  // and the ten-year-old metric must still be there.
  std::unique_ptr<sql::Database> direct = OpenDirectly();
  ASSERT_NE(direct, nullptr);
  ASSERT_TRUE(direct
                  ->RunInTransaction(
                      sql::TransactionMode::kReadWrite,
                      [&](sql::Transaction& tx) {
                        std::vector<sql::Param> params = {absl::Now() -
                                                          absl::Minutes(1)};
                        return tx
                            .Execute(
                                "UPDATE thread_contexts SET expires_at = $1",
                                params)
                            .status();
                      })
                  .ok());
  absl::StatusOr<std::string> swept = (*storage)->process().WaitForLine(
      "sweeper deleted 1 expired thread contexts", absl::Seconds(15));
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(
      Count(*direct, "SELECT count(*) FROM performance_metrics").value_or(-1),
      1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageMaintenanceTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

}  // namespace
}  // namespace opsbrain::testing
