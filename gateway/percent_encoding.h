// Percent-decoding of URL paths and query strings (RFC 3986).
//
// Thread-safe: free functions without state.
#ifndef OPSBRAIN_GATEWAY_PERCENT_ENCODING_H_
#define OPSBRAIN_GATEWAY_PERCENT_ENCODING_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace opsbrain::gateway {

enum class DecodeMode {
  // Every escape is decoded, "%2F" to '/' included: the value of a variable
  // that spans exactly one path segment.
  kSegment,
  // "%2F" and "%2f" stay encoded so that the value keeps its segments apart:
  // a variable that spans several segments, as google/api/http.proto says.
  kMultiSegment,
  // Like kSegment, and '+' reads as a space: application/x-www-form-urlencoded
  // query keys and values.
  kQuery,
};

// Returns `text` with its escapes decoded. A '%' not followed by two hex
// digits is INVALID_ARGUMENT. The result may hold any byte (NUL and invalid
// UTF-8 included); callers that need text check it themselves.
absl::StatusOr<std::string> PercentDecode(absl::string_view text,
                                          DecodeMode mode);

// True when every '%' in `text` starts a well-formed escape.
bool IsWellFormedPercentEncoding(absl::string_view text);

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_PERCENT_ENCODING_H_
