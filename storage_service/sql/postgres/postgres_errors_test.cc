#include "storage_service/sql/postgres/postgres_errors.h"

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace opsbrain::sql {
namespace {

TEST(PostgresErrorsTest, SqlstatesMapToCanonicalCodes) {
  struct Case {
    const char* sqlstate;
    absl::StatusCode code;
  };
  const Case kCases[] = {
      {"23505", absl::StatusCode::kAlreadyExists},       // unique_violation
      {"23503", absl::StatusCode::kFailedPrecondition},  // foreign_key
      {"23502", absl::StatusCode::kFailedPrecondition},  // not_null
      {"23514", absl::StatusCode::kFailedPrecondition},  // check_violation
      {"22P02", absl::StatusCode::kInvalidArgument},     // invalid_text
      {"22001", absl::StatusCode::kInvalidArgument},     // string too long
      {"22007", absl::StatusCode::kInvalidArgument},     // bad datetime
      {"40001", absl::StatusCode::kAborted},             // serialization
      {"40P01", absl::StatusCode::kAborted},             // deadlock
      {"55P03", absl::StatusCode::kAborted},             // lock_not_available
      {"40002", absl::StatusCode::kInternal},            // other class 40
      {"08000", absl::StatusCode::kUnavailable},         // connection_exception
      {"08006", absl::StatusCode::kUnavailable},         // connection_failure
      {"08001", absl::StatusCode::kUnavailable},         // cannot connect
      {"08P01", absl::StatusCode::kInternal},            // protocol_violation
      {"57P01", absl::StatusCode::kUnavailable},         // admin_shutdown
      {"57P02", absl::StatusCode::kUnavailable},         // crash_shutdown
      {"57P03", absl::StatusCode::kUnavailable},         // cannot_connect_now
      {"53300", absl::StatusCode::kUnavailable},         // too_many_connections
      {"57014", absl::StatusCode::kDeadlineExceeded},    // query_canceled
      {"53100", absl::StatusCode::kResourceExhausted},   // disk_full
      {"53200", absl::StatusCode::kResourceExhausted},   // out_of_memory
      {"53400", absl::StatusCode::kInternal},            // config limit
      {"42P01", absl::StatusCode::kInternal},            // undefined_table
      {"42601", absl::StatusCode::kInternal},            // syntax_error
      {"0A000", absl::StatusCode::kInternal},            // not supported
      {"25P02", absl::StatusCode::kInternal},            // in failed txn
      {"XX000", absl::StatusCode::kInternal},            // internal_error
      {"", absl::StatusCode::kUnavailable},              // no answer
      {"23", absl::StatusCode::kInternal},               // not a SQLSTATE
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.sqlstate);
    EXPECT_EQ(PostgresStatusCode(c.sqlstate), c.code);
    EXPECT_EQ(PostgresStatus(c.sqlstate, "INSERT: failed").code(), c.code);
  }
}

TEST(PostgresErrorsTest, MessageCarriesWhatAndSqlstate) {
  struct Case {
    const char* sqlstate;
    const char* what;
    const char* message;
  };
  const Case kCases[] = {
      {"23505", "INSERT: duplicate key value",
       "INSERT: duplicate key value (SQLSTATE 23505)"},
      {"", "BEGIN: server closed the connection unexpectedly",
       "BEGIN: server closed the connection unexpectedly"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.sqlstate);
    EXPECT_EQ(PostgresStatus(c.sqlstate, c.what).message(), c.message);
  }
}

TEST(PostgresErrorsTest, SafePrimaryMessageHidesValuesOfDataExceptions) {
  struct Case {
    const char* sqlstate;
    const char* primary;
    const char* safe;
  };
  const Case kCases[] = {
      {"22P02", R"(invalid input syntax for type bigint: "s3cret")",
       R"(invalid input syntax for type bigint: "...")"},
      {"22003", R"(value "123456789012" is out of range for type integer)",
       R"(value "..." is out of range for type integer)"},
      // A value holding quotes is hidden whole.
      {"22P02", R"(invalid input syntax for type json: "a"s3cret"b")",
       R"(invalid input syntax for type json: "...")"},
      {"22P02", R"(unterminated "s3cret)", R"(unterminated "...")"},
      {"22001", "value too long for type character varying(3)",
       "value too long for type character varying(3)"},
      // Other classes quote identifiers only; they help and are kept.
      {"23505", R"(duplicate key value violates unique constraint "kv_pkey")",
       R"(duplicate key value violates unique constraint "kv_pkey")"},
      {"42P01", R"(relation "missing" does not exist)",
       R"(relation "missing" does not exist)"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.primary);
    EXPECT_EQ(SafePrimaryMessage(c.sqlstate, c.primary), c.safe);
  }
}

}  // namespace
}  // namespace opsbrain::sql
