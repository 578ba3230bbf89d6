#include "storage_service/service/text.h"

#include <cstddef>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace opsbrain::service {
namespace {

// The length of the well-formed UTF-8 sequence at the start of `text`, or 0
// when it does not start with one. Ranges follow RFC 3629, section 4.
size_t SequenceLength(absl::string_view text) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const auto in = [&](size_t i, unsigned char low, unsigned char high) {
    return i < text.size() && byte(i) >= low && byte(i) <= high;
  };

  const unsigned char lead = byte(0);
  if (lead <= 0x7F) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    // E0 excludes overlongs; ED excludes the surrogates D800..DFFF.
    const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
    const unsigned char high = lead == 0xED ? 0x9F : 0xBF;
    return in(1, low, high) && in(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    // F0 excludes overlongs; F4 excludes everything above U+10FFFF.
    const unsigned char low = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;
    return in(1, low, high) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  while (!text.empty()) {
    const size_t length = SequenceLength(text);
    if (length == 0) return false;
    text.remove_prefix(length);
  }
  return true;
}

std::string Excerpt(absl::string_view text, size_t max_bytes) {
  std::string out;
  size_t used = 0;
  while (used < text.size()) {
    const absl::string_view rest = text.substr(used);
    const size_t length = SequenceLength(rest);
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

}  // namespace opsbrain::service
