// Byte-level text checks for legacy values.
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_MIGRATOR_UTF8_H_
#define OPSBRAIN_MIGRATOR_UTF8_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace opsbrain::migrator {

// True when `text` is well-formed UTF-8 (RFC 3629): shortest forms only, no
// surrogate code points, nothing above U+10FFFF. NUL counts as well-formed.
bool IsValidUtf8(absl::string_view text);

// Appends the UTF-8 encoding of `code_point`, which must be at most
// U+10FFFF and not a surrogate.
void AppendUtf8(uint32_t code_point, std::string* out);

// `text` for a message or report: at most `max_bytes` bytes, cut on a
// character boundary and followed by "..." when cut; quotes, backslashes,
// control characters and bytes that are not UTF-8 escaped (\", \\, \n,
// \xNN), so that the result is one printable line.
std::string Printable(absl::string_view text, size_t max_bytes = 64);

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_UTF8_H_
