#include "storage_service/sql/instrumented_database.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage_service/sql/database.h"

namespace opsbrain::sql {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Statements take `delay` and fail with `failure`; the pool reports fixed
// numbers.
class FakeDatabase final : public Database {
 public:
  class FakeTransaction final : public Transaction {
   public:
    explicit FakeTransaction(FakeDatabase& db) : db_(db) {}
    absl::StatusOr<ResultSet> Execute(absl::string_view sql,
                                      absl::Span<const Param>) override {
      db_.executed.emplace_back(sql);
      absl::SleepFor(db_.delay);
      if (!db_.failure.ok()) return db_.failure;
      return ResultSet(0, {}, 0);
    }
    absl::Status ExecuteScript(absl::string_view) override {
      return absl::OkStatus();
    }

   private:
    FakeDatabase& db_;
  };

  Dialect dialect() const override { return Dialect::kSqlite; }
  absl::Status RunInTransaction(
      TransactionMode,
      absl::FunctionRef<absl::Status(Transaction&)> body) override {
    FakeTransaction transaction(*this);
    return body(transaction);
  }
  absl::Status Ping() override { return absl::UnavailableError("down"); }
  PoolStats GetPoolStats() const override { return {3, 2, 1, 8}; }

  absl::Duration delay = absl::ZeroDuration();
  absl::Status failure;
  std::vector<std::string> executed;
};

TEST(StatementNameTest, NamesCommandAndTableWithoutValues) {
  struct Case {
    const char* sql;
    const char* name;
  };
  const Case kCases[] = {
      {"SELECT key, value FROM configurations WHERE key = $1",
       "SELECT configurations"},
      {"  select a from \"performance_metrics\" where b = 'x FROM y'",
       "SELECT performance_metrics"},
      {"INSERT INTO config_audit (table_name) VALUES ($1)",
       "INSERT config_audit"},
      {"UPDATE business_goals SET progress = $2 WHERE id = $1",
       "UPDATE business_goals"},
      {"DELETE FROM thread_contexts WHERE expires_at <= $1",
       "DELETE thread_contexts"},
      {"SELECT 1", "SELECT"},
      {"SELECT 'secret FROM passwords'", "SELECT"},
      {"SELECT count(*) FROM (SELECT 1) AS t", "SELECT"},
      {"-- comment FROM x\nBEGIN", "BEGIN"},
      {"", "statement"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.sql);
    EXPECT_EQ(StatementName(c.sql), c.name);
  }
}

TEST(InstrumentedDatabaseTest, PassesStatementsAndStatusesThrough) {
  auto fake = std::make_unique<FakeDatabase>();
  FakeDatabase* raw = fake.get();
  raw->failure = absl::AbortedError("lost race");
  std::unique_ptr<Database> db =
      NewInstrumentedDatabase(std::move(fake), InstrumentationOptions());

  absl::Status status =
      db->RunInTransaction(TransactionMode::kReadWrite, [](Transaction& tx) {
        return tx.Execute("UPDATE t SET a = $1", {int64_t{1}}).status();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(raw->executed, ::testing::ElementsAre("UPDATE t SET a = $1"));
  EXPECT_EQ(db->Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(db->dialect(), Dialect::kSqlite);
  EXPECT_EQ(db->GetPoolStats().max_size, 8);
}

TEST(InstrumentedDatabaseTest, CountsSlowStatementsAndExportsPoolGauges) {
  metrics::Registry registry;
  auto fake = std::make_unique<FakeDatabase>();
  FakeDatabase* raw = fake.get();
  InstrumentationOptions options;
  options.slow_statement_threshold = absl::Milliseconds(20);
  options.registry = &registry;
  std::unique_ptr<Database> db =
      NewInstrumentedDatabase(std::move(fake), options);

  auto run = [&](const char* sql) {
    return db->RunInTransaction(
        TransactionMode::kReadOnly,
        [&](Transaction& tx) { return tx.Execute(sql, {}).status(); });
  };
  ASSERT_TRUE(run("SELECT a FROM fast_table WHERE b = 'v1'").ok());
  raw->delay = absl::Milliseconds(40);
  ASSERT_TRUE(run("SELECT a FROM slow_table WHERE b = 'v2'").ok());

  const std::string text = registry.TextExposition();
  EXPECT_THAT(text, HasSubstr("opsbrain_db_slow_statements_total{statement="
                              "\"SELECT slow_table\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("opsbrain_db_slow_statements_total{"
                                  "statement=\"SELECT fast_table\"}")));
  EXPECT_THAT(text, HasSubstr("opsbrain_db_statement_duration_seconds_count{"
                              "statement=\"SELECT fast_table\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("v1")));
  EXPECT_THAT(text, Not(HasSubstr("v2")));
  EXPECT_THAT(text,
              HasSubstr("opsbrain_db_pool_connections{state=\"in_use\"} 3\n"));
  EXPECT_THAT(text,
              HasSubstr("opsbrain_db_pool_connections{state=\"idle\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("opsbrain_db_pool_waiting 1\n"));
  EXPECT_THAT(text, HasSubstr("opsbrain_db_pool_max_connections 8\n"));

  // Once the database is gone its collector no longer runs.
  db.reset();
  EXPECT_THAT(registry.TextExposition(),
              HasSubstr("opsbrain_db_pool_max_connections 8\n"));
}

}  // namespace
}  // namespace opsbrain::sql
