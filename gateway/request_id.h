// Request ids: the X-Request-Id a response carries and the x-request-id
// metadata the storage service receives.
//
// Thread-safe.
#ifndef OPSBRAIN_GATEWAY_REQUEST_ID_H_
#define OPSBRAIN_GATEWAY_REQUEST_ID_H_

#include <string>

#include "absl/strings/string_view.h"

namespace opsbrain::gateway {

inline constexpr size_t kMaxRequestIdLength = 128;

// True for 1 to 128 characters of [A-Za-z0-9._-]: safe to log, to echo in
// a header and to pass on as metadata.
bool IsSaneRequestId(absl::string_view id);

// A new random id: 32 lowercase hex digits (128 bits).
std::string NewRequestId();

// `client_id` when it is sane, else a new id.
std::string RequestIdFor(absl::string_view client_id);

// True for a W3C Trace Context traceparent the gateway passes on:
// "VV-TTTT...(32)-PPPP...(16)-FF" in lowercase hex, version not ff, trace
// and parent ids not all zeros.
bool IsValidTraceparent(absl::string_view value);

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_REQUEST_ID_H_
