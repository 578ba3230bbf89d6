// A RecordSource (record_source.h) over the gateway's public HTTP/JSON
// surface, so that the end-to-end checks of an import (legacy_checks.h) run
// unchanged through the real gateway binary: the GET routes of the
// google.api.http annotations of opsbrain.v1.Repository, called with a
// bearer token, their JSON bodies parsed into the same v1 messages by
// protobuf's JsonStringToMessage (an unknown member is an error).
#ifndef OPSBRAIN_TESTS_MIGRATOR_HTTP_RECORD_SOURCE_H_
#define OPSBRAIN_TESTS_MIGRATOR_HTTP_RECORD_SOURCE_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "tests/migrator/record_source.h"

namespace opsbrain::testing {

// Bearer tokens by the scopes the RecordSource interface names ("read",
// "read,secrets"): each the token of a caller with exactly those scopes.
using TokensByScopes = std::map<std::string, std::string>;

// Over the gateway listening on 127.0.0.1:`port`, on one kept-alive
// connection; not thread-safe. Every request is bounded by a 10 s timeout.
// Lists are read 100 records a page, following nextPageToken. A call that
// needs scopes missing from `tokens` is FAILED_PRECONDITION and sends
// nothing. An answer other than 200 becomes a status with the code
// CodeFromHttpStatus gives and the message of the google.rpc.Status body
// (the whole body when it is not one); a broken exchange is UNAVAILABLE or
// DEADLINE_EXCEEDED; a 200 body that is not the route's message INTERNAL.
std::unique_ptr<RecordSource> NewHttpRecordSource(int port,
                                                  TokensByScopes tokens);

// The canonical code of a gateway answer's HTTP status, inverting the
// gateway's table (gateway/status_mapping.h): 2xx OK, 400 INVALID_ARGUMENT
// (the gateway also answers FAILED_PRECONDITION so), 401 UNAUTHENTICATED,
// 403 PERMISSION_DENIED, 404 NOT_FOUND, 409 ABORTED (or ALREADY_EXISTS),
// 429 RESOURCE_EXHAUSTED, 499 CANCELLED, 500 INTERNAL, 501 UNIMPLEMENTED,
// 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED; any other status UNKNOWN.
absl::StatusCode CodeFromHttpStatus(int http_status);

}  // namespace opsbrain::testing

#endif  // OPSBRAIN_TESTS_MIGRATOR_HTTP_RECORD_SOURCE_H_
