// The versioned schema migrations of each dialect, compiled in.
//
// Migration files are named NNNN_description.sql; versions start at 1 and
// have no gaps. Migration 1 of each dialect is the legacy OpsBrain schema,
// so a database the old app created can be adopted as version 1.
#ifndef OPSBRAIN_STORAGE_SERVICE_MIGRATIONS_MIGRATIONS_H_
#define OPSBRAIN_STORAGE_SERVICE_MIGRATIONS_MIGRATIONS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "storage_service/sql/database.h"

namespace opsbrain::migrations {

struct Migration {
  int version = 0;
  std::string description;  // from the file name: "legacy schema"
  std::string sql;
  // Hex SHA-256 of `sql` with CRLF line endings turned into LF, so a
  // checkout's line-ending conversion does not change it.
  std::string checksum;
};

// The migrations of `dialect` in version order.
const std::vector<Migration>& MigrationsFor(sql::Dialect dialect);

// The checksum as Migration::checksum defines it.
std::string MigrationChecksum(absl::string_view sql);

// One column of a table of migration 1, with the type its database's
// catalog reports for it: information_schema.columns.data_type on
// PostgreSQL, the declared type of PRAGMA table_info on SQLite.
struct CatalogColumn {
  const char* name;
  const char* postgres_type;
  const char* sqlite_type;
};

struct CatalogTable {
  const char* name;
  std::vector<CatalogColumn> columns;
};

// The tables and columns that migration 1 (the legacy schema) creates, in
// both dialects: what a database the old app created must hold, exactly,
// to be adopted as version 1 (SchemaManager::Baseline). Kept in step with
// the migration 1 files by a test that compares it with the catalog of a
// database those files created.
const std::vector<CatalogTable>& LegacySchemaCatalog();

}  // namespace opsbrain::migrations

#endif  // OPSBRAIN_STORAGE_SERVICE_MIGRATIONS_MIGRATIONS_H_
