#include "gateway/request_id.h"

#include <cstdint>
#include <string>

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

}  // namespace opsbrain::gateway
