// Helpers shared by the fuzz targets of this directory.
//
// A target checks invariants, not only "does not crash": FUZZ_CHECK aborts
// with a message when one fails, which libFuzzer reports as a crash (and
// saves the input), and which fails the replay tests of the normal build.
//
// Inputs are text where they can be, so that seeds stay readable: fields
// separated by '\n', the last field taking the rest (newlines included).
#ifndef OPSBRAIN_FUZZ_FUZZ_SUPPORT_H_
#define OPSBRAIN_FUZZ_FUZZ_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace opsbrain::fuzz {

// Prints "invariant failed at FILE:LINE: WHAT" to stderr and aborts.
[[noreturn]] void FailInvariant(const char* file, int line,
                                const std::string& what);

#define FUZZ_CHECK(condition, what)                            \
  do {                                                         \
    if (!(condition)) {                                        \
      ::opsbrain::fuzz::FailInvariant(                         \
          __FILE__, __LINE__,                                  \
          std::string(#condition) + ": " + std::string(what)); \
    }                                                          \
  } while (false)

// The input as text.
inline absl::string_view AsText(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// Splits `text` into exactly `count` fields: the first count-1 end at a
// '\n' (which is dropped), the last takes the rest. Missing fields are
// empty.
std::vector<absl::string_view> SplitFields(absl::string_view text,
                                           size_t count);

// Every byte as %XX except RFC 3986's unreserved characters: the most
// cautious spelling of `text` in a path segment or a query.
std::string PercentEncodeAll(absl::string_view text);

// True when `a` and `b` hold the same fields and values, NaN equal to NaN
// (a double field may hold NaN, and NaN != NaN would read as a difference).
bool SameMessage(const google::protobuf::Message& a,
                 const google::protobuf::Message& b);

// The message serialized and parsed back into a new message of its type;
// nullptr when either step fails (a string field that is not UTF-8).
std::unique_ptr<google::protobuf::Message> WireRoundTrip(
    const google::protobuf::Message& message);

}  // namespace opsbrain::fuzz

#endif  // OPSBRAIN_FUZZ_FUZZ_SUPPORT_H_
