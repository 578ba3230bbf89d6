#include "storage_service/sql/postgres/postgres_database.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "storage_service/sql/database.h"
#include "storage_service/sql/result_set.h"
#include "tests/postgres/postgres_server.h"

namespace opsbrain::sql {
namespace {

using ::opsbrain::testing::PostgresServer;

// A port on 127.0.0.1 that is bound but not listening: connecting to it is
// refused at once, and no other process can take it while this lives.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ >= 0 &&
        bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
            0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  ~ClosedPort() {
    if (fd_ >= 0) close(fd_);
  }

  // 0 when no port could be bound.
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

absl::StatusOr<std::unique_ptr<Database>> Open(
    const std::string& url, int pool_size = 4,
    const std::string& application_name = "opsbrain-storage-test") {
  PostgresOptions options;
  options.url = url;
  options.pool_size = pool_size;
  options.connect_timeout = absl::Seconds(5);
  options.application_name = application_name;
  // Short, so that a test may expect the pool back as soon as the server
  // is (FailsFastDuringBackoffAndReconnects covers the backoff itself).
  options.reconnect_backoff_initial = absl::Milliseconds(10);
  options.reconnect_backoff_max = absl::Milliseconds(20);
  return OpenPostgresDatabase(options);
}

// Runs one statement in a transaction of its own.
absl::StatusOr<ResultSet> ExecuteAlone(Database& database,
                                       absl::string_view sql,
                                       std::vector<Param> params = {}) {
  absl::StatusOr<ResultSet> result;
  absl::Status status = database.RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& transaction) {
        result = transaction.Execute(sql, params);
        return result.status();
      });
  if (!status.ok()) return status;
  return result;
}

absl::Status ScriptAlone(Database& database, absl::string_view sql) {
  return database.RunInTransaction(
      TransactionMode::kReadWrite,
      [&](Transaction& transaction) { return transaction.ExecuteScript(sql); });
}

// Rows in `table`, or -1 when they cannot be counted.
int64_t CountRows(Database& database, const std::string& table) {
  absl::StatusOr<ResultSet> result =
      ExecuteAlone(database, absl::StrCat("SELECT count(*) FROM ", table));
  if (!result.ok() || result->num_rows() != 1) return -1;
  RowReader reader(*result, 0);
  return reader.Int64(0);
}

// One server for the suite, one database per test.
class PostgresDatabaseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<PostgresServer>> server =
        PostgresServer::Start();
    if (server.ok()) {
      server_ = server->release();
    } else {
      start_error_ = new absl::Status(server.status());
    }
  }

  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr) << *start_error_;
    absl::StatusOr<std::string> url = server_->CreateDatabase();
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
    absl::StatusOr<std::unique_ptr<Database>> database = Open(url_);
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
  }

  static PostgresServer* server_;
  static absl::Status* start_error_;

  std::string url_;
  std::unique_ptr<Database> database_;
};

PostgresServer* PostgresDatabaseTest::server_ = nullptr;
absl::Status* PostgresDatabaseTest::start_error_ = nullptr;

TEST_F(PostgresDatabaseTest, ReportsPostgresDialectAndAnswersPing) {
  EXPECT_EQ(database_->dialect(), Dialect::kPostgres);
  EXPECT_TRUE(database_->Ping().ok());
}

