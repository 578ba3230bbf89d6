// An import killed half-way (the migrator, and separately the storage
// service) and run again ends with the same tables as a clean run: the
// same row counts and checksums, no duplicate, no gap. The legacy file has
// 200 000 metrics, so that the kill lands in the middle of the import.
#include <signal.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/internal.grpc.pb.h"
#include "storage_service/database_factory.h"
#include "storage_service/sql/database.h"
#include "tests/conformance/test_store.h"
#include "tests/migrator/migrator_env.h"
#include "tests/storage_service/storage_process.h"
#include "tests/util/subprocess.h"

namespace opsbrain::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// migrator/exit_codes.h
constexpr int kExitOk = 0;
constexpr int kExitUnavailable = 5;

constexpr int kMetrics = 200000;

// A table's row count and checksum, as Import.GetTableChecksums gives them.
using Tables = std::map<std::string, std::pair<int64_t, std::string>>;

// One store: a database and the storage service on it, which the test may
// kill and start again.
class Store {
 public:
  explicit Store(Backend backend) {
    absl::StatusOr<std::string> url = NewDatabaseUrl(backend);
    EXPECT_TRUE(url.ok()) << url.status();
    url_ = url.value_or("");
    absl::StatusOr<DatabaseTarget> target = ParseDatabaseUrl(url_);
    EXPECT_TRUE(target.ok()) << target.status();
    absl::StatusOr<std::unique_ptr<sql::Database>> database =
        OpenDatabase(*target);
    EXPECT_TRUE(database.ok()) << database.status();
    if (database.ok()) database_ = *std::move(database);
  }

  absl::Status Start() {
    absl::StatusOr<std::unique_ptr<StorageProcess>> storage =
        StorageProcess::Start(url_);
    if (!storage.ok()) return storage.status();
    storage_ = *std::move(storage);
    return absl::OkStatus();
  }

  StorageProcess& storage() { return *storage_; }
  std::string address() const {
    return absl::StrCat("127.0.0.1:", storage_->port());
  }

  // Metrics rows committed so far, read beside the service.
  int64_t MetricRows() {
    int64_t rows = -1;
    absl::Status status = database_->RunInTransaction(
        sql::TransactionMode::kReadOnly,
        [&](sql::Transaction& tx) -> absl::Status {
          absl::StatusOr<sql::ResultSet> result =
              tx.Execute("SELECT count(*) FROM performance_metrics", {});
          if (!result.ok()) return result.status();
          sql::RowReader reader(*result, 0);
          rows = reader.Int64(0);
          return reader.status();
        });
    EXPECT_TRUE(status.ok()) << status;
    return rows;
  }

  Tables Checksums() {
    grpc::ClientContext context;
    Prepare(&context, "", "", absl::Seconds(60));
    v1::GetTableChecksumsResponse response;
    const grpc::Status status =
        v1::Import::NewStub(storage_->channel())
            ->GetTableChecksums(&context, {}, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    Tables tables;
    for (const v1::TableChecksum& table : response.tables()) {
      tables[table.table_name()] = {table.row_count(), table.checksum()};
    }
    return tables;
  }

 private:
  std::string url_;
  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<StorageProcess> storage_;
};

// On PostgreSQL, the production target of the import.
class MigratorResumeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The legacy file: the legacy schema (with its seed rows), a few rows of
    // the other tables, and 200 000 metrics.
    legacy_path_ = new std::string(absl::StrCat(NewTempDir(), "/big.db"));
    const std::string schema = ReadFileOrEmpty(
        RunfilePath("tests/migrator/testdata/original_schema.sql"));
    ASSERT_FALSE(schema.empty());
    ASSERT_TRUE(
        ExecSqlite(
            *legacy_path_,
            absl::StrCat(
                schema,
                "INSERT INTO business_goals (id, title, description, area, "
                "created_at) VALUES ('sales_1', 'Grow', 'd', 'SALES', "
                "'2025-08-20 12:00:40');"
                "INSERT INTO user_preferences (user_id, preference_key, "
                "preference_value) VALUES ('U1', 'tz', 'UTC');"
                "INSERT INTO config_audit (table_name, record_id, action, "
                "new_values, changed_at) VALUES ('configurations', 'a', "
                "'INSERT', '{\"value\": \"b\"}', '2025-08-21 09:00:00');"
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM "
                "n WHERE i < ",
                kMetrics,
                ") INSERT INTO performance_metrics (metric_name, "
                "metric_value, metric_unit, timestamp, additional_data) "
                "SELECT 'metric_' || (i % 9), i * 0.25, 'seconds', "
                "strftime('%Y-%m-%d %H:%M:%f', 1756000000 + i * 3, "
                "'unixepoch'), CASE WHEN i % 4 = 0 THEN NULL ELSE "
                "'{\"i\": ' || i || '}' END FROM n;"))
            .ok());
  }

  static void TearDownTestSuite() { delete legacy_path_; }

  std::vector<std::string> ImportArgs() {
    return {"import", "--from",          *legacy_path_,
            "--keep", "--progress=none", "--batch-size=1000"};
  }

  // Starts an import and returns it once its import phase has committed
  // metrics beyond those stored when it began that phase (`*before`), but
  // not all of them. (Metrics stored go up for a moment after a kill too:
  // the service finishes the batches it had received.)
  std::unique_ptr<Subprocess> StartImportAndAwaitProgress(Store& store,
                                                          int64_t* before) {
    std::vector<std::string> argv = {RunfilePath("migrator/migrator")};
    for (const std::string& arg : ImportArgs()) argv.push_back(arg);
    argv.push_back("--progress=json");
    absl::StatusOr<std::unique_ptr<Subprocess>> migrator =
        Subprocess::Start(argv, {{"STORAGE_ADDR", store.address()}});
    EXPECT_TRUE(migrator.ok()) << migrator.status();
    if (!migrator.ok()) return nullptr;
    absl::StatusOr<std::string> started = (*migrator)->WaitForLine(
        R"("phase":"import","table":"performance_metrics")",
        absl::Seconds(120));
    EXPECT_TRUE(started.ok()) << started.status();
    *before = store.MetricRows();
    // Bounded poll for the next committed batches.
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    int64_t rows = *before;
    while (absl::Now() < deadline && (rows = store.MetricRows()) <= *before) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    EXPECT_GT(rows, *before);
    EXPECT_LT(rows, kMetrics) << "the import finished before the kill";
    return *std::move(migrator);
  }

  static std::string* legacy_path_;
};

