#include "gateway/transcoder.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/json.h"
#include "common/utf8.h"
#include "gateway/field_values.h"
#include "gateway/query_params.h"
#include "gateway/router.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace opsbrain::gateway {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;

// json_util's messages may quote the input; keep them short and printable.
constexpr size_t kMaxParserMessageBytes = 200;

std::unique_ptr<Message> NewMessage(const Descriptor* type) {
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  if (prototype == nullptr) return nullptr;
  return std::unique_ptr<Message>(prototype->New());
}

// json_util reports "(field.path): what" on its first line and may add
// lines that quote the input; only the first line is kept.
std::string ParserMessage(absl::string_view message) {
  message = message.substr(0, message.find('\n'));
  std::string shown = CoerceToUtf8(message.substr(0, kMaxParserMessageBytes));
  if (message.size() > kMaxParserMessageBytes) shown += "...";
  return shown;
}

// What protobuf's parser lets through but a request must not say:
// - a field named twice in one object, e.g. as "isSensitive" and as
//   "is_sensitive": the parser keeps one of the two without a word, so the
//   request would not surely mean what its sender meant;
// - a bool written as a string: the parser reads "no", "0" or "yes" as a
//   bool, where the proto3 JSON mapping has only true and false.
absl::Status CheckStrictFields(const google::protobuf::Struct& object,
                               const Descriptor* type, const std::string& path,
                               const std::string& where) {
  absl::flat_hash_set<const FieldDescriptor*> seen;
  for (const auto& [key, value] : object.fields()) {
    const FieldDescriptor* field = nullptr;
    for (int i = 0; i < type->field_count() && field == nullptr; ++i) {
      const FieldDescriptor* candidate = type->field(i);
      if (candidate->json_name() == key || candidate->name() == key) {
        field = candidate;
      }
    }
    if (field == nullptr) continue;  // Unknown: the parser's options decide.
    const std::string field_path = absl::StrCat(path, field->json_name());
    if (!seen.insert(field).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid JSON in ", where, ": field ", field_path, " given twice"));
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_BOOL &&
        !field->is_repeated() && value.has_string_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid JSON in ", where, ": field ", field_path,
                       " must be true or false, not a string"));
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        field->is_map() ||
        absl::StartsWith(field->message_type()->full_name(),
                         "google.protobuf.")) {
      continue;
    }
    const std::string inner = absl::StrCat(field_path, ".");
    if (value.has_struct_value()) {
      const absl::Status status = CheckStrictFields(
          value.struct_value(), field->message_type(), inner, where);
      if (!status.ok()) return status;
    } else if (value.has_list_value()) {
      for (const auto& item : value.list_value().values()) {
        if (!item.has_struct_value()) continue;
        const absl::Status status = CheckStrictFields(
            item.struct_value(), field->message_type(), inner, where);
        if (!status.ok()) return status;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ParseBody(const Route& route, absl::string_view body,
                       const TranscodeOptions& transcode, Message* request) {
  if (route.body == BodyKind::kNone) {
    if (body.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        route.http_method, " ", route.path.text(), " takes no body"));
  }
  if (body.empty()) return absl::OkStatus();

  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = transcode.ignore_unknown_fields;
  Message* target = request;
  std::string where = "request body";
  if (route.body == BodyKind::kField) {
    target =
        request->GetReflection()->MutableMessage(request, route.body_field);
    where =
        absl::StrCat("request body (field '", route.body_field->name(), "')");
  }
  // protobuf's parser is lenient (a key given twice, raw control
  // characters, single quotes...); the strict decoder refuses those first.
  // Its reasons quote no input but a duplicate key.
  const absl::StatusOr<google::protobuf::Value> strict = DecodeJson(body);
  if (!strict.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid JSON in ", where, ": ", strict.status().message()));
  }
  // Protobuf's parser fails deeper inside a Struct with a message that
  // says nothing of nesting.
  if (JsonNesting(*strict) > kMaxPrintableJsonNesting) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON in ", where, ": nesting deeper than ",
                     kMaxPrintableJsonNesting, " levels"));
  }
  if (strict->has_struct_value()) {
    const absl::Status checked = CheckStrictFields(
        strict->struct_value(), target->GetDescriptor(), "", where);
    if (!checked.ok()) return checked;
  }

  const google::protobuf::util::Status status =
      google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(body.data(), body.size()), target,
          options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON in ", where, ": ",
                     ParserMessage(status.message().as_string())));
  }
  return absl::OkStatus();
}

