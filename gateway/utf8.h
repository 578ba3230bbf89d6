// UTF-8 validation for text that arrives outside JSON (path and query
// values, error messages). Protobuf string fields must hold valid UTF-8; the
// JSON parser checks bodies itself.
//
// Thread-safe: free functions without state.
#ifndef OPSBRAIN_GATEWAY_UTF8_H_
#define OPSBRAIN_GATEWAY_UTF8_H_

#include <string>

#include "absl/strings/string_view.h"

namespace opsbrain::gateway {

// True when `text` is well-formed UTF-8 (RFC 3629): no overlong forms, no
// surrogates, nothing above U+10FFFF, no truncated sequence.
bool IsValidUtf8(absl::string_view text);

// `text` with each byte that is not part of a well-formed sequence replaced
// by '?', for echoing untrusted text back in an error message.
std::string CoerceToUtf8(absl::string_view text);

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_UTF8_H_
