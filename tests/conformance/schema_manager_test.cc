// Conformance of the SQL schema manager on every backend: the migration
// history, the checks of that history against the compiled-in migrations,
// failed migrations and their record, the migration lock, and the baseline
// of a schema the legacy app created.
#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage_service/database_factory.h"
#include "storage_service/migrations/migrations.h"
#include "storage_service/migrations/sql_schema_manager.h"
#include "storage_service/schema.h"
#include "storage_service/sql/database.h"
#include "storage_service/sql/dialect_sql.h"
#include "tests/conformance/test_store.h"

namespace opsbrain::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 2, 1, 8, 0, 0),
                                        absl::UTCTimeZone());

migrations::Migration TestMigration(int version, std::string description,
                                    std::string sql) {
  migrations::Migration migration;
  migration.version = version;
  migration.description = std::move(description);
  migration.checksum = migrations::MigrationChecksum(sql);
  migration.sql = std::move(sql);
  return migration;
}

std::vector<int> Versions(const std::vector<MigrationInfo>& migrations) {
  std::vector<int> versions;
  for (const MigrationInfo& info : migrations) versions.push_back(info.version);
  return versions;
}

class SchemaManagerTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestStore>> store =
        OpenTestStore(GetParam(), /*migrate=*/false);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  bool postgres() const { return GetParam() == Backend::kPostgres; }
  sql::Database& db() { return *store_->database; }
  SchemaManager& schema() { return *store_->schema; }

  // Another connection pool to the same database: a second replica.
  std::unique_ptr<sql::Database> OpenAgain() {
    absl::StatusOr<DatabaseTarget> target = ParseDatabaseUrl(store_->url);
    EXPECT_TRUE(target.ok()) << target.status();
    absl::StatusOr<std::unique_ptr<sql::Database>> database =
        OpenDatabase(*target);
    EXPECT_TRUE(database.ok()) << database.status();
    return database.ok() ? *std::move(database) : nullptr;
  }

  void Exec(const std::string& script) {
    absl::Status status = db().RunInTransaction(
        sql::TransactionMode::kReadWrite,
        [&](sql::Transaction& tx) { return tx.ExecuteScript(script); });
    ASSERT_TRUE(status.ok()) << status << "\n" << script;
  }

  bool TableExists(const std::string& table) {
    bool exists = false;
    absl::Status status = db().RunInTransaction(
        sql::TransactionMode::kReadOnly,
        [&](sql::Transaction& tx) -> absl::Status {
          const std::vector<sql::Param> name = {table};
          absl::StatusOr<sql::ResultSet> rows =
              tx.Execute(sql::SqlFor(db().dialect()).table_exists, name);
          if (!rows.ok()) return rows.status();
          exists = rows->num_rows() > 0;
          return absl::OkStatus();
        });
    EXPECT_TRUE(status.ok()) << status;
    return exists;
  }

  SchemaStatus Status() {
    absl::StatusOr<SchemaStatus> status = schema().GetStatus();
    EXPECT_TRUE(status.ok()) << status.status();
    return status.ok() ? *status : SchemaStatus();
  }

  std::unique_ptr<TestStore> store_;
};

TEST_P(SchemaManagerTest, HistoryRecordsVersionDescriptionChecksumAndTime) {
  const std::vector<migrations::Migration>& known =
      migrations::MigrationsFor(db().dialect());
  SchemaStatus before = Status();
  EXPECT_EQ(before.current_version, 0);
  ASSERT_THAT(before.pending, SizeIs(known.size()));
  EXPECT_EQ(before.pending[0].sql, known[0].sql);

  absl::StatusOr<std::vector<MigrationInfo>> applied =
      schema().ApplyPending(kNow, {});
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_THAT(Versions(*applied), ElementsAre(1, 2, 3));

  SchemaStatus after = Status();
  EXPECT_TRUE(after.is_current());
  ASSERT_THAT(after.applied, SizeIs(known.size()));
  for (size_t i = 0; i < known.size(); ++i) {
    EXPECT_EQ(after.applied[i].version, known[i].version);
    EXPECT_EQ(after.applied[i].description, known[i].description);
    EXPECT_EQ(after.applied[i].checksum, known[i].checksum);
    EXPECT_EQ(after.applied[i].applied_time, kNow);
  }
  EXPECT_THAT(after.pending, IsEmpty());
  EXPECT_THAT(after.problems, IsEmpty());

  // Again: nothing to do.
  applied = schema().ApplyPending(kNow + absl::Hours(1), {});
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_THAT(*applied, IsEmpty());
}

