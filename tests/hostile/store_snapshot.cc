#include "tests/hostile/store_snapshot.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"

namespace opsbrain::hostile {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

// Bounds a store that pages forever (a broken page token).
constexpr int kMaxPages = 1000;

std::string Quote(const std::string& text) {
  Value value;
  value.set_string_value(text);
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(value, &json);
  return json;
}

}  // namespace

std::string CanonicalJson(const Value& value) {
  switch (value.kind_case()) {
    case Value::kStructValue: {
      std::vector<std::string> keys;
      for (const auto& [key, unused] : value.struct_value().fields()) {
        keys.push_back(key);
      }
      std::sort(keys.begin(), keys.end());
      std::vector<std::string> parts;
      for (const std::string& key : keys) {
        parts.push_back(
            absl::StrCat(Quote(key), ":",
                         CanonicalJson(value.struct_value().fields().at(key))));
      }
      return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
    }
    case Value::kListValue: {
      std::vector<std::string> parts;
      for (const Value& item : value.list_value().values()) {
        parts.push_back(CanonicalJson(item));
      }
      return absl::StrCat("[", absl::StrJoin(parts, ","), "]");
    }
    case Value::kStringValue:
      return Quote(value.string_value());
    case Value::kNumberValue:
      return absl::StrCat(value.number_value());
    case Value::kBoolValue:
      return value.bool_value() ? "true" : "false";
    default:
      return "null";
  }
}

absl::StatusOr<Struct> ParseObject(absl::string_view json) {
  Struct object;
  const auto status =
      google::protobuf::util::JsonStringToMessage(std::string(json), &object);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object: ", json.substr(0, 200)));
  }
  return object;
}

absl::StatusOr<Snapshot> TakeSnapshot(
    const std::vector<std::string>& list_targets, const HttpGet& get,
    const std::function<bool(const Struct&)>& exclude) {
  Snapshot snapshot;
  for (const std::string& target : list_targets) {
    std::vector<std::string>& records = snapshot[target];
    std::string page_token;
    for (int page = 0;; ++page) {
      if (page == kMaxPages) {
        return absl::InternalError(absl::StrCat(target, ": endless pages"));
      }
      const std::string url = absl::StrCat(
          target, absl::StrContains(target, "?") ? "&" : "?", "pageSize=1000",
          page_token.empty() ? "" : "&pageToken=", page_token);
      OPSBRAIN_ASSIGN_OR_RETURN(const std::string body, get(url));
      OPSBRAIN_ASSIGN_OR_RETURN(const Struct response, ParseObject(body));
      page_token.clear();
      for (const auto& [name, value] : response.fields()) {
        if (name == "nextPageToken") {
          page_token = value.string_value();
        } else if (value.has_list_value()) {
          for (const Value& record : value.list_value().values()) {
            if (exclude(record.struct_value())) continue;
            records.push_back(CanonicalJson(record));
          }
        }
      }
      if (page_token.empty()) break;
      // Page tokens are URL-safe base64 or similar; encode what is not.
      std::string encoded;
      for (const char c : page_token) {
        if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
            c == '_' || c == '.' || c == '~') {
          encoded.push_back(c);
        } else {
          absl::StrAppend(
              &encoded, "%",
              absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
        }
      }
      page_token = encoded;
    }
  }
  return snapshot;
}

}  // namespace opsbrain::hostile
