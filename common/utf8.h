// UTF-8 text: strict validation (RFC 3629) and safe forms of untrusted text
// for error messages. Protobuf string fields must hold valid UTF-8, and a
// message that echoes caller input must stay valid UTF-8 itself.
//
// NUL is well-formed UTF-8 here; a ban on it is the caller's rule.
//
// Thread-safe: free functions without state.
#ifndef OPSBRAIN_COMMON_UTF8_H_
#define OPSBRAIN_COMMON_UTF8_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace opsbrain {

// The length (1 to 4) of the well-formed UTF-8 sequence at the start of
// `text`, or 0 when `text` is empty or does not start with one. Well-formed
// means RFC 3629, section 4: shortest form only (no overlong encodings), no
// surrogate code points (U+D800..U+DFFF), nothing above U+10FFFF, no
// truncated sequence.
size_t Utf8SequenceLength(absl::string_view text);

// True when all of `text` is well-formed UTF-8 (see Utf8SequenceLength).
bool IsValidUtf8(absl::string_view text);

// `text` with each byte that is not part of a well-formed sequence replaced
// by '?'; everything else, control characters included, is kept.
std::string CoerceToUtf8(absl::string_view text);

// A printable excerpt of `text` for an error message: at most `max_bytes`
// bytes of the input, cut on a character boundary and followed by "..."
// when cut. Control characters, DEL and bytes that are not well-formed
// UTF-8 appear as \xNN (upper-case hex), so the result is always valid
// UTF-8 and one line.
std::string Excerpt(absl::string_view text, size_t max_bytes = 64);

}  // namespace opsbrain

#endif  // OPSBRAIN_COMMON_UTF8_H_
