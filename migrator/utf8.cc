#include "migrator/utf8.h"

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace opsbrain::migrator {
namespace {

// The length of the well-formed UTF-8 sequence at text[i], or 0.
size_t SequenceLength(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) -> uint8_t {
    return static_cast<uint8_t>(text[k]);
  };
  const uint8_t lead = byte(i);
  if (lead < 0x80) return 1;

  size_t length;
  uint8_t low = 0x80, high = 0xBF;  // Range of the second byte.
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // No overlong forms.
    if (lead == 0xED) high = 0x9F;  // No surrogates.
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // No overlong forms.
    if (lead == 0xF4) high = 0x8F;  // Nothing above U+10FFFF.
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = SequenceLength(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

std::string Printable(absl::string_view text, size_t max_bytes) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t length = SequenceLength(text, i);
    if (i + (length == 0 ? 1 : length) > max_bytes) break;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (length == 0) {
      absl::StrAppendFormat(&out, "\\x%02x", c);
      i += 1;
      continue;
    }
    if (length == 1) {
      if (c == '"' || c == '\\') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c < 0x20 || c == 0x7F) {
        absl::StrAppendFormat(&out, "\\x%02x", c);
      } else {
        out.push_back(static_cast<char>(c));
      }
    } else {
      out.append(text.data() + i, length);
    }
    i += length;
  }
  if (i < text.size()) out.append("...");
  return out;
}

}  // namespace opsbrain::migrator
