#include "fuzz/fuzz_support.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/message_differencer.h"

namespace opsbrain::fuzz {

void FailInvariant(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "invariant failed at %s:%d: %s\n", file, line,
               what.c_str());
  std::fflush(stderr);
  std::abort();
}

std::vector<absl::string_view> SplitFields(absl::string_view text,
                                           size_t count) {
  std::vector<absl::string_view> fields;
  fields.reserve(count);
  while (fields.size() + 1 < count) {
    const size_t newline = text.find('\n');
    if (newline == absl::string_view::npos) {
      fields.push_back(text);
      text = absl::string_view();
      continue;
    }
    fields.push_back(text.substr(0, newline));
    text.remove_prefix(newline + 1);
  }
  if (count > 0) fields.push_back(text);
  return fields;
}

std::string PercentEncodeAll(absl::string_view text) {
  std::string encoded;
  for (char c : text) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      encoded.push_back(c);
    } else {
      absl::StrAppendFormat(&encoded, "%%%02X", byte);
    }
  }
  return encoded;
}

bool SameMessage(const google::protobuf::Message& a,
                 const google::protobuf::Message& b) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  return differencer.Compare(a, b);
}

std::unique_ptr<google::protobuf::Message> WireRoundTrip(
    const google::protobuf::Message& message) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) return nullptr;
  std::unique_ptr<google::protobuf::Message> parsed(message.New());
  if (!parsed->ParseFromString(bytes)) return nullptr;
  return parsed;
}

}  // namespace opsbrain::fuzz
