// Byte-level text rules: strict UTF-8, and safe excerpts of caller input
// for error messages.
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_TEXT_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace opsbrain::service {

// True when `text` is well-formed UTF-8 as RFC 3629 defines it: shortest
// forms only (no overlong encodings), no surrogate code points
// (U+D800..U+DFFF), nothing above U+10FFFF. NUL is well-formed here; the
// API's ban on it is validation.h's.
bool IsValidUtf8(absl::string_view text);

// A printable excerpt of `text` for an error message: at most `max_bytes`
// bytes of the input, cut on a character boundary and followed by "..."
// when cut. Control characters, DEL and bytes that are not well-formed
// UTF-8 appear as \xNN, so the result is always valid UTF-8 and one line.
std::string Excerpt(absl::string_view text, size_t max_bytes = 64);

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_TEXT_H_
