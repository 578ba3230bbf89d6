// Fuzz target: strict JSON decoding (common/json.h), which reads the JSON
// text the store keeps as text: typed JSON settings over the API and the
// legacy file's JSON columns.
//
// Input: the JSON text. Invariants checked:
//   - errors are INVALID_ARGUMENT "<reason> at byte N" with N inside the
//     text, the message valid UTF-8;
//   - accepted text is valid UTF-8 without NUL or byte order mark, and its
//     value nests at most kMaxJsonDepth deep;
//   - the value prints as JSON (protobuf's printer, up to its depth of 32)
//     and that text decodes to an equal value;
//   - DecodeJsonObject and DecodeJsonStringArray accept exactly the objects
//     and the arrays of strings that DecodeJson accepts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/json.h"
#include "common/utf8.h"
#include "fuzz/fuzz_support.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace opsbrain {
namespace {

using ::google::protobuf::Value;

constexpr size_t kMaxInputBytes = 65536;
constexpr int kMaxPrintedDepth = 32;

void CheckError(const absl::Status& status, absl::string_view text) {
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
             status.ToString());
  const absl::string_view message = status.message();
  FUZZ_CHECK(IsValidUtf8(message), "a message that is not UTF-8");
  const size_t at = message.rfind(" at byte ");
  size_t offset = 0;
  FUZZ_CHECK(at != absl::string_view::npos &&
                 absl::SimpleAtoi(message.substr(at + 9), &offset),
             std::string(message));
  FUZZ_CHECK(offset <= text.size(),
             absl::StrCat(message, " for ", text.size(), " bytes"));
}

bool IsStringArray(const Value& value) {
  if (!value.has_list_value()) return false;
  for (const Value& item : value.list_value().values()) {
    if (item.kind_case() != Value::kStringValue) return false;
  }
  return true;
}

}  // namespace
}  // namespace opsbrain

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opsbrain;  // NOLINT: the target's own namespace.
  if (size > kMaxInputBytes) return -1;
  const absl::string_view text = opsbrain::fuzz::AsText(data, size);

  const absl::StatusOr<Value> value = DecodeJson(text);
  const absl::StatusOr<google::protobuf::Struct> object =
      DecodeJsonObject(text);
  const absl::StatusOr<std::vector<std::string>> strings =
      DecodeJsonStringArray(text);
  if (!value.ok()) {
    CheckError(value.status(), text);
    FUZZ_CHECK(!object.ok() && !strings.ok(), "decoders disagree");
    FUZZ_CHECK(object.status() == value.status(), "decoders disagree");
    return 0;
  }

  FUZZ_CHECK(IsValidUtf8(text), "accepted text that is not UTF-8");
  FUZZ_CHECK(!absl::StrContains(text, '\0'), "accepted a NUL");
  FUZZ_CHECK(!absl::StartsWith(text, "\xEF\xBB\xBF"), "accepted a BOM");
  FUZZ_CHECK(JsonNesting(*value) <= kMaxJsonDepth, "nested too deep");

  FUZZ_CHECK(object.ok() == value->has_struct_value(), "object disagrees");
  if (object.ok()) {
    FUZZ_CHECK(opsbrain::fuzz::SameMessage(*object, value->struct_value()),
               "object differs");
  }
  FUZZ_CHECK(strings.ok() == IsStringArray(*value), "string array disagrees");
  if (strings.ok()) {
    FUZZ_CHECK(strings->size() ==
                   static_cast<size_t>(value->list_value().values_size()),
               "string array differs");
    for (size_t i = 0; i < strings->size(); ++i) {
      FUZZ_CHECK(
          (*strings)[i] ==
              value->list_value().values(static_cast<int>(i)).string_value(),
          "string array differs");
    }
  } else {
    FUZZ_CHECK(strings.status().code() == absl::StatusCode::kInvalidArgument,
               strings.status().ToString());
  }

  // What the store prints, it reads back. protobuf's printer stops at 32
  // levels of Struct or ListValue (common/json.h), so only values within
  // that are printed.
  if (JsonNesting(*value) > kMaxPrintedDepth) return 0;
  std::string printed;
  const auto status =
      google::protobuf::util::MessageToJsonString(*value, &printed);
  FUZZ_CHECK(status.ok(), status.ToString());
  const absl::StatusOr<Value> reread = DecodeJson(printed);
  FUZZ_CHECK(reread.ok(),
             absl::StrCat(reread.status().ToString(), " in ", printed));
  FUZZ_CHECK(opsbrain::fuzz::SameMessage(*reread, *value),
             absl::StrCat(printed, " reads back differently"));
  return 0;
}
