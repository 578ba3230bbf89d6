#include "storage_service/sql/json_codec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "common/json.h"
#include "common/json_escape.h"

namespace opsbrain::sql {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

// The encoder below writes what protobuf's MessageToJsonString writes for a
// Struct (the same escapes, the same number text), but sorts an object's
// keys where protobuf follows its map's (randomly seeded) hash order.
// Protobuf's converter built a type description for every call and was
// about half of the storage service's CPU during an import
// (bench/README.md); this is a straight walk over the message.

// Code points protobuf's JsonEscaping writes as \u escapes although they
// are printable in UTF-8: C1 controls and Unicode format characters.
bool ProtobufEscapes(uint32_t c) {
  return (c >= 0x80 && c <= 0x9f) || c == 0xad || (c >= 0x600 && c <= 0x603) ||
         c == 0x6dd || c == 0x70f || (c >= 0x17b4 && c <= 0x17b5) ||
         (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
         (c >= 0x2060 && c <= 0x2064) || (c >= 0x206a && c <= 0x206f) ||
         c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb) ||
         (c >= 0x1d173 && c <= 0x1d17a) || c == 0xe0001 ||
         (c >= 0xe0020 && c <= 0xe007f);
}

void AppendEscapedCodePoint(uint32_t c, std::string* out) {
  if (c < 0x10000) {
    AppendJsonUnicodeEscape(static_cast<uint16_t>(c), out);
    return;
  }
  c -= 0x10000;
  AppendJsonUnicodeEscape(static_cast<uint16_t>(0xd800 + (c >> 10)), out);
  AppendJsonUnicodeEscape(static_cast<uint16_t>(0xdc00 + (c & 0x3ff)), out);
}

// Decodes the UTF-8 sequence at text[i] (its length in *length); false for
// a malformed one, which is then copied byte by byte, as protobuf does.
bool DecodeUtf8(const std::string& text, size_t i, uint32_t* code_point,
                size_t* length) {
  const auto byte = [&](size_t at) {
    return static_cast<unsigned char>(text[at]);
  };
  const unsigned char lead = byte(i);
  size_t n;
  uint32_t c;
  if (lead >= 0xc2 && lead <= 0xdf) {
    n = 2;
    c = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    n = 3;
    c = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    n = 4;
    c = lead & 0x07;
  } else {
    return false;
  }
  if (i + n > text.size()) return false;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return false;
    c = (c << 6) | (byte(i + k) & 0x3f);
  }
  *code_point = c;
  *length = n;
  return true;
}

void AppendString(const std::string& text, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      // Besides JSON's own, protobuf escapes '<', '>' and DEL.
      if (c == '<' || c == '>' || c == 0x7f) {
        AppendJsonUnicodeEscape(c, out);
      } else if (!AppendRequiredJsonEscape(c, out)) {
        out->push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    uint32_t code_point;
    size_t length;
    if (!DecodeUtf8(text, i, &code_point, &length)) {
      out->push_back(text[i]);
      ++i;
      continue;
    }
    if (ProtobufEscapes(code_point)) {
      AppendEscapedCodePoint(code_point, out);
    } else {
      out->append(text, i, length);
    }
    i += length;
  }
  out->push_back('"');
}

// Protobuf's SimpleDtoa: the shortest of %.15g and %.17g that reads back
// as the same double.
void AppendNumber(double value, std::string* out) {
  if (!std::isfinite(value)) {
    // Protobuf writes these as strings; the store refuses them on input.
    out->append(std::isnan(value)
                    ? "\"NaN\""
                    : (value > 0 ? "\"Infinity\"" : "\"-Infinity\""));
    return;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.15g", value);
  if (std::strtod(buffer, nullptr) != value) {
    std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  }
  out->append(buffer);
}

void AppendStruct(const Struct& object, std::string* out);
void AppendList(const ListValue& list, std::string* out);

void AppendValue(const Value& value, std::string* out) {
  switch (value.kind_case()) {
    case Value::kNumberValue:
      AppendNumber(value.number_value(), out);
      return;
    case Value::kStringValue:
      AppendString(value.string_value(), out);
      return;
    case Value::kBoolValue:
      out->append(value.bool_value() ? "true" : "false");
      return;
    case Value::kStructValue:
      AppendStruct(value.struct_value(), out);
      return;
    case Value::kListValue:
      AppendList(value.list_value(), out);
      return;
    case Value::kNullValue:
    case Value::KIND_NOT_SET:
      out->append("null");
      return;
  }
}

void AppendStruct(const Struct& object, std::string* out) {
  std::vector<std::pair<const std::string*, const Value*>> fields;
  fields.reserve(object.fields_size());
  for (const auto& [key, value] : object.fields()) {
    fields.emplace_back(&key, &value);
  }
  std::sort(fields.begin(), fields.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  out->push_back('{');
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendString(*fields[i].first, out);
    out->push_back(':');
    AppendValue(*fields[i].second, out);
  }
  out->push_back('}');
}

void AppendList(const ListValue& list, std::string* out) {
  out->push_back('[');
  for (int i = 0; i < list.values_size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendValue(list.values(i), out);
  }
  out->push_back(']');
}

}  // namespace

std::string EncodeStringList(const std::vector<std::string>& items) {
  std::string json = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) json.push_back(',');
    AppendString(items[i], &json);
  }
  json.push_back(']');
  return json;
}

absl::StatusOr<std::vector<std::string>> DecodeStringList(
    absl::string_view json) {
  if (json.empty()) return std::vector<std::string>();
  absl::StatusOr<Value> value = DecodeJson(json);
  if (!value.ok() || value->kind_case() != Value::kListValue) {
    return absl::DataLossError("stored list is not a JSON array");
  }
  std::vector<std::string> items;
  items.reserve(value->list_value().values_size());
  for (Value& item : *value->mutable_list_value()->mutable_values()) {
    if (item.kind_case() != Value::kStringValue) {
      return absl::DataLossError("stored list holds a non-string item");
    }
    items.push_back(std::move(*item.mutable_string_value()));
  }
  return items;
}

absl::StatusOr<Struct> DecodeObject(absl::string_view json) {
  // The parser's reason is left out: it may quote the stored text.
  absl::StatusOr<Struct> object = DecodeJsonObject(json);
  if (!object.ok()) {
    return absl::DataLossError("stored value is not a JSON object");
  }
  return object;
}

std::string EncodeObject(const Struct& object) {
  std::string json;
  AppendStruct(object, &json);
  return json;
}

absl::StatusOr<std::string> NormalizeObject(absl::string_view json) {
  absl::StatusOr<Struct> object = DecodeObject(json);
  if (!object.ok()) return object.status();
  return EncodeObject(*object);
}

}  // namespace opsbrain::sql
