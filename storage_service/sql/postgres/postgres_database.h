// The PostgreSQL driver of the SQL layer: a pool of libpq connections behind
// opsbrain::sql::Database.
//
// Every connection's session runs in UTC with ISO dates and full-precision
// floats, so values read back in the text forms that RowReader parses.
// Statements are prepared once per connection and SQL text, and parameters
// and results travel in libpq's text format.
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_POSTGRES_POSTGRES_DATABASE_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_POSTGRES_POSTGRES_DATABASE_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage_service/sql/database.h"

namespace opsbrain::sql {

struct PostgresOptions {
  // postgres:// or postgresql:// URL, handed to libpq as it is, so libpq's
  // query parameters (sslmode, options...) work. A password in it never
  // appears in a status message.
  std::string url;
  // Most connections open at once. Connections open on demand; a
  // transaction waits while all of them are busy.
  int pool_size = 8;
  // Per connection attempt (libpq counts whole seconds, at least 2).
  absl::Duration connect_timeout = absl::Seconds(10);
  // Shown in pg_stat_activity. Overrides an application_name in `url`.
  std::string application_name = "opsbrain-storage";
};

// Opens the pool and one connection, so that an unreachable server or bad
// credentials fail here rather than at the first request.
//
// Errors: INVALID_ARGUMENT for a URL that is not a postgres:// or
// postgresql:// URL libpq can parse, or a pool_size below 1; UNAVAILABLE
// when the first connection fails (server down, refused, authentication),
// with libpq's reason and the redacted URL in the message.
//
// Transactions run at READ COMMITTED (kReadOnly also READ ONLY). A
// connection found broken is closed and replaced by a new one on demand; a
// transaction whose connection breaks fails with UNAVAILABLE (when that
// happens during COMMIT, whether it committed is unknown). A connection
// that died while idle in the pool is detected at BEGIN and replaced before
// the body runs.
//
// Unlike SQLite, PostgreSQL refuses every statement of a transaction after
// one has failed. A body that ignores a failed Execute and returns OK gets
// INTERNAL from RunInTransaction, and nothing is committed.
//
// The returned Database is thread-safe. A transaction body that starts
// another transaction on the same Database holds one connection while
// waiting for a second: with pool_size concurrent such bodies it waits
// forever.
absl::StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(
    const PostgresOptions& options);

// `url` with its password (the one in user:password@, and any password= or
// sslpassword= parameter) replaced by "****", for logs and messages.
std::string RedactPostgresUrl(std::string_view url);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_POSTGRES_POSTGRES_DATABASE_H_
