#include "storage_service/sql/json_codec.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace opsbrain::sql {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;
using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageToJsonString;

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  // Serialising a well-formed Struct or ListValue cannot fail.
  (void)MessageToJsonString(message, &json);
  return json;
}

}  // namespace

std::string EncodeStringList(const std::vector<std::string>& items) {
  ListValue list;
  for (const std::string& item : items) {
    list.add_values()->set_string_value(item);
  }
  return ToJson(list);
}

absl::StatusOr<std::vector<std::string>> DecodeStringList(
    absl::string_view json) {
  std::vector<std::string> items;
  if (json.empty()) return items;
  ListValue list;
  if (!JsonStringToMessage(std::string(json), &list).ok()) {
    return absl::DataLossError("stored list is not a JSON array");
  }
  items.reserve(list.values_size());
  for (const Value& value : list.values()) {
    if (value.kind_case() != Value::kStringValue) {
      return absl::DataLossError("stored list holds a non-string item");
    }
    items.push_back(value.string_value());
  }
  return items;
}

absl::StatusOr<Struct> DecodeObject(absl::string_view json) {
  Struct object;
  if (!JsonStringToMessage(std::string(json), &object).ok()) {
    return absl::DataLossError("stored value is not a JSON object");
  }
  return object;
}

std::string EncodeObject(const Struct& object) { return ToJson(object); }

absl::StatusOr<std::string> NormalizeObject(absl::string_view json) {
  absl::StatusOr<Struct> object = DecodeObject(json);
  if (!object.ok()) return object.status();
  return EncodeObject(*object);
}

}  // namespace opsbrain::sql
