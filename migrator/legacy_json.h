// Strict decoding of the JSON text the legacy app stored.
//
// The legacy app wrote its JSON columns with Python's json.dumps, which
// escapes every non-ASCII character (ensure_ascii): an emoji arrives as an
// escaped surrogate pair such as \ud83c\udfaf, which must decode to the one
// character it encodes. json.dumps also writes NaN, Infinity and -Infinity
// for such floats, which are not JSON; the store cannot hold them, so they
// are reported, never replaced.
//
// The grammar is RFC 8259's, with these rules on top, each a rejection with
// a reason that says what was found and at which byte:
//   - NaN, Infinity, -Infinity: "NaN is not JSON";
//   - a \u escape of a lone surrogate (a high one not followed by a low one,
//     or a low one on its own);
//   - NUL in a string or key, escaped (\u0000) or raw: the store refuses it;
//   - raw bytes that are not well-formed UTF-8;
//   - a number whose magnitude overflows a double;
//   - an object with the same key twice (json.dumps never writes one; a
//     reader would silently keep one of the two);
//   - nesting deeper than kMaxJsonDepth.
// Numbers become doubles (the store's JSON numbers are doubles); -0 becomes
// 0, which is what the store reads back.
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_MIGRATOR_LEGACY_JSON_H_
#define OPSBRAIN_MIGRATOR_LEGACY_JSON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace opsbrain::migrator {

inline constexpr int kMaxJsonDepth = 100;

// One JSON value, optionally surrounded by JSON whitespace. Errors are
// INVALID_ARGUMENT with the reason as message ("NaN is not JSON at byte 9").
absl::StatusOr<google::protobuf::Value> DecodeJson(absl::string_view text);

// DecodeJson, and the value must be an object.
absl::StatusOr<google::protobuf::Struct> DecodeJsonObject(
    absl::string_view text);

// DecodeJson, and the value must be an array of strings.
absl::StatusOr<std::vector<std::string>> DecodeJsonStringArray(
    absl::string_view text);

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_LEGACY_JSON_H_
