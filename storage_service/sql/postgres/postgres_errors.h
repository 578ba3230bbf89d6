// PostgreSQL's error codes (SQLSTATE) translated into canonical status codes,
// once, for the PostgreSQL driver. The table follows the contract of
// opsbrain::sql::Transaction::Execute.
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_POSTGRES_POSTGRES_ERRORS_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_POSTGRES_POSTGRES_ERRORS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace opsbrain::sql {

// The canonical code for a five-character SQLSTATE:
//   23505 unique violation                          -> ALREADY_EXISTS
//   other class 23 (integrity constraint)           -> FAILED_PRECONDITION
//   class 22 (data exception)                       -> INVALID_ARGUMENT
//   40001 serialization failure, 40P01 deadlock     -> ABORTED
//   class 08 (connection), 57P01/57P02/57P03
//     (shutdown, crash, cannot connect now),
//   53300 too many connections                      -> UNAVAILABLE
//   57014 query cancelled or statement timeout      -> DEADLINE_EXCEEDED
//   53100 disk full, 53200 out of memory            -> RESOURCE_EXHAUSTED
//   08P01 protocol violation (a wrong number of
//     parameters: a bug of ours, not an outage)     -> INTERNAL
//   class 42 (syntax, undefined table...) and
//     everything else                               -> INTERNAL
//   "" (no server answer: connection lost)          -> UNAVAILABLE
absl::StatusCode PostgresStatusCode(std::string_view sqlstate);

// A status with PostgresStatusCode(sqlstate) and the message
// "<what> (SQLSTATE <sqlstate>)", or just `what` when `sqlstate` is empty.
// `what` should name the failed step and carry SafePrimaryMessage(); it must
// never carry the server's DETAIL field, which quotes row values.
absl::Status PostgresStatus(std::string_view sqlstate, std::string_view what);

// The server's primary error message, made fit for a status message. Data
// exceptions (class 22) quote the rejected input, e.g.
//   invalid input syntax for type bigint: "abc"
// so for them everything from the first double quote to the last becomes
// "..." (values may contain unescaped quotes). Other classes quote only
// identifiers (tables, columns, constraints), which are kept.
std::string SafePrimaryMessage(std::string_view sqlstate,
                               std::string_view primary);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_POSTGRES_POSTGRES_ERRORS_H_
