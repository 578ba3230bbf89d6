// Translation of SQLite result codes into canonical absl::Status codes.
//
// The SQLite driver reports every failure through these functions, so the
// mapping documented in storage_service/sql/database.h lives in one place.
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_SQLITE_SQLITE_ERRORS_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_SQLITE_SQLITE_ERRORS_H_

#include <string_view>

#include "absl/status/status.h"

struct sqlite3;

namespace opsbrain::sql {

// Returns a non-OK status for the SQLite (extended or primary) result code
// `extended_code`, whose message is `what` followed by SQLite's generic text
// for the code (sqlite3_errstr). The canonical code is chosen by how the
// caller should react:
//   SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY        -> ALREADY_EXISTS
//   SQLITE_CONSTRAINT_DATATYPE (STRICT tables),
//   SQLITE_MISMATCH, SQLITE_TOOBIG, SQLITE_RANGE -> INVALID_ARGUMENT
//   other SQLITE_CONSTRAINT_*                    -> FAILED_PRECONDITION
//   SQLITE_READONLY*                             -> FAILED_PRECONDITION
//   SQLITE_BUSY*, SQLITE_LOCKED*                 -> UNAVAILABLE
//   SQLITE_CANTOPEN*, SQLITE_IOERR*              -> UNAVAILABLE
//   SQLITE_FULL, SQLITE_NOMEM                    -> RESOURCE_EXHAUSTED
//   SQLITE_INTERRUPT                             -> DEADLINE_EXCEEDED
//   SQLITE_CORRUPT*, SQLITE_NOTADB               -> DATA_LOSS
//   anything else                                -> INTERNAL
// `extended_code` must not be SQLITE_OK, SQLITE_ROW or SQLITE_DONE (those
// yield INTERNAL, since a caller asking for a status has seen a failure).
// Thread-safe.
absl::Status SqliteStatus(int extended_code, std::string_view what);

// As above, and appends the connection's own message (sqlite3_errmsg) when it
// says more than the generic text, e.g. "UNIQUE constraint failed: t.key".
// SQLite's messages name tables, columns and SQL syntax, never bound values.
// `db` must be the connection that produced `extended_code`, used by the
// calling thread only.
absl::Status SqliteStatus(sqlite3* db, int extended_code,
                          std::string_view what);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_SQLITE_SQLITE_ERRORS_H_
