#include "storage_service/sql/dialect_sql.h"

#include "absl/strings/str_cat.h"

namespace opsbrain::sql {

const DialectSql& SqlFor(Dialect dialect) {
  static const DialectSql kPostgres = {
      .for_update = " FOR UPDATE",
      .binary_collation = " COLLATE \"C\"",
      // An arbitrary constant naming OpsBrain's migration lock.
      .migration_lock = "SELECT pg_advisory_xact_lock(5172024001)",
      .migration_lock_timeout =
          "SELECT set_config('lock_timeout', $1, true),"
          " set_config('statement_timeout', '0', true)",
      .table_exists =
          "SELECT 1 FROM information_schema.tables"
          " WHERE table_schema = current_schema() AND table_name = $1",
      .table_columns =
          "SELECT column_name::text, data_type::text"
          " FROM information_schema.columns"
          " WHERE table_schema = current_schema() AND table_name = $1"
          " ORDER BY ordinal_position",
      .timestamp_type = "TIMESTAMPTZ",
  };
  static const DialectSql kSqlite = {
      .for_update = "",
      .binary_collation = "",
      .migration_lock = "",
      .migration_lock_timeout = "",
      .table_exists =
          "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1",
      .table_columns =
          "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
      .timestamp_type = "TEXT",
  };
  return dialect == Dialect::kPostgres ? kPostgres : kSqlite;
}

std::string ResetIdSequenceSql(Dialect dialect, absl::string_view table) {
  if (dialect != Dialect::kPostgres) return "";
  // `table` is one of the repository's own table names, never input.
  std::string name(table);
  return absl::StrCat("SELECT setval(pg_get_serial_sequence('", name,
                      "', 'id'), (SELECT GREATEST(COALESCE(MAX(id), 0) + 1, ",
                      kFirstStoreId, ") FROM ", name, "), false)");
}

}  // namespace opsbrain::sql
