// The few SQL fragments in which PostgreSQL and SQLite differ. Everything
// else the repository says once, in SQL both accept.
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_DIALECT_SQL_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_DIALECT_SQL_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "storage_service/sql/database.h"

namespace opsbrain::sql {

struct DialectSql {
  // Appended to a SELECT that reads a row it is about to change. SQLite
  // needs none: its write transactions hold the database lock.
  const char* for_update;
  // Makes text comparisons and ORDER BY bytewise, so that keyset paging and
  // key order agree on both databases whatever the server's locale.
  const char* binary_collation;
  // Takes a lock held until the transaction ends, so that one migration
  // run at a time changes the schema; empty where each write transaction
  // already excludes other writers.
  const char* migration_lock;
  // Run before migration_lock in the same transaction: bounds the wait for
  // the lock by $1 (a duration in PostgreSQL's syntax, "1500ms") and lifts
  // the statement timeout that would otherwise cut the wait short.
  const char* migration_lock_timeout;
  // A query with one row when the table named $1 exists.
  const char* table_exists;
  // The columns of the table named $1 in the catalog, in order: name and
  // type (PostgreSQL: information_schema data_type; SQLite: the declared
  // type).
  const char* table_columns;
  // The type of the history table's time column.
  const char* timestamp_type;
};

const DialectSql& SqlFor(Dialect dialect);

// The first id the store gives an audit entry or metric of its own (since
// migration 3): lower ids are left to rows imported with their legacy ids.
inline constexpr int64_t kFirstStoreId = int64_t{1} << 31;

// After rows were inserted with explicit ids, moves `table`'s id sequence
// past them, and never below kFirstStoreId; empty where the database does
// that itself (SQLite's AUTOINCREMENT).
std::string ResetIdSequenceSql(Dialect dialect, absl::string_view table);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_DIALECT_SQL_H_
