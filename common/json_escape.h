// The escapes that JSON (RFC 8259, section 7) requires inside a string:
// the quotation mark, the reverse solidus and the control characters below
// U+0020. Every JSON writer of the project starts from these and adds its
// own choices on top: the canonical row form (common/row_digest.cc) nothing,
// the store's JSON (storage_service/sql/json_codec.cc) protobuf's extra
// escapes, the logs (common/logging.cc) DEL and replacement of bytes that
// are not UTF-8.
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_COMMON_JSON_ESCAPE_H_
#define OPSBRAIN_COMMON_JSON_ESCAPE_H_

#include <cstdint>
#include <string>

namespace opsbrain {

// Appends the escape of the byte `c` when JSON requires one: the
// two-character form where JSON has one (\" \\ \b \f \n \r \t), else
// \u00xx. Returns false, appending nothing, for any other byte.
bool AppendRequiredJsonEscape(unsigned char c, std::string* out);

// Appends \uxxxx (lower-case hex) for one UTF-16 code unit.
void AppendJsonUnicodeEscape(uint16_t unit, std::string* out);

}  // namespace opsbrain

#endif  // OPSBRAIN_COMMON_JSON_ESCAPE_H_
