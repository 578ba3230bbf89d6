#include "gateway/percent_encoding.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace opsbrain::gateway {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool IsWellFormedPercentEncoding(absl::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') continue;
    if (i + 2 >= text.size()) return false;
    if (HexValue(text[i + 1]) < 0 || HexValue(text[i + 2]) < 0) return false;
    i += 2;
  }
  return true;
}

absl::StatusOr<std::string> PercentDecode(absl::string_view text,
                                          DecodeMode mode) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && mode == DecodeMode::kQuery) {
      out.push_back(' ');
      continue;
    }
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (i + 2 >= text.size() || HexValue(text[i + 1]) < 0 ||
        HexValue(text[i + 2]) < 0) {
      return absl::InvalidArgumentError(
          "malformed percent-encoding: '%' must be followed by two hex "
          "digits");
    }
    const char decoded =
        static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
    if (decoded == '/' && mode == DecodeMode::kMultiSegment) {
      // Keep the escape as it came so that the value's segments stay apart.
      out.append(text.data() + i, 3);
    } else {
      out.push_back(decoded);
    }
    i += 2;
  }
  return out;
}

}  // namespace opsbrain::gateway
