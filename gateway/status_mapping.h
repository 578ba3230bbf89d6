// The one table from gRPC status codes to HTTP statuses, and the one JSON
// error body every error response carries.
//
// The body is google.rpc.Status in the proto3 JSON mapping:
//   {"code": 5, "message": "configuration not found", "details": []}
// `code` is the numeric gRPC code; the gateway's own errors (a malformed
// request, an unknown route) use the code closest to their meaning.
//
// Thread-safe: free functions without state.
#ifndef OPSBRAIN_GATEWAY_STATUS_MAPPING_H_
#define OPSBRAIN_GATEWAY_STATUS_MAPPING_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/rpc/status.pb.h"

namespace opsbrain::gateway {

// The HTTP status that answers a gRPC status `code`:
//   OK 200, INVALID_ARGUMENT 400, FAILED_PRECONDITION 400,
//   UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404,
//   ALREADY_EXISTS 409, ABORTED 409, RESOURCE_EXHAUSTED 429, CANCELLED 499,
//   UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504; any other
//   code (UNKNOWN, OUT_OF_RANGE, INTERNAL, DATA_LOSS, ...) 500, as issue 3
//   specifies.
int HttpStatusFromCode(absl::StatusCode code);

// The error body for `status`. Its message is made valid UTF-8. Details
// whose Any type this binary does not link cannot be printed; the body then
// goes out without details rather than not at all.
std::string ErrorBody(google::rpc::Status status);

// The error body for a code and a message, without details.
std::string ErrorBody(absl::StatusCode code, absl::string_view message);

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_STATUS_MAPPING_H_
