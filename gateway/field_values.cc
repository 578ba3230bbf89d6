#include "gateway/field_values.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/utf8.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace opsbrain::gateway {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

// Echoed values are cut short: an error message is no place for a payload.
constexpr size_t kMaxEchoedBytes = 64;

std::string Quote(absl::string_view text) {
  std::string shown = CoerceToUtf8(text.substr(0, kMaxEchoedBytes));
  if (text.size() > kMaxEchoedBytes) shown += "...";
  return absl::StrCat("\"", shown, "\"");
}

absl::Status InvalidValue(absl::string_view field, absl::string_view type,
                          absl::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat(
      "field '", field, "': invalid ", type, " value ", Quote(text)));
}

bool IsWrapper(const Descriptor* type) {
  static const char* const kWrappers[] = {
      "google.protobuf.DoubleValue", "google.protobuf.FloatValue",
      "google.protobuf.Int64Value",  "google.protobuf.UInt64Value",
      "google.protobuf.Int32Value",  "google.protobuf.UInt32Value",
      "google.protobuf.BoolValue",   "google.protobuf.StringValue",
      "google.protobuf.BytesValue"};
  for (const char* name : kWrappers) {
    if (type->full_name() == name) return true;
  }
  return false;
}

// Types whose JSON form is one string that json_util knows how to read.
bool IsJsonStringMessage(const Descriptor* type) {
  return type->full_name() == "google.protobuf.Timestamp" ||
         type->full_name() == "google.protobuf.Duration" ||
         type->full_name() == "google.protobuf.FieldMask";
}

const FieldDescriptor* FindField(const Descriptor* type, absl::string_view name,
                                 FieldNames names) {
  const FieldDescriptor* field = type->FindFieldByName(std::string(name));
  if (field != nullptr || names == FieldNames::kProto) return field;
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i)->json_name() == name) return type->field(i);
  }
  return nullptr;
}

// Adds to a repeated field or sets a singular one, by C++ type.
class LeafWriter {
 public:
  LeafWriter(Message* message, const FieldDescriptor* field)
      : message_(message),
        field_(field),
        reflection_(message->GetReflection()) {}

  void Int32(int32_t v) {
    field_->is_repeated() ? reflection_->AddInt32(message_, field_, v)
                          : reflection_->SetInt32(message_, field_, v);
  }
  void Int64(int64_t v) {
    field_->is_repeated() ? reflection_->AddInt64(message_, field_, v)
                          : reflection_->SetInt64(message_, field_, v);
  }
  void UInt32(uint32_t v) {
    field_->is_repeated() ? reflection_->AddUInt32(message_, field_, v)
                          : reflection_->SetUInt32(message_, field_, v);
  }
  void UInt64(uint64_t v) {
    field_->is_repeated() ? reflection_->AddUInt64(message_, field_, v)
                          : reflection_->SetUInt64(message_, field_, v);
  }
  void Double(double v) {
    field_->is_repeated() ? reflection_->AddDouble(message_, field_, v)
                          : reflection_->SetDouble(message_, field_, v);
  }
  void Float(float v) {
    field_->is_repeated() ? reflection_->AddFloat(message_, field_, v)
                          : reflection_->SetFloat(message_, field_, v);
  }
  void Bool(bool v) {
    field_->is_repeated() ? reflection_->AddBool(message_, field_, v)
                          : reflection_->SetBool(message_, field_, v);
  }
  void String(std::string v) {
    field_->is_repeated()
        ? reflection_->AddString(message_, field_, std::move(v))
        : reflection_->SetString(message_, field_, std::move(v));
  }
  void Enum(int v) {
    field_->is_repeated() ? reflection_->AddEnumValue(message_, field_, v)
                          : reflection_->SetEnumValue(message_, field_, v);
  }
  Message* MutableMessage() {
    return field_->is_repeated()
               ? reflection_->AddMessage(message_, field_)
               : reflection_->MutableMessage(message_, field_);
  }

 private:
  Message* message_;
  const FieldDescriptor* field_;
  const Reflection* reflection_;
};

absl::Status SetLeaf(Message* message, const FieldDescriptor* field,
                     absl::string_view text, absl::string_view name);