TEST_P(SchemaManagerTest, EditedMigrationIsReportedAndNothingIsApplied) {
  ASSERT_TRUE(schema().ApplyPending(kNow, {}).ok());
  Exec("UPDATE schema_migrations SET checksum = 'f00d' WHERE version = 1");

  SchemaStatus status = Status();
  EXPECT_FALSE(status.is_current());
  ASSERT_THAT(status.problems, SizeIs(1));
  EXPECT_EQ(status.problems[0].kind, SchemaProblem::Kind::kChecksumMismatch);
  EXPECT_EQ(status.problems[0].version, 1);
  EXPECT_THAT(status.problems[0].message,
              HasSubstr("migration 1 (legacy schema) was edited after it was "
                        "applied: its recorded checksum is f00d..."));

  absl::StatusOr<std::vector<MigrationInfo>> applied =
      schema().ApplyPending(kNow, {});
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(applied.status().message(),
              HasSubstr("does not match this binary's migrations, so nothing "
                        "was applied: migration 1 (legacy schema) was edited"));
}

TEST_P(SchemaManagerTest, OutOfOrderAndUnknownVersionsAreRefused) {
  const std::vector<migrations::Migration> steps = {
      TestMigration(1, "one", "CREATE TABLE one (x INTEGER);"),
      TestMigration(2, "two", "CREATE TABLE two (x INTEGER);"),
      TestMigration(3, "three", "CREATE TABLE three (x INTEGER);"),
  };
  const std::vector<migrations::Migration> first_two(steps.begin(),
                                                     steps.begin() + 2);
  std::unique_ptr<SchemaManager> all =
      migrations::NewSqlSchemaManagerForTest(&db(), &steps);
  ASSERT_TRUE(all->ApplyPending(kNow, {}).ok());
  Exec("DELETE FROM schema_migrations WHERE version = 2");

  // Migration 2 is missing below 3: out of order.
  absl::StatusOr<SchemaStatus> status = all->GetStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->current_version, 1);
  ASSERT_THAT(status->problems, SizeIs(1));
  EXPECT_EQ(status->problems[0].kind, SchemaProblem::Kind::kOutOfOrder);
  EXPECT_THAT(status->problems[0].message,
              HasSubstr("migration 2 (two) is not applied, but migration 3 "
                        "after it is"));
  absl::StatusOr<std::vector<MigrationInfo>> applied =
      all->ApplyPending(kNow, {});
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kFailedPrecondition);

  // A binary that knows only 1 and 2 sees 3 as unknown.
  std::unique_ptr<SchemaManager> older =
      migrations::NewSqlSchemaManagerForTest(&db(), &first_two);
  status = older->GetStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  std::vector<SchemaProblem::Kind> kinds;
  for (const SchemaProblem& problem : status->problems) {
    kinds.push_back(problem.kind);
  }
  EXPECT_THAT(kinds, ElementsAre(SchemaProblem::Kind::kUnknownVersion,
                                 SchemaProblem::Kind::kOutOfOrder));
  EXPECT_THAT(status->problems[0].message,
              HasSubstr("migration 3 (three) is applied, but this binary "
                        "knows migrations 1 to 2 only"));
}

TEST_P(SchemaManagerTest, FailedMigrationRollsBackAndIsRecordedUntilFixed) {
  const std::vector<migrations::Migration> steps = {
      TestMigration(1, "one", "CREATE TABLE one (x INTEGER);"),
      TestMigration(2, "two",
                    "CREATE TABLE two (x INTEGER);\n"
                    "INSERT INTO prerequisite (x) VALUES (1);"),
  };
  std::unique_ptr<SchemaManager> manager =
      migrations::NewSqlSchemaManagerForTest(&db(), &steps);

  // Two attempts fail; each leaves the schema at version 1 and a record.
  for (int attempt = 1; attempt <= 2; ++attempt) {
    absl::StatusOr<std::vector<MigrationInfo>> applied =
        manager->ApplyPending(kNow + absl::Minutes(attempt), {});
    ASSERT_FALSE(applied.ok());
    EXPECT_EQ(applied.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(applied.status().message(),
                HasSubstr("migration 2 (two) failed and was rolled back; the "
                          "schema stays at version 1 and the failure is "
                          "recorded"));
    EXPECT_THAT(applied.status().message(), HasSubstr("prerequisite"));
    EXPECT_TRUE(TableExists("one"));
    EXPECT_FALSE(TableExists("two"));

    absl::StatusOr<SchemaStatus> status = manager->GetStatus();
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_EQ(status->current_version, 1);
    ASSERT_THAT(status->failures, SizeIs(attempt));
    const MigrationFailure& failure = status->failures.back();
    EXPECT_EQ(failure.version, 2);
    EXPECT_EQ(failure.description, "two");
    EXPECT_EQ(failure.checksum, steps[1].checksum);
    EXPECT_THAT(failure.error, HasSubstr("prerequisite"));
    EXPECT_EQ(failure.failed_time, kNow + absl::Minutes(attempt));
  }

  // The cause fixed, the next run applies it and resolves the failures.
  Exec("CREATE TABLE prerequisite (x INTEGER);");
  absl::StatusOr<std::vector<MigrationInfo>> applied =
      manager->ApplyPending(kNow + absl::Hours(1), {});
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_THAT(Versions(*applied), ElementsAre(2));
  absl::StatusOr<SchemaStatus> status = manager->GetStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(status->is_current());
  EXPECT_THAT(status->failures, IsEmpty());
  EXPECT_TRUE(TableExists("two"));
}

TEST_P(SchemaManagerTest, ConcurrentRunsApplyEachMigrationOnce) {
  // Two replicas: each its own pool and manager, started together.
  std::unique_ptr<sql::Database> other_db = OpenAgain();
  ASSERT_NE(other_db, nullptr);
  std::unique_ptr<SchemaManager> other =
      migrations::NewSqlSchemaManager(other_db.get());
  absl::StatusOr<std::vector<MigrationInfo>> results[2];
  {
    std::thread first([&] { results[0] = schema().ApplyPending(kNow, {}); });
    std::thread second([&] { results[1] = other->ApplyPending(kNow, {}); });
    first.join();
    second.join();
  }
  std::vector<int> all;
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    for (int version : Versions(*result)) all.push_back(version);
  }
  std::sort(all.begin(), all.end());
  EXPECT_THAT(all, ElementsAre(1, 2, 3));
  SchemaStatus status = Status();
  EXPECT_TRUE(status.is_current());
  EXPECT_THAT(Versions(status.applied), ElementsAre(1, 2, 3));
}

