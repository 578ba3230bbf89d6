#include "gateway/request_id.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace opsbrain::gateway {

bool IsSaneRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

std::string NewRequestId() {
  // absl::BitGen is not thread-safe; one per thread avoids a lock.
  thread_local absl::BitGen bitgen;
  const uint64_t high = absl::Uniform<uint64_t>(bitgen);
  const uint64_t low = absl::Uniform<uint64_t>(bitgen);
  return absl::StrFormat("%016x%016x", high, low);
}

std::string RequestIdFor(absl::string_view client_id) {
  return IsSaneRequestId(client_id) ? std::string(client_id) : NewRequestId();
}

bool IsValidTraceparent(absl::string_view value) {
  // version "-" trace-id "-" parent-id "-" flags: 2+1+32+1+16+1+2 bytes.
  constexpr size_t kLength = 55;
  if (value.size() != kLength || value[2] != '-' || value[35] != '-' ||
      value[52] != '-') {
    return false;
  }
  const auto lower_hex = [](absl::string_view part) {
    bool all_zero = true;
    for (char c : part) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) &&
          (c < 'a' || c > 'f')) {
        return std::make_pair(false, false);
      }
      if (c != '0') all_zero = false;
    }
    return std::make_pair(true, all_zero);
  };
  const auto version = lower_hex(value.substr(0, 2));
  const auto trace_id = lower_hex(value.substr(3, 32));
  const auto parent_id = lower_hex(value.substr(36, 16));
  const auto flags = lower_hex(value.substr(53, 2));
  return version.first && value.substr(0, 2) != "ff" && trace_id.first &&
         !trace_id.second && parent_id.first && !parent_id.second &&
         flags.first;
}

}  // namespace opsbrain::gateway
