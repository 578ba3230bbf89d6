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
  // query parameters (sslmode, connect_timeout, options, keepalives...)
  // work and win over the defaults below. A password in it never appears
  // in a status message or log line.
  std::string url;
  // Most connections open at once. Connections open on demand; a
  // transaction waits while all of them are busy.
  int pool_size = 8;
  // How long a transaction waits for a free connection before it fails
  // with UNAVAILABLE.
  absl::Duration pool_wait_timeout = absl::Seconds(10);
  // An idle connection unused for this long is closed; zero keeps it.
  absl::Duration max_idle_time = absl::Minutes(5);
  // A connection open for this long is closed when it is next idle (so
  // that sessions move to a failed-over or rebalanced server); zero keeps
  // it.
  absl::Duration max_lifetime = absl::Minutes(30);
  // Per connection attempt, unless the URL or PGCONNECT_TIMEOUT names one
  // (libpq counts whole seconds, at least 2).
  absl::Duration connect_timeout = absl::Seconds(5);
  // The statement_timeout of every session: a statement running longer is
  // cancelled and fails with DEADLINE_EXCEEDED. Zero leaves the server's
  // setting (or the URL's `options`). Scripts (schema migrations) run
  // without it.
  absl::Duration statement_timeout = absl::Seconds(30);
  // After a failed connection attempt no new connection is tried for this
  // long; it doubles with each further failure up to the maximum (with
  // +-20% jitter, so that replicas do not retry in step).
  absl::Duration reconnect_backoff_initial = absl::Milliseconds(100);
  absl::Duration reconnect_backoff_max = absl::Seconds(2);
  // Shown in pg_stat_activity. Overrides an application_name in `url`.
  std::string application_name = "opsbrain-storage";
};

// Opens the pool and one connection, so that an unreachable server or bad
// credentials fail here rather than at the first request.
//
// Errors: INVALID_ARGUMENT for a URL that is not a postgres:// or
// postgresql:// URL libpq can parse, or a pool_size below 1;
// FAILED_PRECONDITION when the connection requires TLS and the server does
// not offer it; UNAVAILABLE when the first connection fails otherwise
// (server down, refused, authentication), with libpq's reason and the
// redacted URL in the message.
//
// TLS: when neither the URL nor PGSSLMODE names an sslmode and some host
// is neither loopback nor a unix socket, the driver asks for
// sslmode=require (see DefaultSslMode).
//
// Transactions run at READ COMMITTED (kReadOnly also READ ONLY). A
// connection found broken is closed and replaced by a new one on demand; a
// transaction whose connection breaks fails with UNAVAILABLE (when that
// happens during COMMIT, whether it committed is unknown). A connection
// that died while idle in the pool is detected at BEGIN and replaced before
// the body runs.
//
// Outages: when a new connection cannot be opened, the pool stops trying
// for a backoff window (reconnect_backoff_*). Meanwhile a transaction that
// needs a new connection fails at once with UNAVAILABLE naming the last
// failure; connections still open keep serving. After the window one
// caller tries again (the others still fail at once); its success ends the
// outage. The first failure is logged at WARNING, the recovery at INFO.
//
// Unlike SQLite, PostgreSQL refuses every statement of a transaction after
// one has failed. A body that ignores a failed Execute and returns OK gets
// INTERNAL from RunInTransaction, and nothing is committed.
//
// The returned Database is thread-safe. A transaction body that starts
// another transaction on the same Database holds one connection while
// waiting for a second: with pool_size concurrent such bodies they wait
// until pool_wait_timeout.
absl::StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(
    const PostgresOptions& options);

// The sslmode the driver adds to `url`: "require" when neither the URL nor
// the PGSSLMODE environment variable names one and some host of the URL is
// neither loopback (localhost, 127.0.0.0/8, ::1) nor a unix socket
// directory; else "" (libpq's own choice stands). The managed databases
// this service targets refuse plaintext, and a URL copied from their
// consoles often says nothing about TLS.
std::string DefaultSslMode(std::string_view url);

// `url` with its password (the one in user:password@, and any password= or
// sslpassword= parameter) replaced by "****", for logs and messages.
std::string RedactPostgresUrl(std::string_view url);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_POSTGRES_POSTGRES_DATABASE_H_