TEST_F(PostgresDatabaseTest, ParamsRoundTripThroughTypedColumns) {
  struct Case {
    const char* name;
    const char* column_type;
    Param value;
    std::function<void(RowReader&)> check;
  };
  const absl::Time kMicros = absl::FromUnixMicros(1756728000123456);
  const absl::Time kHalfSecond = absl::FromUnixMillis(1756728000500);
  const absl::Time kBefore1970 = absl::FromUnixMicros(-1);
  const std::string kText = "quotes ' \" \\ $1 and UTF-8 \u00fc\u20ac";
  const Case kCases[] = {
      {"true", "BOOLEAN", true, [](RowReader& r) { EXPECT_TRUE(r.Bool(0)); }},
      {"false", "BOOLEAN", false,
       [](RowReader& r) { EXPECT_FALSE(r.Bool(0)); }},
      {"largest int64", "BIGINT", std::numeric_limits<int64_t>::max(),
       [](RowReader& r) {
         EXPECT_EQ(r.Int64(0), std::numeric_limits<int64_t>::max());
       }},
      {"smallest int64", "BIGINT", std::numeric_limits<int64_t>::min(),
       [](RowReader& r) {
         EXPECT_EQ(r.Int64(0), std::numeric_limits<int64_t>::min());
       }},
      {"0.1 + 0.2", "DOUBLE PRECISION", 0.1 + 0.2,
       [](RowReader& r) { EXPECT_EQ(r.Double(0), 0.1 + 0.2); }},
      {"smallest subnormal", "DOUBLE PRECISION",
       std::numeric_limits<double>::denorm_min(),
       [](RowReader& r) {
         EXPECT_EQ(r.Double(0), std::numeric_limits<double>::denorm_min());
       }},
      {"largest double", "DOUBLE PRECISION",
       -std::numeric_limits<double>::max(),
       [](RowReader& r) {
         EXPECT_EQ(r.Double(0), -std::numeric_limits<double>::max());
       }},
      {"text", "TEXT", kText,
       [&](RowReader& r) { EXPECT_EQ(r.String(0), kText); }},
      {"microseconds", "TIMESTAMPTZ", kMicros,
       [&](RowReader& r) { EXPECT_EQ(r.Time(0), kMicros); }},
      {"half second", "TIMESTAMPTZ", kHalfSecond,
       [&](RowReader& r) {
         EXPECT_EQ(r.String(0), "2025-09-01 12:00:00.5+00");
         EXPECT_EQ(r.Time(0), kHalfSecond);
       }},
      {"before 1970", "TIMESTAMPTZ", kBefore1970,
       [&](RowReader& r) { EXPECT_EQ(r.Time(0), kBefore1970); }},
      {"jsonb from text", "JSONB",
       std::string(R"({"b": 1, "a": [true, null]})"),
       [](RowReader& r) {
         EXPECT_EQ(r.String(0), R"({"a": [true, null], "b": 1})");
       }},
      {"date from text", "DATE", std::string("2025-12-31"),
       [](RowReader& r) {
         EXPECT_EQ(r.OptionalDate(0), absl::CivilDay(2025, 12, 31));
       }},
      {"null boolean", "BOOLEAN", nullptr,
       [](RowReader& r) {
         EXPECT_TRUE(r.IsNull(0));
         EXPECT_FALSE(r.Bool(0));
       }},
      {"null bigint", "BIGINT", nullptr,
       [](RowReader& r) {
         EXPECT_TRUE(r.IsNull(0));
         EXPECT_EQ(r.Int64(0), 0);
       }},
      {"null text", "TEXT", nullptr,
       [](RowReader& r) { EXPECT_EQ(r.OptionalString(0), std::nullopt); }},
      {"null timestamptz", "TIMESTAMPTZ", nullptr,
       [](RowReader& r) { EXPECT_EQ(r.Time(0), absl::InfinitePast()); }},
      {"null date", "DATE", nullptr,
       [](RowReader& r) { EXPECT_EQ(r.OptionalDate(0), std::nullopt); }},
  };

  int table = 0;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const std::string name = absl::StrCat("roundtrip_", table++);
    ASSERT_TRUE(
        ScriptAlone(*database_, absl::StrCat("CREATE TABLE ", name, " (v ",
                                             c.column_type, ")"))
            .ok());
    absl::StatusOr<ResultSet> inserted = ExecuteAlone(
        *database_, absl::StrCat("INSERT INTO ", name, " (v) VALUES ($1)"),
        {c.value});
    ASSERT_TRUE(inserted.ok()) << inserted.status();
    EXPECT_EQ(inserted->rows_affected(), 1);

    absl::StatusOr<ResultSet> read =
        ExecuteAlone(*database_, absl::StrCat("SELECT v FROM ", name));
    ASSERT_TRUE(read.ok()) << read.status();
    ASSERT_EQ(read->num_rows(), 1);
    ASSERT_EQ(read->num_columns(), 1);
    RowReader reader(*read, 0);
    c.check(reader);
    EXPECT_TRUE(reader.status().ok()) << reader.status();
  }
}

