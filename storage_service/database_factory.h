// Picks and opens the database driver that a DATABASE_URL names.
#ifndef OPSBRAIN_STORAGE_SERVICE_DATABASE_FACTORY_H_
#define OPSBRAIN_STORAGE_SERVICE_DATABASE_FACTORY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage_service/sql/database.h"

namespace opsbrain {

// The SQLite file used when DATABASE_URL is unset. Never "opsbrain.db",
// which is the legacy app's file name.
inline constexpr char kDefaultSqlitePath[] = "opsbrain-store.db";

struct DatabaseTarget {
  sql::Dialect dialect;
  // The libpq URL, or the SQLite file path.
  std::string location;
  // For logs: the URL without its password, or the file path.
  std::string display;
};

// Reads a DATABASE_URL: "postgres://..." or "postgresql://..." selects
// PostgreSQL; "sqlite://PATH" or an empty URL selects the SQLite file PATH
// (default kDefaultSqlitePath). Anything else is INVALID_ARGUMENT naming the
// accepted schemes, without echoing the URL (it may hold a password).
absl::StatusOr<DatabaseTarget> ParseDatabaseUrl(absl::string_view url);

// How the driver's pool behaves; see PostgresOptions and SqliteOptions for
// the meaning of each.
struct DatabaseOptions {
  // Both drivers.
  int pool_size = 8;
  // PostgreSQL only.
  absl::Duration pool_wait_timeout = absl::Seconds(10);
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration statement_timeout = absl::Seconds(30);
  absl::Duration max_idle_time = absl::Minutes(5);
  absl::Duration max_lifetime = absl::Minutes(30);
  // SQLite only.
  absl::Duration checkpoint_interval = absl::Minutes(1);
};

// Opens the driver for `target`.
absl::StatusOr<std::unique_ptr<sql::Database>> OpenDatabase(
    const DatabaseTarget& target,
    const DatabaseOptions& options = DatabaseOptions());

}  // namespace opsbrain

#endif  // OPSBRAIN_STORAGE_SERVICE_DATABASE_FACTORY_H_
