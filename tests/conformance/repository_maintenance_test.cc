// Conformance of the repository's bounded-growth behaviour, on every
// backend: thread message caps, batched metrics retention, and index use
// by the metrics query.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage_service/repository.h"
#include "storage_service/sql/database.h"
#include "storage_service/sql/sql_repository.h"
#include "tests/conformance/test_store.h"

namespace opsbrain::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 1, 5, 9, 0, 0),
                                       absl::UTCTimeZone());

WriteContext At(absl::Time now) { return WriteContext{"tester", now}; }

// Passes everything to another Database, counting write transactions and
// keeping the text and parameters of the statements run.
class RecordingDatabase final : public sql::Database {
 public:
  explicit RecordingDatabase(sql::Database* inner) : inner_(*inner) {}

  sql::Dialect dialect() const override { return inner_.dialect(); }

  absl::Status RunInTransaction(
      sql::TransactionMode mode,
      absl::FunctionRef<absl::Status(sql::Transaction&)> body) override {
    if (mode == sql::TransactionMode::kReadWrite) {
      absl::MutexLock lock(&mu_);
      ++write_transactions_;
    }
    return inner_.RunInTransaction(mode, [&](sql::Transaction& tx) {
      Recorder recorder(tx, *this);
      return body(recorder);
    });
  }

  absl::Status Ping() override { return inner_.Ping(); }

  int write_transactions() {
    absl::MutexLock lock(&mu_);
    return write_transactions_;
  }

  // The last statement run whose text starts with `prefix`.
  std::optional<std::pair<std::string, std::vector<sql::Param>>> Last(
      absl::string_view prefix) {
    absl::MutexLock lock(&mu_);
    for (auto it = statements_.rbegin(); it != statements_.rend(); ++it) {
      if (absl::StartsWith(it->first, prefix)) return *it;
    }
    return std::nullopt;
  }

 private:
  class Recorder final : public sql::Transaction {
   public:
    Recorder(sql::Transaction& tx, RecordingDatabase& db) : tx_(tx), db_(db) {}
    absl::StatusOr<sql::ResultSet> Execute(
        absl::string_view sql, absl::Span<const sql::Param> params) override {
      {
        absl::MutexLock lock(&db_.mu_);
        db_.statements_.emplace_back(
            std::string(sql),
            std::vector<sql::Param>(params.begin(), params.end()));
      }
      return tx_.Execute(sql, params);
    }
    absl::Status ExecuteScript(absl::string_view sql) override {
      return tx_.ExecuteScript(sql);
    }

   private:
    sql::Transaction& tx_;
    RecordingDatabase& db_;
  };

  sql::Database& inner_;
  absl::Mutex mu_;
  int write_transactions_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::pair<std::string, std::vector<sql::Param>>> statements_
      ABSL_GUARDED_BY(mu_);
};

class RepositoryMaintenanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestStore>> store =
        OpenTestStore(GetParam());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    repo_ = store_->repository.get();
    recording_ = std::make_unique<RecordingDatabase>(store_->database.get());
    recorded_repo_ = sql::NewSqlRepository(recording_.get());
  }

  void PutConfig(const std::string& key, const std::string& value) {
    Configuration config;
    config.key = key;
    config.value = value;
    ASSERT_TRUE(
        repo_->UpdateConfiguration(config, FieldMask({"value"}), true, At(kT0))
            .ok());
  }

  absl::StatusOr<ThreadContext> SaveMessages(int count) {
    ThreadContext thread;
    thread.thread_key = "C1";
    thread.channel_id = "C1";
    for (int i = 1; i <= count; ++i) {
      thread.messages.push_back(absl::StrCat("User: m", i));
    }
    return repo_->UpdateThreadContext(thread, FieldMask({"messages"}), true,
                                      At(kT0));
  }

  std::vector<PerformanceMetric> Metrics(const std::string& name, int count,
                                         absl::Time first,
                                         absl::Duration step) {
    std::vector<PerformanceMetric> metrics;
    for (int i = 0; i < count; ++i) {
      PerformanceMetric metric;
      metric.name = name;
      metric.value = i;
      metric.time = first + step * i;
      metrics.push_back(metric);
    }
    return metrics;
  }

  std::unique_ptr<TestStore> store_;
  Repository* repo_ = nullptr;
  std::unique_ptr<RecordingDatabase> recording_;
  std::unique_ptr<Repository> recorded_repo_;
};

// ---- Thread message cap ---------------------------------------------------

TEST_P(RepositoryMaintenanceTest, ThreadKeepsTheNewestTenMessagesByDefault) {
  absl::StatusOr<ThreadContext> saved = SaveMessages(12);
  ASSERT_TRUE(saved.ok()) << saved.status();
  ASSERT_THAT(saved->messages, SizeIs(10));
  EXPECT_EQ(saved->messages.front(), "User: m3");
  EXPECT_EQ(saved->messages.back(), "User: m12");

  absl::StatusOr<ThreadContext> read = repo_->GetThreadContext("C1", kT0);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->messages, saved->messages);
}

