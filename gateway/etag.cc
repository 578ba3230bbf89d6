#include "gateway/etag.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/field_values.h"
#include "gateway/router.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace opsbrain::gateway {

using ::google::protobuf::FieldDescriptor;

const FieldDescriptor* EtagField(const google::protobuf::Descriptor* type) {
  if (type == nullptr) return nullptr;
  const FieldDescriptor* field = type->FindFieldByName("etag");
  if (field == nullptr || field->is_repeated() ||
      field->type() != FieldDescriptor::TYPE_STRING) {
    return nullptr;
  }
  return field;
}

std::optional<FieldPath> IfMatchTarget(const Route& route) {
  if (route.body == BodyKind::kField) {
    const FieldDescriptor* field = EtagField(route.body_field->message_type());
    if (field != nullptr) return FieldPath{route.body_field, field};
  }
  const FieldDescriptor* field = EtagField(route.method->input_type());
  if (field != nullptr) return FieldPath{field};
  return std::nullopt;
}

absl::StatusOr<std::string> ParseIfMatch(absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') {
    return absl::InvalidArgumentError(
        "If-Match must hold one strong entity tag in double quotes, as the "
        "ETag header gives it");
  }
  const absl::string_view tag = value.substr(1, value.size() - 2);
  for (char c : tag) {
    // RFC 7232 etagc: 0x21, 0x23-0x7E (and obs-text, which no etag of the
    // store holds).
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x21 || u == '"' || u > 0x7E) {
      return absl::InvalidArgumentError(
          "If-Match must hold exactly one entity tag");
    }
  }
  if (tag.empty()) {
    return absl::InvalidArgumentError("If-Match holds an empty entity tag");
  }
  return std::string(tag);
}

std::string ETagHeaderValue(absl::string_view etag) {
  return absl::StrCat("\"", etag, "\"");
}

std::string EtagOf(const google::protobuf::Message& message) {
  const FieldDescriptor* field = EtagField(message.GetDescriptor());
  if (field == nullptr) return "";
  return message.GetReflection()->GetString(message, field);
}

}  // namespace opsbrain::gateway