TEST_F(PostgresDatabaseTest, PlaceholdersMayComeOutOfOrderAndRepeat) {
  absl::StatusOr<ResultSet> result =
      ExecuteAlone(*database_, "SELECT $2::text, $1::bigint, $1::bigint + 1",
                   {int64_t{41}, std::string("second")});
  ASSERT_TRUE(result.ok()) << result.status();
  RowReader reader(*result, 0);

  EXPECT_EQ(reader.String(0), "second");
  EXPECT_EQ(reader.Int64(1), 41);
  EXPECT_EQ(reader.Int64(2), 42);
}

TEST_F(PostgresDatabaseTest, RepeatedStatementIsPreparedOncePerConnection) {
  absl::StatusOr<std::unique_ptr<Database>> database =
      Open(url_, /*pool_size=*/1);
  ASSERT_TRUE(database.ok()) << database.status();
  constexpr char kStatement[] = "SELECT $1::bigint";

  for (int64_t i = 0; i < 3; ++i) {
    absl::StatusOr<ResultSet> result =
        ExecuteAlone(**database, kStatement, {i});
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(RowReader(*result, 0).Int64(0), i);
  }
  absl::StatusOr<ResultSet> prepared = ExecuteAlone(
      **database,
      "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1",
      {std::string(kStatement)});

  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_EQ(RowReader(*prepared, 0).Int64(0), 1);
}

TEST_F(PostgresDatabaseTest, RowsAffectedCountsChangedRowsOnly) {
  ASSERT_TRUE(ScriptAlone(*database_,
                          "CREATE TABLE items (id BIGINT PRIMARY KEY);"
                          "INSERT INTO items VALUES (1), (2), (3);")
                  .ok());

  absl::StatusOr<ResultSet> updated =
      ExecuteAlone(*database_, "UPDATE items SET id = id + $1", {int64_t{10}});
  absl::StatusOr<ResultSet> selected =
      ExecuteAlone(*database_, "SELECT id FROM items ORDER BY id");
  absl::StatusOr<ResultSet> deleted = ExecuteAlone(
      *database_, "DELETE FROM items WHERE id > $1", {int64_t{100}});

  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->rows_affected(), 3);
  ASSERT_TRUE(selected.ok()) << selected.status();
  EXPECT_EQ(selected->num_rows(), 3);
  EXPECT_EQ(selected->rows_affected(), 0);
  EXPECT_EQ(RowReader(*selected, 0).Int64(0), 11);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->rows_affected(), 0);
}

TEST_F(PostgresDatabaseTest, ExecuteScriptRunsEveryStatement) {
  absl::Status status = ScriptAlone(*database_,
                                    "CREATE TABLE a (x INTEGER);\n"
                                    "CREATE TABLE b (y INTEGER);\n"
                                    "INSERT INTO a VALUES (1), (2);\n"
                                    "INSERT INTO b SELECT x FROM a;\n");

  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(CountRows(*database_, "b"), 2);
}

TEST_F(PostgresDatabaseTest, FailedBodyRollsBackAndReturnsItsStatus) {
  ASSERT_TRUE(ScriptAlone(*database_, "CREATE TABLE kv (key TEXT)").ok());

  absl::Status status = database_->RunInTransaction(
      TransactionMode::kReadWrite, [](Transaction& transaction) {
        absl::StatusOr<ResultSet> inserted = transaction.Execute(
            "INSERT INTO kv VALUES ($1)", {std::string("rolled back")});
        if (!inserted.ok()) return inserted.status();
        return absl::NotFoundError("the body gives up");
      });

  EXPECT_EQ(status, absl::NotFoundError("the body gives up"));
  EXPECT_EQ(CountRows(*database_, "kv"), 0);
}

