#include "storage_service/database_factory.h"

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage_service/sql/postgres/postgres_database.h"
#include "storage_service/sql/sqlite/sqlite_database.h"

namespace opsbrain {
namespace {

struct Scheme {
  const char* prefix;
  sql::Dialect dialect;
  // Whether the prefix is part of what the driver is given.
  bool keep_prefix;
};

// The one table of accepted URL schemes.
constexpr Scheme kSchemes[] = {
    {"postgres://", sql::Dialect::kPostgres, true},
    {"postgresql://", sql::Dialect::kPostgres, true},
    {"sqlite://", sql::Dialect::kSqlite, false},
};

}  // namespace

absl::StatusOr<DatabaseTarget> ParseDatabaseUrl(absl::string_view url) {
  if (url.empty()) {
    return DatabaseTarget{sql::Dialect::kSqlite, kDefaultSqlitePath,
                          kDefaultSqlitePath};
  }
  for (const Scheme& scheme : kSchemes) {
    if (!absl::StartsWithIgnoreCase(url, scheme.prefix)) continue;
    if (scheme.dialect == sql::Dialect::kPostgres) {
      std::string location(url);
      return DatabaseTarget{scheme.dialect, location,
                            sql::RedactPostgresUrl(location)};
    }
    std::string path(url.substr(strlen(scheme.prefix)));
    if (path.empty()) {
      return absl::InvalidArgumentError(
          "DATABASE_URL: sqlite:// needs a file path, as in "
          "sqlite://opsbrain-store.db or sqlite:///var/lib/opsbrain/store.db");
    }
    return DatabaseTarget{scheme.dialect, path, path};
  }
  return absl::InvalidArgumentError(
      "DATABASE_URL: unsupported scheme; use postgres://, postgresql:// or "
      "sqlite://PATH (or leave it unset for the SQLite file "
      "opsbrain-store.db)");
}

absl::StatusOr<std::unique_ptr<sql::Database>> OpenDatabase(
    const DatabaseTarget& target, const DatabaseOptions& options) {
  if (target.dialect == sql::Dialect::kPostgres) {
    sql::PostgresOptions postgres;
    postgres.url = target.location;
    postgres.pool_size = options.pool_size;
    postgres.pool_wait_timeout = options.pool_wait_timeout;
    postgres.connect_timeout = options.connect_timeout;
    postgres.statement_timeout = options.statement_timeout;
    postgres.max_idle_time = options.max_idle_time;
    postgres.max_lifetime = options.max_lifetime;
    return sql::OpenPostgresDatabase(postgres);
  }
  sql::SqliteOptions sqlite;
  sqlite.path = target.location;
  sqlite.pool_size = options.pool_size;
  sqlite.checkpoint_interval = options.checkpoint_interval;
  return sql::OpenSqliteDatabase(sqlite);
}

}  // namespace opsbrain