TEST_P(SchemaManagerTest, BaselineAdoptsASchemaMadeByMigrationOne) {
  const std::vector<migrations::Migration>& known =
      migrations::MigrationsFor(db().dialect());
  Exec(known[0].sql);

  absl::StatusOr<BaselineOutcome> outcome = schema().Baseline(kNow, {});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(outcome->recorded);
  SchemaStatus status = Status();
  EXPECT_EQ(status.current_version, 1);
  ASSERT_THAT(status.applied, SizeIs(1));
  EXPECT_EQ(status.applied[0].checksum, known[0].checksum);
  EXPECT_EQ(status.applied[0].applied_time, kNow);

  // A second baseline changes nothing; `up` finishes the upgrade.
  outcome = schema().Baseline(kNow, {});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_FALSE(outcome->recorded);
  absl::StatusOr<std::vector<MigrationInfo>> applied =
      schema().ApplyPending(kNow, {});
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_THAT(Versions(*applied), ElementsAre(2, 3));
}

TEST_P(SchemaManagerTest, BaselineRefusesAnEmptyOrDifferentSchema) {
  absl::StatusOr<BaselineOutcome> outcome = schema().Baseline(kNow, {});
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(outcome.status().message(),
              HasSubstr("none of the tables of migration 1"));

  Exec(migrations::MigrationsFor(db().dialect())[0].sql);
  Exec(absl::StrCat(
      "DROP TABLE user_preferences;"
      "ALTER TABLE performance_metrics DROP COLUMN additional_data;"
      "ALTER TABLE configurations ADD COLUMN owner TEXT;",
      postgres() ? "ALTER TABLE business_goals ALTER COLUMN progress TYPE "
                   "TEXT;"
                 : ""));
  outcome = schema().Baseline(kNow, {});
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(outcome.status().message());
  EXPECT_THAT(message, HasSubstr("differ from migration 1"));
  EXPECT_THAT(message,
              HasSubstr("column configurations.owner is not in migration 1"));
  EXPECT_THAT(message, HasSubstr("table user_preferences is missing"));
  EXPECT_THAT(message, HasSubstr("column performance_metrics.additional_data "
                                 "is missing"));
  if (postgres()) {
    EXPECT_THAT(message,
                HasSubstr("column business_goals.progress is text, not "
                          "integer"));
  }
  EXPECT_THAT(Status().applied, IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Backends, SchemaManagerTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

// The PostgreSQL migration lock, observed through pg_locks.
class PostgresMigrationLockTest : public SchemaManagerTest {
 protected:
  // Advisory-lock requests waiting right now.
  int WaitingAdvisoryLocks() {
    int waiting = -1;
    absl::Status status = db().RunInTransaction(
        sql::TransactionMode::kReadOnly,
        [&](sql::Transaction& tx) -> absl::Status {
          absl::StatusOr<sql::ResultSet> rows = tx.Execute(
              "SELECT count(*) FROM pg_locks WHERE locktype = "
              "'advisory' AND NOT granted",
              {});
          if (!rows.ok()) return rows.status();
          sql::RowReader reader(*rows, 0);
          waiting = static_cast<int>(reader.Int64(0));
          return reader.status();
        });
    EXPECT_TRUE(status.ok()) << status;
    return waiting;
  }

  // Polls (bounded) until `count` advisory-lock requests wait.
  bool AwaitWaiting(int count) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      if (WaitingAdvisoryLocks() >= count) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  // Holds `lock_sql` in a transaction of `database` on a thread until
  // `release` is notified; `held` is notified once it is held, and
  // `backend_pid` receives the session's process id.
  std::thread HoldLock(sql::Database* database, std::string lock_sql,
                       absl::Notification* held, absl::Notification* release,
                       std::atomic<int64_t>* backend_pid) {
    return std::thread([=] {
      database
          ->RunInTransaction(sql::TransactionMode::kReadWrite,
                             [&](sql::Transaction& tx) -> absl::Status {
                               absl::StatusOr<sql::ResultSet> pid = tx.Execute(
                                   absl::StrCat(lock_sql, ", pg_backend_pid()"),
                                   {});
                               if (!pid.ok()) return pid.status();
                               sql::RowReader reader(*pid, 0);
                               backend_pid->store(reader.Int64(1));
                               held->Notify();
                               release->WaitForNotification();
                               return absl::OkStatus();
                             })
          .IgnoreError();
    });
  }
};

constexpr char kMigrationLock[] = "SELECT pg_advisory_xact_lock(5172024001)";

TEST_P(PostgresMigrationLockTest, SecondRunWaitsForTheFirstAndFindsNothing) {
  // Migration 1 waits for a lock the test holds, so the first run stays
  // inside it while the second one asks for the migration lock.
  const std::vector<migrations::Migration> steps = {
      TestMigration(1, "gated", "SELECT pg_advisory_xact_lock(777);"),
      TestMigration(2, "two", "CREATE TABLE two (x INTEGER);"),
  };
  std::unique_ptr<sql::Database> gate_db = OpenAgain();
  std::unique_ptr<sql::Database> second_db = OpenAgain();
  std::unique_ptr<SchemaManager> first =
      migrations::NewSqlSchemaManagerForTest(&db(), &steps);
  std::unique_ptr<SchemaManager> second =
      migrations::NewSqlSchemaManagerForTest(second_db.get(), &steps);

  absl::Notification gate_held, open_gate;
  std::atomic<int64_t> gate_pid{0};
  std::thread gate =
      HoldLock(gate_db.get(), "SELECT pg_advisory_xact_lock(777)", &gate_held,
               &open_gate, &gate_pid);
  gate_held.WaitForNotification();

  absl::StatusOr<std::vector<MigrationInfo>> first_result, second_result;
  std::thread first_run([&] { first_result = first->ApplyPending(kNow, {}); });
  ASSERT_TRUE(AwaitWaiting(1));  // The first run, inside migration 1.
  std::thread second_run(
      [&] { second_result = second->ApplyPending(kNow, {}); });
  ASSERT_TRUE(AwaitWaiting(2));  // The second, on the migration lock.
  open_gate.Notify();
  gate.join();
  first_run.join();
  second_run.join();

  ASSERT_TRUE(first_result.ok()) << first_result.status();
  ASSERT_TRUE(second_result.ok()) << second_result.status();
  EXPECT_THAT(Versions(*first_result), ElementsAre(1, 2));
  EXPECT_THAT(*second_result, IsEmpty());
}

TEST_P(PostgresMigrationLockTest, LockHeldTooLongGivesUpAndDeadHolderFreesIt) {
  std::unique_ptr<sql::Database> holder_db = OpenAgain();
  absl::Notification held, release;
  std::atomic<int64_t> holder_pid{0};
  std::thread holder =
      HoldLock(holder_db.get(), kMigrationLock, &held, &release, &holder_pid);
  held.WaitForNotification();

  MigrationRunOptions options;
  options.lock_timeout = absl::Milliseconds(200);
  absl::StatusOr<std::vector<MigrationInfo>> applied =
      schema().ApplyPending(kNow, options);
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(applied.status().message(),
              HasSubstr("another migration run holds the migration lock; "
                        "gave up waiting after 200ms"));
  EXPECT_EQ(Status().current_version, 0);

  // The holder's session dies: the server releases its lock.
  Exec(absl::StrCat("SELECT pg_terminate_backend(", holder_pid.load(), ")"));
  release.Notify();
  holder.join();
  options.lock_timeout = absl::Seconds(10);
  applied = schema().ApplyPending(kNow, options);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_THAT(Versions(*applied), ElementsAre(1, 2, 3));
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresMigrationLockTest,
                         ::testing::Values(Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

}  // namespace
}  // namespace opsbrain::testing