TEST_F(PostgresDatabaseTest, UniqueViolationIsAlreadyExistsWithoutTheValue) {
  ASSERT_TRUE(
      ScriptAlone(*database_, "CREATE TABLE kv (key TEXT PRIMARY KEY)").ok());
  const std::vector<Param> kKey = {std::string("s3cret-key")};
  ASSERT_TRUE(
      ExecuteAlone(*database_, "INSERT INTO kv VALUES ($1)", kKey).ok());

  absl::StatusOr<ResultSet> again =
      ExecuteAlone(*database_, "INSERT INTO kv VALUES ($1)", kKey);

  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(absl::StrContains(again.status().message(), "s3cret"))
      << again.status();
  EXPECT_TRUE(absl::StrContains(again.status().message(), "SQLSTATE 23505"))
      << again.status();
}

TEST_F(PostgresDatabaseTest, StatementFailuresMapToCanonicalCodes) {
  ASSERT_TRUE(ScriptAlone(*database_,
                          "CREATE TABLE parent (id BIGINT PRIMARY KEY);"
                          "CREATE TABLE child (parent BIGINT NOT NULL "
                          "REFERENCES parent (id), amount BIGINT);")
                  .ok());
  struct Case {
    const char* sql;
    std::vector<Param> params;
    absl::StatusCode code;
  };
  const Case kCases[] = {
      {"INSERT INTO child VALUES ($1, 1)",
       {int64_t{404}},
       absl::StatusCode::kFailedPrecondition},
      {"INSERT INTO child VALUES ($1, 1)",
       {nullptr},
       absl::StatusCode::kFailedPrecondition},
      {"INSERT INTO parent VALUES ($1)",
       {std::string("s3cret-number")},
       absl::StatusCode::kInvalidArgument},
      {"SELECT * FROM missing_table", {}, absl::StatusCode::kInternal},
      {"SELECT $1::bigint",
       {int64_t{1}, int64_t{2}},
       absl::StatusCode::kInternal},
      {"INSERT INTO parent VALUES ($1)",
       {std::string("nul\0byte", 8)},
       absl::StatusCode::kInvalidArgument},
      {"SELECT $1::timestamptz",
       {absl::InfiniteFuture()},
       absl::StatusCode::kInvalidArgument},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.sql);
    absl::StatusOr<ResultSet> result =
        ExecuteAlone(*database_, c.sql, c.params);
    EXPECT_EQ(result.status().code(), c.code) << result.status();
    EXPECT_FALSE(absl::StrContains(result.status().message(), "s3cret"))
        << result.status();
  }
}

TEST_F(PostgresDatabaseTest, RejectedParameterLeavesTheTransactionUsable) {
  absl::Status status = database_->RunInTransaction(
      TransactionMode::kReadOnly, [](Transaction& transaction) {
        absl::StatusOr<ResultSet> rejected = transaction.Execute(
            "SELECT $1::text", {std::string("nul\0byte", 8)});
        EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument);
        return transaction.Execute("SELECT 1", {}).status();
      });

  EXPECT_TRUE(status.ok()) << status;
}

TEST_F(PostgresDatabaseTest, ReadOnlyTransactionRejectsWrites) {
  ASSERT_TRUE(ScriptAlone(*database_, "CREATE TABLE kv (key TEXT)").ok());

  absl::Status status = database_->RunInTransaction(
      TransactionMode::kReadOnly, [](Transaction& transaction) {
        return transaction
            .Execute("INSERT INTO kv VALUES ($1)", {std::string("x")})
            .status();
      });

  EXPECT_FALSE(status.ok());
  EXPECT_EQ(CountRows(*database_, "kv"), 0);
}