TEST_P(RepositoryMaintenanceTest, MessageCapComesFromConfiguration) {
  struct Case {
    const char* value;
    size_t kept;
  };
  const Case kCases[] = {{"3", 3}, {"25", 12}, {"0", 10}, {"many", 10}};
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.value);
    PutConfig("max_thread_context_messages", c.value);
    absl::StatusOr<ThreadContext> saved = SaveMessages(12);
    ASSERT_TRUE(saved.ok()) << saved.status();
    EXPECT_THAT(saved->messages, SizeIs(c.kept));
    EXPECT_EQ(saved->messages.back(), "User: m12");
  }
}

TEST_P(RepositoryMaintenanceTest, ThreadUnderTheCapKeepsEveryMessage) {
  absl::StatusOr<ThreadContext> saved = SaveMessages(2);
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_THAT(saved->messages, ElementsAre("User: m1", "User: m2"));
}

// ---- Metrics retention ----------------------------------------------------

TEST_P(RepositoryMaintenanceTest, PurgeDeletesOldMetricsInBoundedBatches) {
  ASSERT_TRUE(repo_
                  ->CreatePerformanceMetrics(Metrics(
                      "old", 25, kT0 - absl::Hours(100), absl::Minutes(1)))
                  .ok());
  ASSERT_TRUE(
      repo_->CreatePerformanceMetrics(Metrics("new", 5, kT0, absl::Minutes(1)))
          .ok());

  // 25 rows at 10 per transaction: 10, 10, then a short 5 that ends it.
  absl::StatusOr<int64_t> purged =
      recorded_repo_->PurgePerformanceMetricsBefore(kT0, 10);
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 25);
  EXPECT_EQ(recording_->write_transactions(), 3);

  absl::StatusOr<Page<PerformanceMetric>> left = repo_->ListPerformanceMetrics(
      "", std::nullopt, std::nullopt, PageRequest{100, ""});
  ASSERT_TRUE(left.ok()) << left.status();
  ASSERT_THAT(left->items, SizeIs(5));
  for (const PerformanceMetric& metric : left->items) {
    EXPECT_EQ(metric.name, "new");
  }

  // Nothing left to delete: one empty batch.
  EXPECT_EQ(recorded_repo_->PurgePerformanceMetricsBefore(kT0, 10).value_or(-1),
            0);
  EXPECT_EQ(recording_->write_transactions(), 4);
}

TEST_P(RepositoryMaintenanceTest,
       PurgeCutoffIsExclusiveAndBatchMustBePositive) {
  ASSERT_TRUE(
      repo_->CreatePerformanceMetrics(Metrics("m", 3, kT0, absl::Seconds(1)))
          .ok());
  EXPECT_EQ(repo_->PurgePerformanceMetricsBefore(kT0, 1000).value_or(-1), 0);
  EXPECT_EQ(repo_->PurgePerformanceMetricsBefore(kT0 + absl::Seconds(1), 1000)
                .value_or(-1),
            1);
  EXPECT_EQ(repo_->PurgePerformanceMetricsBefore(kT0 + absl::Hours(1), 0)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

// ---- Index use --------------------------------------------------------------

TEST_P(RepositoryMaintenanceTest, MetricsByNameAndTimeUseTheNameTimeIndex) {
  // Enough rows, over enough names, for the planner to care.
  std::vector<PerformanceMetric> metrics;
  for (int i = 0; i < 2000; ++i) {
    PerformanceMetric metric;
    metric.name = absl::StrCat("metric_", i % 40);
    metric.value = i;
    metric.time = kT0 - absl::Minutes(i);
    metrics.push_back(metric);
  }
  ASSERT_TRUE(repo_->CreatePerformanceMetrics(metrics).ok());
  ASSERT_TRUE(
      store_->database
          ->RunInTransaction(
              sql::TransactionMode::kReadWrite,
              [](sql::Transaction& tx) {
                return tx.Execute("ANALYZE performance_metrics", {}).status();
              })
          .ok());

  // The statement the repository runs for a query by name and range, with
  // its parameters, explained by the database itself.
  ASSERT_TRUE(recorded_repo_
                  ->ListPerformanceMetrics("metric_7", kT0 - absl::Hours(3),
                                           kT0, PageRequest{50, ""})
                  .ok());
  auto query = recording_->Last("SELECT");
  ASSERT_TRUE(query.has_value());
  const std::string explain =
      GetParam() == Backend::kPostgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ";
  std::string plan;
  ASSERT_TRUE(store_->database
                  ->RunInTransaction(
                      sql::TransactionMode::kReadWrite,
                      [&](sql::Transaction& tx) -> absl::Status {
                        absl::StatusOr<sql::ResultSet> rows = tx.Execute(
                            absl::StrCat(explain, query->first), query->second);
                        if (!rows.ok()) return rows.status();
                        for (int row = 0; row < rows->num_rows(); ++row) {
                          for (int column = 0; column < rows->num_columns();
                               ++column) {
                            if (const auto* text = std::get_if<std::string>(
                                    &rows->cell(row, column))) {
                              absl::StrAppend(&plan, *text, "\n");
                            }
                          }
                        }
                        return absl::OkStatus();
                      })
                  .ok());
  EXPECT_THAT(plan, HasSubstr("idx_performance_metrics_name_time"))
      << query->first;
  ::testing::Test::RecordProperty("plan", plan);
}

INSTANTIATE_TEST_SUITE_P(Backends, RepositoryMaintenanceTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

}  // namespace
}  // namespace opsbrain::testing
