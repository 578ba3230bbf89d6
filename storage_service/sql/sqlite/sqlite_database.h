// The SQLite driver of the SQL layer (storage_service/sql/database.h).
//
// A fixed pool of connections to one database file in WAL mode, so that
// readers run beside one writer. Writers of this process are queued in the
// process before they ask SQLite for the write lock; writers of other
// processes are waited for up to SqliteOptions::busy_timeout.
//
//   SqliteOptions options;
//   options.path = "/var/lib/opsbrain/store.db";
//   absl::StatusOr<std::unique_ptr<Database>> db = OpenSqliteDatabase(options);
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_SQLITE_SQLITE_DATABASE_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_SQLITE_SQLITE_DATABASE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage_service/sql/database.h"

namespace opsbrain::sql {

struct SqliteOptions {
  // The database file; created if missing (its directory is not), unless
  // `read_only`. Must name a file: ":memory:" and "" are refused,
  // since each pooled connection would see a database of its own.
  std::string path;
  // Connections in the pool, at least 1. Each transaction holds one for its
  // whole body; a transaction waits while all are in use.
  int pool_size = 4;
  // How long a statement waits for a lock held by another process (or a
  // checkpoint) before failing with UNAVAILABLE.
  absl::Duration busy_timeout = absl::Seconds(5);
  // PRAGMA synchronous=FULL: a commit survives power loss. NORMAL (false) is
  // faster; in WAL mode the last commits may then be lost on power loss, but
  // the database stays consistent.
  bool synchronous_full = true;
  // Opens the file read-only and never creates it. kReadWrite transactions
  // then fail with FAILED_PRECONDITION. The file should already be in WAL
  // mode (any database this driver has written is).
  bool read_only = false;
  // The write-ahead log is copied into the database and truncated to zero
  // bytes (PRAGMA wal_checkpoint(TRUNCATE)) by a background thread this
  // often (zero: never), and by the writer whose commit takes the log past
  // `checkpoint_wal_bytes`, before that write returns. This replaces
  // SQLite's own automatic checkpoints, which never shrink the file. A
  // checkpoint waits for this process's writers and for readers of older
  // snapshots (up to busy_timeout); one that cannot finish is retried next
  // time. Neither applies when `read_only`.
  absl::Duration checkpoint_interval = absl::Minutes(1);
  int64_t checkpoint_wal_bytes = 4 << 20;
};

// Opens `options.pool_size` connections to `options.path` and switches the
// database to WAL mode. Every connection has foreign keys enforced and
// extended result codes on.
//
// Errors, each naming the path:
//   INVALID_ARGUMENT     options out of range (empty path, ":memory:",
//                        pool_size < 1)
//   UNAVAILABLE          the file cannot be opened or created (missing
//                        directory, permissions; missing file if read_only),
//                        or stays locked longer than busy_timeout
//   FAILED_PRECONDITION  the file is not a SQLite database or is corrupt, or
//                        WAL mode cannot be switched on
//
// The returned Database is thread-safe; it follows the contract of
// Database and Transaction, with these SQLite specifics:
//   - kReadOnly transactions start with BEGIN (deferred) and run only
//     read-only statements: Execute of any other statement, and any
//     ExecuteScript, returns INTERNAL without running it.
//   - kReadWrite transactions start with BEGIN IMMEDIATE.
//   - Execute takes exactly one statement whose parameters are written `$1`
//     .. `$N`, each of them used, N == params.size(); otherwise INTERNAL.
//     absl::Time values are stored as text (FormatSqliteTime); an infinite
//     time is refused with INVALID_ARGUMENT.
//   - Cells come back typed as SQLite stores them: INTEGER as int64_t, REAL
//     as double, TEXT and BLOB as std::string, NULL as std::monostate.
//   - After SQLite has rolled a transaction back by itself (it does on
//     SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM and a few others), or after
//     the body ran COMMIT or ROLLBACK, Execute and ExecuteScript return
//     ABORTED, and so does RunInTransaction if the body still returns OK.
//   - A body must not call RunInTransaction on the same Database: it may
//     wait for ever for its own connection or write lock.
//   - The pool never grows: a transaction waits for a connection for as
//     long as it takes (GetPoolStats counts the waiters).
// The Database must outlive every call into it and every running body.
absl::StatusOr<std::unique_ptr<Database>> OpenSqliteDatabase(
    const SqliteOptions& options);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_SQLITE_SQLITE_DATABASE_H_