absl::Status SetTextualMessage(Message* message, absl::string_view text,
                               absl::string_view name) {
  const Descriptor* type = message->GetDescriptor();
  if (IsWrapper(type)) {
    return SetLeaf(message, type->FindFieldByNumber(1), text, name);
  }

  // Let json_util read the one-string JSON form; Value prints `text` as a
  // correctly escaped JSON string.
  if (!IsValidUtf8(text)) return InvalidValue(name, type->name(), text);
  google::protobuf::Value string_value;
  string_value.set_string_value(std::string(text));
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(string_value, &json).ok() ||
      !google::protobuf::util::JsonStringToMessage(json, message).ok()) {
    return InvalidValue(name, type->name(), text);
  }
  return absl::OkStatus();
}

absl::Status SetLeaf(Message* message, const FieldDescriptor* field,
                     absl::string_view text, absl::string_view name) {
  LeafWriter writer(message, field);
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(text, &v)) return InvalidValue(name, "int32", text);
      writer.Int32(v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(text, &v)) return InvalidValue(name, "int64", text);
      writer.Int64(v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(text, &v)) {
        return InvalidValue(name, "uint32", text);
      }
      writer.UInt32(v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(text, &v)) {
        return InvalidValue(name, "uint64", text);
      }
      writer.UInt64(v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v;
      if (!absl::SimpleAtod(text, &v)) {
        return InvalidValue(name, "double", text);
      }
      writer.Double(v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float v;
      if (!absl::SimpleAtof(text, &v)) return InvalidValue(name, "float", text);
      writer.Float(v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (!absl::SimpleAtob(text, &v)) return InvalidValue(name, "bool", text);
      writer.Bool(v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const google::protobuf::EnumValueDescriptor* value =
          field->enum_type()->FindValueByName(std::string(text));
      int number;
      if (value == nullptr && absl::SimpleAtoi(text, &number)) {
        value = field->enum_type()->FindValueByNumber(number);
      }
      if (value == nullptr) {
        return InvalidValue(name, field->enum_type()->name(), text);
      }
      writer.Enum(value->number());
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        // The JSON mapping's bytes: base64, standard or URL-safe.
        std::string bytes;
        if (!absl::Base64Unescape(text, &bytes) &&
            !absl::WebSafeBase64Unescape(text, &bytes)) {
          return InvalidValue(name, "base64 bytes", text);
        }
        writer.String(std::move(bytes));
        return absl::OkStatus();
      }
      if (!IsValidUtf8(text)) {
        return absl::InvalidArgumentError(
            absl::StrCat("field '", name, "': value is not valid UTF-8"));
      }
      writer.String(std::string(text));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (!IsTextualMessage(field->message_type())) break;
      return SetTextualMessage(writer.MutableMessage(), text, name);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "field '", name, "' is a message; set its fields by their own names"));
}

}  // namespace

absl::StatusOr<FieldPath> ResolveFieldPath(const Descriptor* type,
                                           absl::string_view dotted,
                                           FieldNames names) {
  FieldPath path;
  for (absl::string_view name : absl::StrSplit(dotted, '.')) {
    if (!path.empty()) {
      const FieldDescriptor* parent = path.back();
      if (parent->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          parent->is_repeated()) {
        // `name` is the caller's text: quoted like every echoed value, so
        // that the message stays short and UTF-8 (found by
        // //fuzz:query_params).
        return absl::InvalidArgumentError(absl::StrCat(
            "field '", FieldPathName(path),
            "' is not a singular message, so it has no field ", Quote(name)));
      }
      type = parent->message_type();
    }
    const FieldDescriptor* field = FindField(type, name, names);
    if (field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown field ", Quote(dotted), " in ", type->full_name()));
    }
    path.push_back(field);
  }
  return path;
}

std::string FieldPathName(const FieldPath& path) {
  return absl::StrJoin(path, ".",
                       [](std::string* out, const FieldDescriptor* field) {
                         out->append(field->name());
                       });
}

bool IsTextualMessage(const Descriptor* type) {
  return IsWrapper(type) || IsJsonStringMessage(type);
}

bool IsSettableFromText(const FieldDescriptor* field) {
  if (field->is_map()) return false;
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
  return IsTextualMessage(field->message_type());
}

absl::Status SetFieldFromText(Message* message, const FieldPath& path,
                              absl::string_view text) {
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    message = message->GetReflection()->MutableMessage(message, path[i]);
  }
  return SetLeaf(message, path.back(), text, FieldPathName(path));
}

}  // namespace opsbrain::gateway
