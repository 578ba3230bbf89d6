#include "storage_service/sql/etag.h"

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"

namespace opsbrain::sql {

std::string NewEtag() {
  thread_local absl::BitGen bit_gen;
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(bit_gen));
}

}  // namespace opsbrain::sql
