#include "storage_service/sql/sqlite/sqlite_database.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage_service/sql/database.h"
#include "storage_service/sql/result_set.h"

namespace opsbrain::sql {
namespace {

using ::testing::HasSubstr;

// A fresh directory under Bazel's TEST_TMPDIR (or /tmp), removed afterwards.
std::string MakeTempDir() {
  const char* base = getenv("TEST_TMPDIR");
  std::string pattern =
      std::string(base != nullptr ? base : "/tmp") + "/sqlite_test_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

// Runs one statement in a transaction of its own and returns its result.
absl::StatusOr<ResultSet> RunStatement(Database& db, TransactionMode mode,
                                       absl::string_view sql,
                                       std::vector<Param> params = {}) {
  ResultSet result;
  absl::Status status =
      db.RunInTransaction(mode, [&](Transaction& transaction) -> absl::Status {
        absl::StatusOr<ResultSet> executed = transaction.Execute(sql, params);
        if (!executed.ok()) return executed.status();
        result = *std::move(executed);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<ResultSet> Write(Database& db, absl::string_view sql,
                                std::vector<Param> params = {}) {
  return RunStatement(db, TransactionMode::kReadWrite, sql, std::move(params));
}

absl::StatusOr<ResultSet> Read(Database& db, absl::string_view sql,
                               std::vector<Param> params = {}) {
  return RunStatement(db, TransactionMode::kReadOnly, sql, std::move(params));
}

// The single integer a query like "SELECT count(*) ..." returns, or -1.
int64_t ReadCount(Database& db, absl::string_view sql) {
  absl::StatusOr<ResultSet> result = Read(db, sql);
  if (!result.ok() || result->num_rows() != 1) return -1;
  const int64_t* count = std::get_if<int64_t>(&result->cell(0, 0));
  return count != nullptr ? *count : -1;
}

class SqliteDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    options_.path = dir_ + "/store.db";
    absl::StatusOr<std::unique_ptr<Database>> db = OpenSqliteDatabase(options_);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(db_->RunInTransaction(TransactionMode::kReadWrite,
                                      [](Transaction& transaction) {
                                        return transaction.ExecuteScript(
                                            "CREATE TABLE items ("
                                            "  id INTEGER PRIMARY KEY,"
                                            "  name TEXT NOT NULL UNIQUE,"
                                            "  value);");
                                      })
                    .ok());
  }

  void TearDown() override {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
  SqliteOptions options_;
  std::unique_ptr<Database> db_;
};

TEST_F(SqliteDatabaseTest, ReportsSqliteDialect) {
  EXPECT_EQ(db_->dialect(), Dialect::kSqlite);
}

TEST_F(SqliteDatabaseTest, PingSucceeds) { EXPECT_TRUE(db_->Ping().ok()); }

TEST_F(SqliteDatabaseTest, UsesWalJournalMode) {
  // A PRAGMA counts as a statement that may write.
  absl::StatusOr<ResultSet> mode = Write(*db_, "PRAGMA journal_mode");

  ASSERT_TRUE(mode.ok()) << mode.status();
  ASSERT_EQ(mode->num_rows(), 1);
  EXPECT_EQ(std::get<std::string>(mode->cell(0, 0)), "wal");
}

TEST_F(SqliteDatabaseTest, EnforcesForeignKeys) {
  ASSERT_TRUE(Write(*db_,
                    "CREATE TABLE tags (item_id INTEGER NOT NULL"
                    " REFERENCES items(id))")
                  .ok());

  absl::StatusOr<ResultSet> insert =
      Write(*db_, "INSERT INTO tags (item_id) VALUES ($1)", {int64_t{42}});

  EXPECT_EQ(insert.status().code(), absl::StatusCode::kFailedPrecondition)
      << insert.status();
}

struct RoundTripCase {
  std::string name;
  Param param;
  Cell expected;
};

TEST_F(SqliteDatabaseTest, StoresAndReadsBackEveryParamType) {
  const absl::Time time = absl::FromUnixMicros(1756728000123456);
  const std::vector<RoundTripCase> cases = {
      {"null", nullptr, std::monostate()},
      {"true", true, int64_t{1}},
      {"false", false, int64_t{0}},
      {"zero", int64_t{0}, int64_t{0}},
      {"max int64", INT64_MAX, int64_t{INT64_MAX}},
      {"min int64", INT64_MIN, int64_t{INT64_MIN}},
      {"0.1 + 0.2", 0.1 + 0.2, 0.1 + 0.2},
      {"negative double", -1.5e-300, -1.5e-300},
      {"empty text", std::string(), std::string()},
      {"ascii text", std::string("hello"), std::string("hello")},
      {"utf-8 text", std::string("naïve café 🚀 日本"),
       std::string("naïve café 🚀 日本")},
      {"text that looks numeric", std::string("0012"), std::string("0012")},
      {"time with microseconds", time,
       std::string("2025-09-01 12:00:00.123456")},
  };

  for (const RoundTripCase& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    absl::StatusOr<ResultSet> insert =
        Write(*db_, "INSERT INTO items (name, value) VALUES ($1, $2)",
              {test_case.name, test_case.param});
    ASSERT_TRUE(insert.ok()) << insert.status();
    EXPECT_EQ(insert->rows_affected(), 1);

    absl::StatusOr<ResultSet> select =
        Read(*db_, "SELECT value FROM items WHERE name = $1", {test_case.name});
    ASSERT_TRUE(select.ok()) << select.status();
    ASSERT_EQ(select->num_rows(), 1);
    ASSERT_EQ(select->num_columns(), 1);
    EXPECT_EQ(select->cell(0, 0), test_case.expected);
  }
}

TEST_F(SqliteDatabaseTest, TimeReadsBackWithMicroseconds) {
  const absl::Time time = absl::FromUnixMicros(1756728000000001);
  ASSERT_TRUE(Write(*db_, "INSERT INTO items (name, value) VALUES ($1, $2)",
                    {std::string("t"), time})
                  .ok());

  absl::StatusOr<ResultSet> select =
      Read(*db_, "SELECT value FROM items WHERE name = 't'");

  ASSERT_TRUE(select.ok()) << select.status();
  RowReader row(*select, 0);
  EXPECT_EQ(row.Time(0), time);
  EXPECT_TRUE(row.status().ok()) << row.status();
}

TEST_F(SqliteDatabaseTest, RefusesInfiniteTime) {
  absl::StatusOr<ResultSet> select =
      Read(*db_, "SELECT $1", {absl::InfiniteFuture()});

  EXPECT_EQ(select.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteDatabaseTest, ReadsBlobAsString) {
  absl::StatusOr<ResultSet> select = Read(*db_, "SELECT x'00ff41'");

  ASSERT_TRUE(select.ok()) << select.status();
  EXPECT_EQ(select->cell(0, 0), Cell(std::string("\0\xff"
                                                 "A",
                                                 3)));
}

TEST_F(SqliteDatabaseTest, BindsPlaceholdersByNumberNotPosition) {
  absl::StatusOr<ResultSet> select =
      Read(*db_, "SELECT $2, $1", {std::string("first"), int64_t{2}});

  ASSERT_TRUE(select.ok()) << select.status();
  ASSERT_EQ(select->num_columns(), 2);
  EXPECT_EQ(select->cell(0, 0), Cell(int64_t{2}));
  EXPECT_EQ(select->cell(0, 1), Cell(std::string("first")));
}

TEST_F(SqliteDatabaseTest, BindsRepeatedPlaceholderOnce) {
  absl::StatusOr<ResultSet> select = Read(*db_, "SELECT $1, $1 + 1", {2.5});

  ASSERT_TRUE(select.ok()) << select.status();
  EXPECT_EQ(select->cell(0, 0), Cell(2.5));
  EXPECT_EQ(select->cell(0, 1), Cell(3.5));
}

struct BadPlaceholderCase {
  std::string sql;
  std::vector<Param> params;
};

TEST_F(SqliteDatabaseTest, MismatchedPlaceholdersAreInternalErrors) {
  const std::vector<BadPlaceholderCase> cases = {
      {"SELECT $1", {}},
      {"SELECT $1", {int64_t{1}, int64_t{2}}},
      {"SELECT $1, $3", {int64_t{1}, int64_t{2}}},
      {"SELECT ?", {int64_t{1}}},
      {"SELECT :name", {int64_t{1}}},
  };

  for (const BadPlaceholderCase& test_case : cases) {
    SCOPED_TRACE(test_case.sql);
    absl::StatusOr<ResultSet> select =
        Read(*db_, test_case.sql, test_case.params);
    EXPECT_EQ(select.status().code(), absl::StatusCode::kInternal)
        << select.status();
  }
}

TEST_F(SqliteDatabaseTest, ExecuteRefusesSeveralStatements) {
  absl::StatusOr<ResultSet> result =
      Write(*db_, "DELETE FROM items; DROP TABLE items");

  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReadCount(*db_, "SELECT count(*) FROM items"), 0);
}

TEST_F(SqliteDatabaseTest, ExecuteAcceptsTrailingSemicolonAndComment) {
  absl::StatusOr<ResultSet> select = Read(*db_, "SELECT 1; -- one\n ;");

  ASSERT_TRUE(select.ok()) << select.status();
  EXPECT_EQ(select->cell(0, 0), Cell(int64_t{1}));
}

TEST_F(SqliteDatabaseTest, ReportsRowsAffectedOnlyForChanges) {
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_TRUE(
        Write(*db_, "INSERT INTO items (name) VALUES ($1)", {std::string(name)})
            .ok());
  }

  absl::StatusOr<ResultSet> update =
      Write(*db_, "UPDATE items SET value = $1", {int64_t{7}});
  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_EQ(update->rows_affected(), 3);

  absl::StatusOr<ResultSet> create =
      Write(*db_, "CREATE TABLE other (x INTEGER)");
  ASSERT_TRUE(create.ok()) << create.status();
  EXPECT_EQ(create->rows_affected(), 0);

  absl::StatusOr<ResultSet> select = Read(*db_, "SELECT name FROM items");
  ASSERT_TRUE(select.ok()) << select.status();
  EXPECT_EQ(select->num_rows(), 3);
  EXPECT_EQ(select->rows_affected(), 0);

  absl::StatusOr<ResultSet> no_match =
      Write(*db_, "DELETE FROM items WHERE name = $1", {std::string("zz")});
  ASSERT_TRUE(no_match.ok()) << no_match.status();
  EXPECT_EQ(no_match->rows_affected(), 0);
}

TEST_F(SqliteDatabaseTest, ReturningClauseGivesRowsAndCount) {
  absl::StatusOr<ResultSet> insert =
      Write(*db_, "INSERT INTO items (name) VALUES ($1) RETURNING id",
            {std::string("a")});

  ASSERT_TRUE(insert.ok()) << insert.status();
  EXPECT_EQ(insert->num_rows(), 1);
  EXPECT_EQ(insert->rows_affected(), 1);
}

TEST_F(SqliteDatabaseTest, RollsBackWhenBodyFails) {
  const absl::Status status = db_->RunInTransaction(
      TransactionMode::kReadWrite, [](Transaction& transaction) {
        absl::StatusOr<ResultSet> insert = transaction.Execute(
            "INSERT INTO items (name) VALUES ($1)", {std::string("doomed")});
        if (!insert.ok()) return insert.status();
        return absl::NotFoundError("body gave up");
      });

  EXPECT_EQ(status, absl::NotFoundError("body gave up"));
  EXPECT_EQ(ReadCount(*db_, "SELECT count(*) FROM items"), 0);
}

TEST_F(SqliteDatabaseTest, UniqueViolationReturnsAlreadyExists) {
  ASSERT_TRUE(
      Write(*db_, "INSERT INTO items (name) VALUES ($1)", {std::string("dup")})
          .ok());

  absl::StatusOr<ResultSet> again =
      Write(*db_, "INSERT INTO items (name) VALUES ($1)", {std::string("dup")});

  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(again.status().message(), HasSubstr("items.name"));
  EXPECT_THAT(again.status().message(), ::testing::Not(HasSubstr("dup")));
}

TEST_F(SqliteDatabaseTest, PrimaryKeyViolationReturnsAlreadyExists) {
  ASSERT_TRUE(Write(*db_, "INSERT INTO items (id, name) VALUES (1, 'a')").ok());

  absl::StatusOr<ResultSet> again =
      Write(*db_, "INSERT INTO items (id, name) VALUES (1, 'b')");

  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(SqliteDatabaseTest, NotNullViolationReturnsFailedPrecondition) {
  absl::StatusOr<ResultSet> insert =
      Write(*db_, "INSERT INTO items (name) VALUES ($1)", {nullptr});

  EXPECT_EQ(insert.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SqliteDatabaseTest, ReusesPreparedStatementManyTimes) {
  const absl::Status status = db_->RunInTransaction(
      TransactionMode::kReadWrite, [](Transaction& transaction) {
        for (int64_t i = 0; i < 1000; ++i) {
          absl::StatusOr<ResultSet> insert = transaction.Execute(
              "INSERT INTO items (name, value) VALUES ($1, $2)",
              {std::string("item") + std::to_string(i), i});
          if (!insert.ok()) return insert.status();
        }
        return absl::OkStatus();
      });
  ASSERT_TRUE(status.ok()) << status;

  for (int64_t i = 0; i < 1000; ++i) {
    absl::StatusOr<ResultSet> select =
        Read(*db_, "SELECT value FROM items WHERE name = $1",
             {std::string("item") + std::to_string(i)});
    ASSERT_TRUE(select.ok()) << select.status();
    ASSERT_EQ(select->num_rows(), 1);
    ASSERT_EQ(select->cell(0, 0), Cell(i));
  }
}

TEST_F(SqliteDatabaseTest, ReadOnlyTransactionRefusesWrites) {
  absl::StatusOr<ResultSet> insert =
      Read(*db_, "INSERT INTO items (name) VALUES ('x')");
  const absl::Status script = db_->RunInTransaction(
      TransactionMode::kReadOnly, [](Transaction& transaction) {
        return transaction.ExecuteScript("DELETE FROM items");
      });

  EXPECT_EQ(insert.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(script.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReadCount(*db_, "SELECT count(*) FROM items"), 0);
}

TEST_F(SqliteDatabaseTest, BodyEndingTransactionIsAborted) {
  const absl::Status status = db_->RunInTransaction(
      TransactionMode::kReadWrite, [](Transaction& transaction) {
        return transaction.Execute("ROLLBACK", {}).status();
      });

  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  EXPECT_TRUE(db_->Ping().ok());
}

TEST_F(SqliteDatabaseTest, ReadersRunWhileWriterHoldsWriteTransaction) {
  absl::Notification writer_inserted;
  absl::Notification readers_done;
  absl::Status writer_status;
  std::thread writer([&] {
    writer_status = db_->RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& transaction) {
          absl::StatusOr<ResultSet> insert = transaction.Execute(
              "INSERT INTO items (name) VALUES ($1)", {std::string("new")});
          if (!insert.ok()) return insert.status();
          writer_inserted.Notify();
          readers_done.WaitForNotification();
          return absl::OkStatus();
        });
  });

  // Readers see the last committed state, not the writer's insert, and are
  // not blocked by it: the writer commits only after they have finished.
  writer_inserted.WaitForNotification();
  std::vector<int64_t> counts(options_.pool_size - 1, -2);
  std::vector<std::thread> readers;
  for (int64_t& count : counts) {
    readers.emplace_back(
        [&] { count = ReadCount(*db_, "SELECT count(*) FROM items"); });
  }
  for (std::thread& reader : readers) reader.join();
  readers_done.Notify();
  writer.join();

  EXPECT_THAT(counts, ::testing::Each(0));
  EXPECT_TRUE(writer_status.ok()) << writer_status;
  EXPECT_EQ(ReadCount(*db_, "SELECT count(*) FROM items"), 1);
}

TEST_F(SqliteDatabaseTest, ConcurrentWritersAreSerialised) {
  ASSERT_TRUE(
      Write(*db_, "INSERT INTO items (name, value) VALUES ('counter', 0)")
          .ok());
  constexpr int kIncrementsPerWriter = 100;

  // Read-modify-write in separate statements: any interleaving of the two
  // writers would lose increments.
  absl::Notification start;
  std::vector<absl::Status> statuses(2);
  std::vector<std::thread> writers;
  for (absl::Status& status : statuses) {
    writers.emplace_back([&] {
      start.WaitForNotification();
      for (int i = 0; i < kIncrementsPerWriter && status.ok(); ++i) {
        status = db_->RunInTransaction(
            TransactionMode::kReadWrite, [](Transaction& transaction) {
              absl::StatusOr<ResultSet> read = transaction.Execute(
                  "SELECT value FROM items WHERE name = 'counter'", {});
              if (!read.ok()) return read.status();
              const int64_t value = std::get<int64_t>(read->cell(0, 0));
              return transaction
                  .Execute("UPDATE items SET value = $1 WHERE name = 'counter'",
                           {value + 1})
                  .status();
            });
      }
    });
  }
  start.Notify();
  for (std::thread& writer : writers) writer.join();

  for (const absl::Status& status : statuses) {
    EXPECT_TRUE(status.ok()) << status;
  }
  EXPECT_EQ(ReadCount(*db_, "SELECT value FROM items WHERE name = 'counter'"),
            2 * kIncrementsPerWriter);
}

TEST_F(SqliteDatabaseTest, TransactionWaitsForFreeConnection) {
  options_.pool_size = 1;
  absl::StatusOr<std::unique_ptr<Database>> opened =
      OpenSqliteDatabase(options_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Database& db = **opened;

  absl::Notification first_started;
  absl::Notification release_first;
  std::thread first([&] {
    ASSERT_TRUE(
        db.RunInTransaction(TransactionMode::kReadOnly, [&](Transaction&) {
            first_started.Notify();
            release_first.WaitForNotification();
            return absl::OkStatus();
          }).ok());
  });
  first_started.WaitForNotification();
  absl::Notification second_ran;
  std::thread second([&] {
    EXPECT_TRUE(db.Ping().ok());
    second_ran.Notify();
  });

  // Only a bounded check that the second is still waiting; the release
  // below is what lets it finish.
  EXPECT_FALSE(
      second_ran.WaitForNotificationWithTimeout(absl::Milliseconds(50)));
  release_first.Notify();
  first.join();
  second.join();
  EXPECT_TRUE(second_ran.HasBeenNotified());
}

// The current size of the database's write-ahead log; 0 when absent.
int64_t WalBytes(const std::string& path) {
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path + "-wal", error);
  return error ? 0 : static_cast<int64_t>(size);
}

TEST_F(SqliteDatabaseTest, DefaultsToWalFullSyncAndABusyTimeout) {
  struct Case {
    const char* pragma;
    Cell expected;
  };
  const Case kCases[] = {
      {"PRAGMA journal_mode", std::string("wal")},
      // FULL: an acknowledged commit survives power loss.
      {"PRAGMA synchronous", int64_t{2}},
      {"PRAGMA busy_timeout", int64_t{5000}},
      {"PRAGMA foreign_keys", int64_t{1}},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.pragma);
    absl::StatusOr<ResultSet> result = Write(*db_, c.pragma);
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_EQ(result->num_rows(), 1);
    EXPECT_EQ(result->cell(0, 0), c.expected);
  }
}

TEST_F(SqliteDatabaseTest, WalStaysBoundedUnderSustainedWrites) {
  constexpr int64_t kBound = 256 << 10;
  constexpr int kWrites = 150;
  const std::string kPayload(32 << 10, 'x');
  db_.reset();
  options_.checkpoint_interval = absl::ZeroDuration();
  options_.checkpoint_wal_bytes = kBound;
  options_.synchronous_full = false;  // Faster; the log's size is the point.
  absl::StatusOr<std::unique_ptr<Database>> opened =
      OpenSqliteDatabase(options_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Database& db = **opened;

  // A reader keeps reading throughout, as the service's readers would;
  // checkpoints wait for it rather than fail.
  std::atomic<bool> writing{true};
  std::atomic<int> read_failures{0};
  std::thread reader([&] {
    while (writing.load()) {
      if (ReadCount(db, "SELECT count(*) FROM items") < 0) ++read_failures;
    }
  });

  int64_t largest = 0;
  for (int i = 0; i < kWrites; ++i) {
    ASSERT_TRUE(Write(db, "INSERT INTO items (name, value) VALUES ($1, $2)",
                      {absl::StrCat("row", i), kPayload})
                    .ok());
    largest = std::max(largest, WalBytes(options_.path));
  }
  writing.store(false);
  reader.join();

  // Almost 5 MB were written through the log, which never held more than
  // its bound plus one transaction.
  EXPECT_LE(largest, 2 * kBound);
  EXPECT_EQ(read_failures.load(), 0);
  EXPECT_EQ(ReadCount(db, "SELECT count(*) FROM items"), kWrites);
}

TEST_F(SqliteDatabaseTest, PeriodicCheckpointTruncatesTheWal) {
  db_.reset();
  options_.checkpoint_interval = absl::Milliseconds(20);
  absl::StatusOr<std::unique_ptr<Database>> opened =
      OpenSqliteDatabase(options_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  ASSERT_TRUE(
      Write(**opened, "INSERT INTO items (name) VALUES ('logged')").ok());

  // The checkpoint runs on its own thread; watch for its effect.
  int64_t wal = -1;
  for (int i = 0; i < 500 && wal != 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    wal = WalBytes(options_.path);
  }
  EXPECT_EQ(wal, 0);
  EXPECT_EQ(ReadCount(**opened, "SELECT count(*) FROM items"), 1);
}

TEST_F(SqliteDatabaseTest, PoolStatsCountInUseIdleAndWaiting) {
  options_.pool_size = 1;
  absl::StatusOr<std::unique_ptr<Database>> opened =
      OpenSqliteDatabase(options_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Database& db = **opened;
  EXPECT_EQ(db.GetPoolStats().idle, 1);

  absl::Notification holding, release;
  std::thread holder([&] {
    EXPECT_TRUE(
        db.RunInTransaction(TransactionMode::kReadOnly, [&](Transaction&) {
            holding.Notify();
            release.WaitForNotification();
            return absl::OkStatus();
          }).ok());
  });
  holding.WaitForNotification();
  std::thread queued([&] { EXPECT_TRUE(db.Ping().ok()); });
  PoolStats stats;
  for (int i = 0; i < 1000 && stats.waiting != 1; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
    stats = db.GetPoolStats();
  }
  EXPECT_EQ(stats.waiting, 1);
  EXPECT_EQ(stats.in_use, 1);
  EXPECT_EQ(stats.idle, 0);
  EXPECT_EQ(stats.max_size, 1);
  release.Notify();
  holder.join();
  queued.join();
  EXPECT_EQ(db.GetPoolStats().waiting, 0);
}

TEST_F(SqliteDatabaseTest, ReadOnlyDatabaseReadsButCannotWrite) {
  ASSERT_TRUE(Write(*db_, "INSERT INTO items (name) VALUES ('a')").ok());
  options_.read_only = true;
  absl::StatusOr<std::unique_ptr<Database>> opened =
      OpenSqliteDatabase(options_);
  ASSERT_TRUE(opened.ok()) << opened.status();

  EXPECT_EQ(ReadCount(**opened, "SELECT count(*) FROM items"), 1);
  absl::StatusOr<ResultSet> insert =
      Write(**opened, "INSERT INTO items (name) VALUES ('b')");
  EXPECT_EQ(insert.status().code(), absl::StatusCode::kFailedPrecondition)
      << insert.status();
}

class OpenSqliteDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
};

TEST_F(OpenSqliteDatabaseTest, CreatesMissingFile) {
  SqliteOptions options;
  options.path = dir_ + "/new.db";

  absl::StatusOr<std::unique_ptr<Database>> db = OpenSqliteDatabase(options);

  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_TRUE(std::filesystem::exists(options.path));
}

TEST_F(OpenSqliteDatabaseTest, NonSqliteFileIsFailedPrecondition) {
  SqliteOptions options;
  options.path = dir_ + "/notes.txt";
  std::ofstream(options.path) << std::string(4096, 'x');

  absl::StatusOr<std::unique_ptr<Database>> db = OpenSqliteDatabase(options);

  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition)
      << db.status();
  EXPECT_THAT(db.status().message(), HasSubstr(options.path));
}

TEST_F(OpenSqliteDatabaseTest, MissingDirectoryIsUnavailable) {
  SqliteOptions options;
  options.path = dir_ + "/no/such/dir/store.db";

  absl::StatusOr<std::unique_ptr<Database>> db = OpenSqliteDatabase(options);

  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
  EXPECT_THAT(db.status().message(), HasSubstr(options.path));
}

TEST_F(OpenSqliteDatabaseTest, ReadOnlyNeverCreatesFile) {
  SqliteOptions options;
  options.path = dir_ + "/absent.db";
  options.read_only = true;

  absl::StatusOr<std::unique_ptr<Database>> db = OpenSqliteDatabase(options);

  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
  EXPECT_FALSE(std::filesystem::exists(options.path));
}

TEST_F(OpenSqliteDatabaseTest, RefusesInvalidOptions) {
  struct Case {
    std::string path;
    int pool_size;
  };
  const std::vector<Case> cases = {
      {"", 4},
      {":memory:", 4},
      {dir_ + "/store.db", 0},
  };

  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.path);
    SqliteOptions options;
    options.path = test_case.path;
    options.pool_size = test_case.pool_size;
    EXPECT_EQ(OpenSqliteDatabase(options).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace opsbrain::sql