// A field mask path: lower_snake_case names joined by dots (an underscore
// before a lowercase letter only, since the JSON form camel-cases it), or
// "*" for every writable field.
bool IsFieldMaskPath(absl::string_view path) {
  if (path == "*") return true;
  for (absl::string_view name : absl::StrSplit(path, '.')) {
    if (name.empty() || !absl::ascii_islower(name[0])) return false;
    for (size_t i = 1; i < name.size(); ++i) {
      const char c = name[i];
      if (c == '_') {
        if (i + 1 == name.size() || !absl::ascii_islower(name[i + 1])) {
          return false;
        }
      } else if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c)) {
        return false;
      }
    }
  }
  return true;
}

// Refuses a field mask (in a top-level field, where the requests keep
// theirs) with a path that names no field by its syntax alone. Protobuf's
// JSON reader lets such paths through, and they would not survive the
// request being printed as JSON again; the store would refuse them later
// with a vaguer message.
absl::Status CheckFieldMasks(const Message& request) {
  const Descriptor* type = request.GetDescriptor();
  const google::protobuf::Reflection* reflection = request.GetReflection();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->is_repeated() || field->message_type() == nullptr ||
        field->message_type()->full_name() != "google.protobuf.FieldMask" ||
        !reflection->HasField(request, field)) {
      continue;
    }
    const Message& mask = reflection->GetMessage(request, field);
    const FieldDescriptor* paths =
        mask.GetDescriptor()->FindFieldByName("paths");
    const int count = mask.GetReflection()->FieldSize(mask, paths);
    for (int j = 0; j < count; ++j) {
      const std::string path =
          mask.GetReflection()->GetRepeatedString(mask, paths, j);
      if (!IsFieldMaskPath(path)) {
        return absl::InvalidArgumentError(
            absl::StrCat("field '", field->json_name(), "': \"", Excerpt(path),
                         "\" is not a field path (names in lower_snake_case or "
                         "lowerCamelCase joined by dots, or *)"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Message>> BuildRequest(
    const Route& route, absl::Span<const std::string> path_values,
    absl::string_view query, absl::string_view body,
    const TranscodeOptions& options) {
  std::unique_ptr<Message> request = NewMessage(route.method->input_type());
  if (request == nullptr) {
    return absl::InternalError(absl::StrCat(
        "no generated type for ", route.method->input_type()->full_name()));
  }

  // The body first, so that the path wins where both set a field.
  absl::Status status = ParseBody(route, body, options, request.get());
  if (!status.ok()) return status;

  // The path variables.
  if (path_values.size() != route.path_fields.size()) {
    return absl::InternalError("path values do not match the route");
  }
  for (size_t i = 0; i < path_values.size(); ++i) {
    status =
        SetFieldFromText(request.get(), route.path_fields[i], path_values[i]);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("path: ", status.message()));
    }
  }

  // The query, for what neither the path nor the body set.
  absl::StatusOr<std::vector<QueryParam>> params = ParseQueryString(query);
  if (!params.ok()) return params.status();
  if (!params->empty()) {
    if (route.body == BodyKind::kWhole) {
      return absl::InvalidArgumentError(absl::StrCat(
          route.http_method, " ", route.path.text(),
          " takes the whole request in its body, so no query parameters"));
    }
    std::vector<FieldPath> bound = route.path_fields;
    if (route.body == BodyKind::kField) bound.push_back({route.body_field});
    status = ApplyQueryParams(*params, bound, request.get(),
                              options.ignore_unknown_fields);
    if (!status.ok()) return status;
  }
  status = CheckFieldMasks(*request);
  if (!status.ok()) return status;
  return request;
}

absl::StatusOr<std::string> MessageToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  const google::protobuf::util::Status status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print ", message.GetDescriptor()->full_name(),
                     " as JSON: ", status.message().as_string()));
  }
  return json;
}

absl::StatusOr<std::unique_ptr<Message>> ParseResponse(
    const Descriptor* type, const std::string& bytes) {
  std::unique_ptr<Message> response = NewMessage(type);
  if (response == nullptr) {
    return absl::InternalError(
        absl::StrCat("no generated type for ", type->full_name()));
  }
  if (!response->ParseFromString(bytes)) {
    return absl::InternalError(
        absl::StrCat("the response does not parse as ", type->full_name()));
  }
  return response;
}

absl::StatusOr<std::string> ResponseToJson(const Descriptor* type,
                                           const std::string& bytes) {
  absl::StatusOr<std::unique_ptr<Message>> response =
      ParseResponse(type, bytes);
  if (!response.ok()) return response.status();
  return MessageToJson(**response);
}

}  // namespace opsbrain::gateway
