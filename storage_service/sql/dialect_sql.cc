#include "storage_service/sql/dialect_sql.h"

#include "absl/strings/str_cat.h"

namespace opsbrain::sql {

const DialectSql& SqlFor(Dialect dialect) {
  static const DialectSql kPostgres = {
      .for_update = " FOR UPDATE",
      .binary_collation = " COLLATE \"C\"",
      // An arbitrary constant naming OpsBrain's migration lock.
      .migration_lock = "SELECT pg_advisory_xact_lock(5172024001)",
      .history_exists =
          "SELECT 1 FROM information_schema.tables"
          " WHERE table_schema = current_schema()"
          " AND table_name = 'schema_migrations'",
      .timestamp_type = "TIMESTAMPTZ",
  };
  static const DialectSql kSqlite = {
      .for_update = "",
      .binary_collation = "",
      .migration_lock = "",
      .history_exists =
          "SELECT 1 FROM sqlite_master"
          " WHERE type = 'table' AND name = 'schema_migrations'",
      .timestamp_type = "TEXT",
  };
  return dialect == Dialect::kPostgres ? kPostgres : kSqlite;
}

std::string ResetIdSequenceSql(Dialect dialect, absl::string_view table) {
  if (dialect != Dialect::kPostgres) return "";
  // `table` is one of the repository's own table names, never input.
  std::string name(table);
  return absl::StrCat("SELECT setval(pg_get_serial_sequence('", name,
                      "', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM ", name,
                      "), false)");
}

}  // namespace opsbrain::sql