TEST_F(PostgresDatabaseTest, IgnoredStatementFailureCommitsNothing) {
  ASSERT_TRUE(
      ScriptAlone(*database_, "CREATE TABLE kv (key TEXT PRIMARY KEY)").ok());

  absl::Status status = database_->RunInTransaction(
      TransactionMode::kReadWrite, [](Transaction& transaction) {
        for (int i = 0; i < 2; ++i) {
          // The second insert fails; the body wrongly carries on.
          transaction
              .Execute("INSERT INTO kv VALUES ($1)", {std::string("same")})
              .IgnoreError();
        }
        return absl::OkStatus();
      });

  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_EQ(CountRows(*database_, "kv"), 0);
}

TEST_F(PostgresDatabaseTest, PoolNeverOpensMoreThanPoolSizeConnections) {
  constexpr int kPoolSize = 3;
  constexpr int kThreads = 20;
  constexpr int kTransactionsPerThread = 20;
  const std::string kApplication = "opsbrain-pool-test";
  absl::StatusOr<std::unique_ptr<Database>> opened =
      Open(url_, kPoolSize, kApplication);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Database& database = **opened;
  ASSERT_TRUE(ScriptAlone(database, "CREATE TABLE hits (thread BIGINT)").ok());

  std::atomic<int> failures{0};
  std::atomic<int64_t> most_connections{0};
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      for (int i = 0; i < kTransactionsPerThread; ++i) {
        absl::Status status = database.RunInTransaction(
            TransactionMode::kReadWrite, [&](Transaction& transaction) {
              absl::StatusOr<ResultSet> inserted = transaction.Execute(
                  "INSERT INTO hits VALUES ($1)", {int64_t{thread}});
              if (!inserted.ok()) return inserted.status();
              absl::StatusOr<ResultSet> counted = transaction.Execute(
                  "SELECT count(*) FROM pg_stat_activity "
                  "WHERE application_name = $1",
                  {kApplication});
              if (!counted.ok()) return counted.status();
              const int64_t connections = RowReader(*counted, 0).Int64(0);
              int64_t most = most_connections.load();
              while (
                  connections > most &&
                  !most_connections.compare_exchange_weak(most, connections)) {
              }
              return absl::OkStatus();
            });
        if (!status.ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(most_connections.load(), 1);
  EXPECT_LE(most_connections.load(), kPoolSize);
  EXPECT_EQ(CountRows(database, "hits"), kThreads * kTransactionsPerThread);
}

// The backend process id of the connection a transaction runs on.
int64_t BackendPid(Database& database) {
  absl::StatusOr<ResultSet> result =
      ExecuteAlone(database, "SELECT pg_backend_pid()::bigint");
  if (!result.ok() || result->num_rows() != 1) return -1;
  return RowReader(*result, 0).Int64(0);
}

PostgresOptions Options(const std::string& url) {
  PostgresOptions options;
  options.url = url;
  options.connect_timeout = absl::Seconds(5);
  options.application_name = "opsbrain-storage-test";
  return options;
}

TEST_F(PostgresDatabaseTest, StatementOverItsTimeoutIsDeadlineExceeded) {
  PostgresOptions options = Options(url_);
  options.statement_timeout = absl::Milliseconds(200);
  absl::StatusOr<std::unique_ptr<Database>> opened =
      OpenPostgresDatabase(options);
  ASSERT_TRUE(opened.ok()) << opened.status();

  const absl::Time start = absl::Now();
  absl::StatusOr<ResultSet> slow = ExecuteAlone(**opened, "SELECT pg_sleep(5)");
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kDeadlineExceeded)
      << slow.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));

  // The session survives the cancellation; a script (a migration) is not
  // bound by the timeout.
  EXPECT_TRUE(ExecuteAlone(**opened, "SELECT 1").ok());
  EXPECT_TRUE(ScriptAlone(**opened, "SELECT pg_sleep(0.4)").ok());
  EXPECT_EQ(ExecuteAlone(**opened, "SELECT pg_sleep(1)").status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST_F(PostgresDatabaseTest, SslmodeInTheUrlIsHonoured) {
  // The test server speaks no TLS, so a URL that requires it cannot
  // connect, while the same URL without sslmode (loopback) can.
  absl::StatusOr<std::unique_ptr<Database>> required =
      Open(absl::StrCat(url_, "?sslmode=require"));
  // A permanent mismatch, which start-up does not retry.
  EXPECT_EQ(required.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(required.status().message(), "TLS"))
      << required.status();
  EXPECT_TRUE(Open(absl::StrCat(url_, "?sslmode=disable")).ok());
}

TEST_F(PostgresDatabaseTest, PoolRetiresIdleAndOldConnections) {
  struct Case {
    const char* name;
    absl::Duration max_idle_time;
    absl::Duration max_lifetime;
    bool replaced;
  };
  const Case kCases[] = {
      {"kept", absl::ZeroDuration(), absl::ZeroDuration(), false},
      {"idle too long", absl::Milliseconds(100), absl::ZeroDuration(), true},
      {"too old", absl::ZeroDuration(), absl::Milliseconds(100), true},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    PostgresOptions options = Options(url_);
    options.pool_size = 1;
    options.max_idle_time = c.max_idle_time;
    options.max_lifetime = c.max_lifetime;
    absl::StatusOr<std::unique_ptr<Database>> opened =
        OpenPostgresDatabase(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    const int64_t first = BackendPid(**opened);
    ASSERT_GT(first, 0);
    // Time-based behaviour: let the connection pass both limits.
    absl::SleepFor(absl::Milliseconds(150));
    const int64_t second = BackendPid(**opened);
    ASSERT_GT(second, 0);
    EXPECT_EQ(first != second, c.replaced);
  }
}

TEST_F(PostgresDatabaseTest, CallersBeyondThePoolQueueAndAreCounted) {
  PostgresOptions options = Options(url_);
  options.pool_size = 1;
  absl::StatusOr<std::unique_ptr<Database>> opened =
      OpenPostgresDatabase(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Database& database = **opened;

  // The holder keeps the only connection until released; the queued
  // caller waits behind it.
  absl::Notification holding, release;
  std::thread holder([&] {
    EXPECT_TRUE(database
                    .RunInTransaction(TransactionMode::kReadOnly,
                                      [&](Transaction&) {
                                        holding.Notify();
                                        release.WaitForNotification();
                                        return absl::OkStatus();
                                      })
                    .ok());
  });
  holding.WaitForNotification();
  absl::Status queued_status;
  std::thread queued([&] { queued_status = database.Ping(); });

  PoolStats stats;
  for (int i = 0; i < 1000; ++i) {
    stats = database.GetPoolStats();
    if (stats.waiting == 1) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(stats.waiting, 1);
  EXPECT_EQ(stats.in_use, 1);
  EXPECT_EQ(stats.idle, 0);
  EXPECT_EQ(stats.max_size, 1);

  release.Notify();
  holder.join();
  queued.join();
  EXPECT_TRUE(queued_status.ok()) << queued_status;
  stats = database.GetPoolStats();
  EXPECT_EQ(stats.waiting, 0);
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_EQ(stats.idle, 1);
}

TEST_F(PostgresDatabaseTest, WaitingForAConnectionIsBounded) {
  PostgresOptions options = Options(url_);
  options.pool_size = 1;
  options.pool_wait_timeout = absl::Milliseconds(100);
  absl::StatusOr<std::unique_ptr<Database>> opened =
      OpenPostgresDatabase(options);
  ASSERT_TRUE(opened.ok()) << opened.status();

  absl::Status inner;
  ASSERT_TRUE((*opened)
                  ->RunInTransaction(TransactionMode::kReadOnly,
                                     [&](Transaction&) {
                                       inner = (*opened)->Ping();
                                       return absl::OkStatus();
                                     })
                  .ok());
  EXPECT_EQ(inner.code(), absl::StatusCode::kUnavailable) << inner;
  EXPECT_TRUE(absl::StrContains(inner.message(), "no free PostgreSQL"))
      << inner;
}

TEST(PostgresDatabaseOutageTest, FailsFastDuringBackoffAndReconnects) {
  absl::StatusOr<std::unique_ptr<PostgresServer>> server =
      PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::string> url = (*server)->CreateDatabase();
  ASSERT_TRUE(url.ok()) << url.status();
  PostgresOptions options = Options(*url);
  options.reconnect_backoff_initial = absl::Milliseconds(200);
  options.reconnect_backoff_max = absl::Milliseconds(400);
  absl::StatusOr<std::unique_ptr<Database>> opened =
      OpenPostgresDatabase(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Database& database = **opened;

  ASSERT_TRUE((*server)->Stop().ok());
  // The first call finds the server gone; the next ones, inside the
  // backoff window, do not even try and say so.
  EXPECT_EQ(database.Ping().code(), absl::StatusCode::kUnavailable);
  const absl::Time start = absl::Now();
  absl::Status fast;
  for (int i = 0; i < 20; ++i) fast = database.Ping();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_EQ(fast.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(fast.message(), "failed connection attempts"))
      << fast;

  ASSERT_TRUE((*server)->Restart().ok());
  absl::Status after;
  const absl::Time restarted = absl::Now();
  for (int i = 0; i < 200; ++i) {
    after = database.Ping();
    if (after.ok()) break;
    absl::SleepFor(absl::Milliseconds(25));
  }
  EXPECT_TRUE(after.ok()) << after;
  // The backoff is capped at 400 ms (+20%), so recovery is prompt.
  EXPECT_LT(absl::Now() - restarted, absl::Seconds(2));
}

TEST(DefaultSslModeTest, RequiresTlsOnlyForRemoteHostsWithoutSslmode) {
  struct Case {
    const char* url;
    const char* sslmode;
  };
  const Case kCases[] = {
      {"postgres://u@db.example.com/app", "require"},
      {"postgres://u@10.0.0.5:5432/app", "require"},
      {"postgresql://u:pw@db.example.com/app?sslmode=disable", ""},
      {"postgres://u@db.example.com/app?sslmode=verify-full", ""},
      {"postgres://u@127.0.0.1:5432/app", ""},
      {"postgres://u@127.8.9.10/app", ""},
      {"postgres://u@localhost/app", ""},
      {"postgres://u@[::1]:5432/app", ""},
      {"postgres:///app?host=/var/run/postgresql", ""},
      {"postgres://u@%2Fvar%2Frun%2Fpostgresql/app", ""},
      {"postgres://u@127.0.0.1,db.example.com/app", "require"},
      {"postgres://u@127.0.0.1/app?hostaddr=10.1.2.3", "require"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.url);
    EXPECT_EQ(DefaultSslMode(c.url), c.sslmode);
  }
}

TEST(PostgresDatabaseOutageTest, LostServerIsUnavailableAndThePoolRecovers) {
  absl::StatusOr<std::unique_ptr<PostgresServer>> server =
      PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::string> url = (*server)->CreateDatabase();
  ASSERT_TRUE(url.ok()) << url.status();
  absl::StatusOr<std::unique_ptr<Database>> opened =
      Open(*url, /*pool_size=*/2);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Database& database = **opened;
  ASSERT_TRUE(ScriptAlone(database,
                          "CREATE TABLE kv (key TEXT);"
                          "INSERT INTO kv VALUES ('kept');")
                  .ok());
  // Both connections of the pool are open (a transaction inside another
  // takes the second one), so both die with the server.
  ASSERT_TRUE(
      database
          .RunInTransaction(TransactionMode::kReadOnly,
                            [&](Transaction&) { return database.Ping(); })
          .ok());

  ASSERT_TRUE((*server)->Stop().ok());
  const absl::Time stopped = absl::Now();
  absl::StatusOr<ResultSet> during = ExecuteAlone(database, "SELECT 1");
  const absl::Status ping_during = database.Ping();
  const absl::Duration outage_answers = absl::Now() - stopped;

  EXPECT_EQ(during.status().code(), absl::StatusCode::kUnavailable)
      << during.status();
  EXPECT_EQ(ping_during.code(), absl::StatusCode::kUnavailable) << ping_during;
  EXPECT_LT(outage_answers, absl::Seconds(10));

  ASSERT_TRUE((*server)->Restart().ok());
  EXPECT_TRUE(database.Ping().ok());
  EXPECT_EQ(CountRows(database, "kv"), 1);
  EXPECT_TRUE(ExecuteAlone(database, "INSERT INTO kv VALUES ($1)",
                           {std::string("after restart")})
                  .ok());
  EXPECT_EQ(CountRows(database, "kv"), 2);
}

TEST(OpenPostgresDatabaseTest, ClosedPortIsUnavailableAtOnce) {
  ClosedPort closed;
  ASSERT_NE(closed.port(), 0);

  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<Database>> database = Open(absl::StrCat(
      "postgres://postgres@127.0.0.1:", closed.port(), "/postgres"));

  EXPECT_EQ(database.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST(OpenPostgresDatabaseTest, FailuresNeverShowThePassword) {
  ClosedPort closed;
  ASSERT_NE(closed.port(), 0);
  const std::string host = absl::StrCat("127.0.0.1:", closed.port());
  struct Case {
    std::string url;
    absl::StatusCode code;
  };
  const Case kCases[] = {
      {absl::StrCat("postgres://u:s3cret@", host, "/db"),
       absl::StatusCode::kUnavailable},
      {absl::StrCat("postgresql://u:s3%63ret@", host, "/db"),
       absl::StatusCode::kUnavailable},
      {absl::StrCat("postgres://u@", host, "/db?password=s3cret&sslmode=bad"),
       absl::StatusCode::kUnavailable},
      // libpq quotes the whole URL when it cannot parse it.
      {"postgres://u:s3cret@[::1/db", absl::StatusCode::kInvalidArgument},
      {"postgres://u:s3cret@h/d%zzb", absl::StatusCode::kInvalidArgument},
      {"mysql://u:s3cret@h/db", absl::StatusCode::kInvalidArgument},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.url);
    absl::StatusOr<std::unique_ptr<Database>> database = Open(c.url);
    EXPECT_EQ(database.status().code(), c.code) << database.status();
    EXPECT_FALSE(absl::StrContains(database.status().message(), "s3cret"))
        << database.status();
  }
}

TEST(OpenPostgresDatabaseTest, RejectsPoolSizeBelowOne) {
  absl::StatusOr<std::unique_ptr<Database>> database =
      Open("postgres://postgres@127.0.0.1:1/db", /*pool_size=*/0);

  EXPECT_EQ(database.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RedactPostgresUrlTest, ReplacesEveryPassword) {
  struct Case {
    const char* url;
    const char* redacted;
  };
  const Case kCases[] = {
      {"postgres://u:s3cret@h:5/db?sslmode=disable",
       "postgres://u:****@h:5/db?sslmode=disable"},
      {"postgresql://u:s3%40cret@h/db", "postgresql://u:****@h/db"},
      {"postgres://u:s3@cr/et@h/db", "postgres://u:****@h/db"},
      {"postgres://u@h/db?password=s3cret&sslmode=require",
       "postgres://u@h/db?password=****&sslmode=require"},
      {"postgres://u@h/db?sslmode=verify-full&sslpassword=s3cret",
       "postgres://u@h/db?sslmode=verify-full&sslpassword=****"},
      {"host=h password='s3 cret' dbname=db", "host=h password=**** dbname=db"},
      {"postgres://u@h:5/db", "postgres://u@h:5/db"},
      {"postgres://u:@h/db", "postgres://u:@h/db"},
      {"postgres://h/db", "postgres://h/db"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.url);
    EXPECT_EQ(RedactPostgresUrl(c.url), c.redacted);
  }
}

}  // namespace
}  // namespace opsbrain::sql
