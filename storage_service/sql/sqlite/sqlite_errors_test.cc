#include "storage_service/sql/sqlite/sqlite_errors.h"

#include <sqlite3.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::sql {
namespace {

using ::testing::HasSubstr;

struct MappingCase {
  int sqlite_code;
  absl::StatusCode expected;
};

class SqliteStatusTest : public ::testing::TestWithParam<MappingCase> {};

TEST_P(SqliteStatusTest, MapsCodeToCanonicalCode) {
  const MappingCase& test_case = GetParam();
  const absl::Status status = SqliteStatus(test_case.sqlite_code, "doing it");
  EXPECT_EQ(status.code(), test_case.expected)
      << "SQLite code " << test_case.sqlite_code << ": " << status;
  EXPECT_THAT(status.message(), HasSubstr("doing it: "));
  EXPECT_THAT(status.message(),
              HasSubstr(sqlite3_errstr(test_case.sqlite_code)));
}

INSTANTIATE_TEST_SUITE_P(
    AllCodes, SqliteStatusTest,
    ::testing::Values(
        MappingCase{SQLITE_CONSTRAINT_UNIQUE, absl::StatusCode::kAlreadyExists},
        MappingCase{SQLITE_CONSTRAINT_PRIMARYKEY,
                    absl::StatusCode::kAlreadyExists},
        MappingCase{SQLITE_CONSTRAINT_DATATYPE,
                    absl::StatusCode::kInvalidArgument},
        MappingCase{SQLITE_CONSTRAINT, absl::StatusCode::kFailedPrecondition},
        MappingCase{SQLITE_CONSTRAINT_NOTNULL,
                    absl::StatusCode::kFailedPrecondition},
        MappingCase{SQLITE_CONSTRAINT_FOREIGNKEY,
                    absl::StatusCode::kFailedPrecondition},
        MappingCase{SQLITE_CONSTRAINT_CHECK,
                    absl::StatusCode::kFailedPrecondition},
        MappingCase{SQLITE_MISMATCH, absl::StatusCode::kInvalidArgument},
        MappingCase{SQLITE_TOOBIG, absl::StatusCode::kInvalidArgument},
        MappingCase{SQLITE_RANGE, absl::StatusCode::kInvalidArgument},
        MappingCase{SQLITE_BUSY, absl::StatusCode::kUnavailable},
        MappingCase{SQLITE_BUSY_SNAPSHOT, absl::StatusCode::kUnavailable},
        MappingCase{SQLITE_BUSY_RECOVERY, absl::StatusCode::kUnavailable},
        MappingCase{SQLITE_LOCKED, absl::StatusCode::kUnavailable},
        MappingCase{SQLITE_LOCKED_SHAREDCACHE, absl::StatusCode::kUnavailable},
        MappingCase{SQLITE_CANTOPEN, absl::StatusCode::kUnavailable},
        MappingCase{SQLITE_CANTOPEN_ISDIR, absl::StatusCode::kUnavailable},
        MappingCase{SQLITE_IOERR, absl::StatusCode::kUnavailable},
        MappingCase{SQLITE_IOERR_FSYNC, absl::StatusCode::kUnavailable},
        MappingCase{SQLITE_FULL, absl::StatusCode::kResourceExhausted},
        MappingCase{SQLITE_NOMEM, absl::StatusCode::kResourceExhausted},
        MappingCase{SQLITE_INTERRUPT, absl::StatusCode::kDeadlineExceeded},
        MappingCase{SQLITE_CORRUPT, absl::StatusCode::kDataLoss},
        MappingCase{SQLITE_CORRUPT_INDEX, absl::StatusCode::kDataLoss},
        MappingCase{SQLITE_NOTADB, absl::StatusCode::kDataLoss},
        MappingCase{SQLITE_READONLY, absl::StatusCode::kFailedPrecondition},
        MappingCase{SQLITE_READONLY_DBMOVED,
                    absl::StatusCode::kFailedPrecondition},
        MappingCase{SQLITE_ERROR, absl::StatusCode::kInternal},
        MappingCase{SQLITE_MISUSE, absl::StatusCode::kInternal},
        MappingCase{SQLITE_SCHEMA, absl::StatusCode::kInternal},
        MappingCase{SQLITE_OK, absl::StatusCode::kInternal}));

struct ConnectionCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

class SqliteStatusWithConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &raw), SQLITE_OK);
    db_.reset(raw);
    sqlite3_extended_result_codes(db_.get(), 1);
    ASSERT_EQ(sqlite3_exec(db_.get(),
                           "CREATE TABLE configurations (key TEXT UNIQUE);"
                           "INSERT INTO configurations VALUES ('secret');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  }

  std::unique_ptr<sqlite3, ConnectionCloser> db_;
};

TEST_F(SqliteStatusWithConnectionTest, AddsConnectionMessageWithoutValues) {
  const int rc =
      sqlite3_exec(db_.get(), "INSERT INTO configurations VALUES ('secret')",
                   nullptr, nullptr, nullptr);
  ASSERT_EQ(rc, SQLITE_CONSTRAINT_UNIQUE);

  const absl::Status status = SqliteStatus(db_.get(), rc, "inserting");

  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(status.message(), HasSubstr("inserting: "));
  EXPECT_THAT(status.message(),
              HasSubstr("UNIQUE constraint failed: configurations.key"));
  EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("secret")));
}

TEST_F(SqliteStatusWithConnectionTest, OmitsMessageOfAnUnrelatedFailure) {
  ASSERT_NE(sqlite3_exec(db_.get(), "SELECT * FROM missing", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);

  const absl::Status status = SqliteStatus(db_.get(), SQLITE_RANGE, "binding");

  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("missing")));
}

TEST_F(SqliteStatusWithConnectionTest, AcceptsNullConnection) {
  const absl::Status status = SqliteStatus(nullptr, SQLITE_BUSY, "beginning");

  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("database is locked"));
}

}  // namespace
}  // namespace opsbrain::sql
