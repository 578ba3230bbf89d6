#include "common/utf8.h"

#include <cstddef>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace opsbrain {

size_t Utf8SequenceLength(absl::string_view text) {
  if (text.empty()) return 0;
  const auto byte = [&text](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;

  // The lead byte gives the length; the range allowed for the second byte
  // is what excludes overlong forms (E0, F0), surrogates (ED) and code
  // points past U+10FFFF (F4). C0, C1 and F5..FF never lead.
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

bool IsValidUtf8(absl::string_view text) {
  while (!text.empty()) {
    const size_t length = Utf8SequenceLength(text);
    if (length == 0) return false;
    text.remove_prefix(length);
  }
  return true;
}

std::string CoerceToUtf8(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const size_t length = Utf8SequenceLength(text);
    if (length == 0) {
      out.push_back('?');
      text.remove_prefix(1);
    } else {
      out.append(text.data(), length);
      text.remove_prefix(length);
    }
  }
  return out;
}

std::string Excerpt(absl::string_view text, size_t max_bytes) {
  std::string out;
  size_t used = 0;
  while (used < text.size()) {
    const absl::string_view rest = text.substr(used);
    const size_t length = Utf8SequenceLength(rest);
    const size_t consumed = length == 0 ? 1 : length;
    if (used + consumed > max_bytes) {
      out += "...";
      break;
    }
    const unsigned char lead = static_cast<unsigned char>(rest[0]);
    if (length == 0 || lead < 0x20 || lead == 0x7F) {
      absl::StrAppendFormat(&out, "\\x%02X", lead);
    } else {
      out.append(rest.data(), length);
    }
    used += consumed;
  }
  return out;
}

}  // namespace opsbrain
