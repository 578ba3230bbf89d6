#include "common/json_escape.h"

#include <cstdint>
#include <string>

namespace opsbrain {

bool AppendRequiredJsonEscape(unsigned char c, std::string* out) {
  switch (c) {
    case '"':
      out->append("\\\"");
      return true;
    case '\\':
      out->append("\\\\");
      return true;
    case '\b':
      out->append("\\b");
      return true;
    case '\f':
      out->append("\\f");
      return true;
    case '\n':
      out->append("\\n");
      return true;
    case '\r':
      out->append("\\r");
      return true;
    case '\t':
      out->append("\\t");
      return true;
    default:
      if (c >= 0x20) return false;
      AppendJsonUnicodeEscape(c, out);
      return true;
  }
}

void AppendJsonUnicodeEscape(uint16_t unit, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char escape[] = {'\\',
                         'u',
                         kHex[(unit >> 12) & 0xf],
                         kHex[(unit >> 8) & 0xf],
                         kHex[(unit >> 4) & 0xf],
                         kHex[unit & 0xf]};
  out->append(escape, sizeof(escape));
}

}  // namespace opsbrain