std::string* MigratorResumeTest::legacy_path_ = nullptr;

TEST_F(MigratorResumeTest, KilledRunsAreCompletedWithTheCleanRunsTables) {
  // The clean run, into a store of its own, beside the runs that are
  // killed (they leave a core idle).
  Store clean_store(Backend::kPostgres);
  ASSERT_TRUE(clean_store.Start().ok());
  ASSERT_EQ(RunMigrator({"up"}, clean_store.address()).exit_code, kExitOk);
  std::vector<std::string> clean_argv = {RunfilePath("migrator/migrator")};
  for (const std::string& arg : ImportArgs()) clean_argv.push_back(arg);
  absl::StatusOr<std::unique_ptr<Subprocess>> clean_run =
      Subprocess::Start(clean_argv, {{"STORAGE_ADDR", clean_store.address()}});
  ASSERT_TRUE(clean_run.ok()) << clean_run.status();

  Store store(Backend::kPostgres);
  ASSERT_TRUE(store.Start().ok());
  ASSERT_EQ(RunMigrator({"up"}, store.address()).exit_code, kExitOk);

  // The migrator killed half-way through the metrics.
  int64_t before_first = 0;
  std::unique_ptr<Subprocess> migrator =
      StartImportAndAwaitProgress(store, &before_first);
  ASSERT_NE(migrator, nullptr);
  EXPECT_EQ(before_first, 0);
  ASSERT_TRUE(migrator->Signal(SIGKILL).ok());
  ASSERT_TRUE(migrator->Wait(absl::Seconds(10)).ok());

  // The next run gets further; the storage service is killed under it. The
  // migrator says the service is gone.
  int64_t after_migrator_kill = 0;
  migrator = StartImportAndAwaitProgress(store, &after_migrator_kill);
  ASSERT_NE(migrator, nullptr);
  EXPECT_GT(after_migrator_kill, 0);
  EXPECT_LT(after_migrator_kill, kMetrics);
  ASSERT_TRUE(store.storage().process().Signal(SIGKILL).ok());
  absl::StatusOr<int> code = migrator->Wait(absl::Seconds(60));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, kExitUnavailable) << migrator->output();
  EXPECT_THAT(migrator->output(), HasSubstr("is unavailable"));
  const int64_t after_storage_kill = store.MetricRows();
  EXPECT_GT(after_storage_kill, after_migrator_kill);
  EXPECT_LT(after_storage_kill, kMetrics);

  // The clean run's tables.
  absl::StatusOr<int> clean_code = (*clean_run)->Wait(absl::Seconds(240));
  ASSERT_TRUE(clean_code.ok()) << clean_code.status();
  ASSERT_EQ(*clean_code, kExitOk) << (*clean_run)->output();
  Tables clean = clean_store.Checksums();
  ASSERT_EQ(clean["performance_metrics"].first, kMetrics);

  // Against the restarted service, a run completes the import: what the
  // killed runs committed is already present, the rest imported, and every
  // table is exactly the clean run's.
  ASSERT_TRUE(store.Start().ok());
  const std::string report = absl::StrCat(NewTempDir(), "/report.json");
  std::vector<std::string> args = ImportArgs();
  args.push_back(absl::StrCat("--report=", report));
  MigratorRun rerun = RunMigrator(args, store.address());
  ASSERT_EQ(rerun.exit_code, kExitOk) << rerun.output;
  EXPECT_THAT(rerun.output, HasSubstr("Verification passed"));
  EXPECT_THAT(rerun.output,
              HasSubstr(absl::StrCat("performance_metrics    ", kMetrics, " ",
                                     clean["performance_metrics"].second,
                                     " exactly the legacy rows")));
  EXPECT_THAT(rerun.output, Not(HasSubstr("rows more than")));
  EXPECT_THAT(rerun.output, Not(HasSubstr("FEWER")));
  EXPECT_THAT(ReadFileOrEmpty(report),
              HasSubstr(absl::StrCat(
                  "\"table\": \"performance_metrics\",\n      "
                  "\"in_legacy_file\": true,\n      \"missing_columns\": [],"
                  "\n      \"read\": ",
                  kMetrics,
                  ",\n      \"rejected\": 0,\n      \"warned\": 0,"
                  "\n      \"imported\": ",
                  kMetrics - after_storage_kill,
                  ",\n      \"already_present\": ", after_storage_kill)));
  EXPECT_EQ(store.Checksums(), clean);
}

}  // namespace
}  // namespace opsbrain::testing
