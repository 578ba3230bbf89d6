// A strict check of JSON text against the RFC 8259 grammar.
//
// protobuf's JSON parser (the project's JSON library) is lenient: it takes
// single-quoted strings, unquoted keys, trailing commas, "1." and unknown
// escapes. Values stored as JSON are read back by other programs with strict
// parsers, so the service checks the grammar itself before protobuf reads
// the value. Only the syntax is checked here; number range, duplicate keys
// and NUL characters are left to setting_values.h.
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_STRICT_JSON_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_STRICT_JSON_H_

#include "absl/strings/string_view.h"

namespace opsbrain::service {

// Deepest nesting of arrays and objects accepted, as protobuf's parser.
inline constexpr int kMaxJsonDepth = 100;

// True when `text` is exactly one JSON value, optionally surrounded by
// whitespace (space, tab, LF, CR), per RFC 8259: literals true, false and
// null in lower case; numbers without '+', leading zeros, or a bare '.';
// double-quoted strings without raw control characters, with only the
// escapes \" \\ \/ \b \f \n \r \t \uXXXX, where a \u surrogate must be a
// high surrogate followed by a low one. String bytes must be well-formed
// UTF-8 (text.h). Nesting deeper than kMaxJsonDepth is rejected.
bool IsStrictJson(absl::string_view text);

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_STRICT_JSON_H_
