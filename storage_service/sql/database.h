// The SQL layer under the repository: a database driver runs parameterised
// statements inside transactions and reports failures as canonical codes.
//
// One implementation per database (sqlite/, postgres/). The repository above
// writes its SQL once, with PostgreSQL-style `$1`..`$N` placeholders, and
// binds every value as a parameter; the few places where the dialects differ
// are spelt out in Dialect.
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_DATABASE_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_DATABASE_H_

#include <cstdint>
#include <string>
#include <variant>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "storage_service/sql/result_set.h"

namespace opsbrain::sql {

enum class Dialect { kPostgres, kSqlite };

// The dialect's name as the schema API reports it: "postgresql" or "sqlite".
absl::string_view DialectName(Dialect dialect);

// A value bound to one statement parameter. Drivers bind each alternative as
// their database expects: booleans as true/false or 1/0, times as UTC
// timestamps with microsecond precision (PostgreSQL timestamptz; in SQLite
// fixed-width text "YYYY-MM-DD HH:MM:SS.ffffff", which sorts correctly).
using Param = std::variant<std::nullptr_t, bool, int64_t, double, std::string,
                           absl::Time>;

enum class TransactionMode {
  // Reads only; may run beside other readers and a writer.
  kReadOnly,
  // Reads and writes. Writers are serialised where the database requires it
  // (SQLite: BEGIN IMMEDIATE).
  kReadWrite,
};

// Statements of one open transaction. Not thread-safe; used only inside the
// callback of Database::RunInTransaction.
class Transaction {
 public:
  virtual ~Transaction() = default;

  // Runs one statement. `sql` uses `$1`..`$N` for `params`; drivers prepare
  // it once per connection and reuse it. Returns the rows (if any) and the
  // number of rows changed. Failures carry canonical codes:
  //   unique or primary-key violation      -> ALREADY_EXISTS
  //   other constraint violations          -> FAILED_PRECONDITION
  //   invalid text for a column's type     -> INVALID_ARGUMENT
  //   serialisation failure, deadlock,
  //   a lock wait past its lock timeout    -> ABORTED
  //   database busy, connection lost/down  -> UNAVAILABLE
  //   statement timeout or cancellation    -> DEADLINE_EXCEEDED
  //   disk or memory full                  -> RESOURCE_EXHAUSTED
  //   anything else                        -> INTERNAL
  // Messages name the statement's failure without any bound value.
  virtual absl::StatusOr<ResultSet> Execute(absl::string_view sql,
                                            absl::Span<const Param> params) = 0;

  // Runs a script of several statements without parameters (schema
  // migrations). Same error mapping as Execute.
  virtual absl::Status ExecuteScript(absl::string_view sql) = 0;
};

// A pool's occupancy at one moment, for gauges.
struct PoolStats {
  // Connections lent to a transaction right now.
  int in_use = 0;
  // Open connections waiting in the pool.
  int idle = 0;
  // Callers waiting for a connection.
  int waiting = 0;
  // The most connections the pool opens at once.
  int max_size = 0;
};

// A connection pool to one database. Thread-safe.
class Database {
 public:
  virtual ~Database() = default;

  virtual Dialect dialect() const = 0;

  // Runs `body` in one transaction on a connection of the pool, waiting for
  // a free connection when all are busy. Commits when `body` returns OK;
  // otherwise rolls back and returns `body`'s status. A failed commit is
  // returned with the mapping of Transaction::Execute.
  virtual absl::Status RunInTransaction(
      TransactionMode mode,
      absl::FunctionRef<absl::Status(Transaction&)> body) = 0;

  // Checks that the database answers (a trivial query). UNAVAILABLE when not.
  virtual absl::Status Ping() = 0;

  // The pool's occupancy now. Zeros from a driver that does not say.
  virtual PoolStats GetPoolStats() const { return PoolStats(); }
};

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_DATABASE_H_
