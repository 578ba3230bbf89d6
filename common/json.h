// Strict decoding of JSON text into google::protobuf::Value, on
// nlohmann/json's SAX parser (Debian's nlohmann-json3-dev).
//
// protobuf's own JSON parser is lenient (single-quoted strings, bare keys,
// trailing commas, "1.", unknown escapes), and JSON the store keeps is read
// back by other programs with strict parsers, so JSON text the store takes
// as text (typed JSON settings, the legacy file's JSON columns) is decoded
// here. The grammar is RFC 8259's, with these rules on top, each a
// rejection whose reason says what was found and at which byte (a 0-based
// offset into the text):
//   - NaN, Infinity, -Infinity (Python's json.dumps writes them for such
//     floats): "NaN is not JSON at byte 9";
//   - a \u escape of a lone surrogate (a high one not followed by a low
//     one, or a low one on its own): "lone high surrogate \ud83c at byte 2";
//     a pair such as \ud83c\udfaf decodes to the one character it encodes;
//   - NUL in a string or key, escaped (\u0000) or raw: the store refuses it;
//   - raw bytes that are not well-formed UTF-8 (RFC 3629, as in
//     common/utf8.h);
//   - a number whose magnitude overflows a double;
//   - an object with the same key twice (a reader would silently keep one
//     of the two);
//   - nesting of arrays and objects deeper than kMaxJsonDepth;
//   - a byte order mark, comments, or anything after the value.
// Other syntax errors carry the parser's own reason ("unexpected ']';
// expected '[', '{', or a literal at byte 3"). Reasons quote no input
// but a duplicate key or a lone surrogate's escape, so they are safe to log
// and report even when the text holds a secret.
//
// Numbers become doubles (the store's JSON numbers are doubles); -0 becomes
// 0, which is what the store reads back.
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_COMMON_JSON_H_
#define OPSBRAIN_COMMON_JSON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace opsbrain {

// Deepest nesting of arrays and objects accepted (protobuf's binary parser
// takes 100 nested messages). protobuf's JSON printer and parser stop
// sooner, at 32 levels of Struct or ListValue (31 under a response
// message), so code that puts a decoded value in a message that gets
// printed limits the depth itself to kMaxPrintableJsonNesting, by
// JsonNesting (gateway/transcoder.cc, migrator/legacy_conversions.cc).
inline constexpr int kMaxJsonDepth = 100;
inline constexpr int kMaxPrintableJsonNesting = 30;

// One JSON value, optionally surrounded by JSON whitespace (space, tab, LF,
// CR). Errors are INVALID_ARGUMENT with the reason as message.
absl::StatusOr<google::protobuf::Value> DecodeJson(absl::string_view text);

// Levels of objects and arrays in `value`: 0 for a scalar, 1 for {} or [].
int JsonNesting(const google::protobuf::Value& value);
int JsonNesting(const google::protobuf::Struct& object);

// DecodeJson, and the value must be an object; otherwise INVALID_ARGUMENT
// "expected a JSON object, found an array".
absl::StatusOr<google::protobuf::Struct> DecodeJsonObject(
    absl::string_view text);

// DecodeJson, and the value must be an array of strings; otherwise
// INVALID_ARGUMENT "expected a JSON array, found an object" or "item 1:
// expected a string, found a number".
absl::StatusOr<std::vector<std::string>> DecodeJsonStringArray(
    absl::string_view text);

}  // namespace opsbrain

#endif  // OPSBRAIN_COMMON_JSON_H_
