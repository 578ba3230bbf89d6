#include "migrator/legacy_json.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "google/protobuf/struct.pb.h"
#include "migrator/utf8.h"

namespace opsbrain::migrator {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

// A recursive-descent parser over one text; positions in messages are byte
// offsets into it.
class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<Value> ParseDocument() {
    Value value;
    SkipSpace();
    OPSBRAIN_RETURN_IF_ERROR(ParseValue(0, &value));
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the value");
    return value;
  }

 private:
  absl::Status Error(absl::string_view what) const { return Error(what, pos_); }
  absl::Status Error(absl::string_view what, size_t at) const {
    return absl::InvalidArgumentError(absl::StrCat(what, " at byte ", at));
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Consume(absl::string_view literal) {
    if (!absl::StartsWith(text_.substr(pos_), literal)) return false;
    pos_ += literal.size();
    return true;
  }

  absl::Status ParseValue(int depth, Value* value) {
    if (pos_ >= text_.size()) return Error("unexpected end of text");
    const char c = text_[pos_];
    if (c == '{') return ParseObject(depth + 1, value->mutable_struct_value());
    if (c == '[') return ParseArray(depth + 1, value);
    if (c == '"') return ParseString(value->mutable_string_value());
    if (Consume("true")) {
      value->set_bool_value(true);
      return absl::OkStatus();
    }
    if (Consume("false")) {
      value->set_bool_value(false);
      return absl::OkStatus();
    }
    if (Consume("null")) {
      value->set_null_value(google::protobuf::NULL_VALUE);
      return absl::OkStatus();
    }
    // Python's json.dumps spells non-finite floats this way.
    for (absl::string_view name : {"NaN", "Infinity", "-Infinity"}) {
      if (absl::StartsWith(text_.substr(pos_), name)) {
        return Error(absl::StrCat(name, " is not JSON"));
      }
    }
    if (c == '-' || absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return ParseNumber(value);
    }
    return Error(absl::StrCat("unexpected character '",
                              Printable(text_.substr(pos_, 1)), "'"));
  }

  absl::Status ParseObject(int depth, Struct* object) {
    if (depth > kMaxJsonDepth) return Error("nesting too deep");
    ++pos_;  // '{'
    SkipSpace();
    if (Consume("}")) return absl::OkStatus();
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        return Error("expected a string key");
      }
      const size_t key_at = pos_;
      std::string key;
      OPSBRAIN_RETURN_IF_ERROR(ParseString(&key));
      if (object->fields().count(key) > 0) {
        return Error(absl::StrCat("duplicate key \"", Printable(key), "\""),
                     key_at);
      }
      SkipSpace();
      if (!Consume(":")) return Error("expected ':'");
      SkipSpace();
      OPSBRAIN_RETURN_IF_ERROR(
          ParseValue(depth, &(*object->mutable_fields())[key]));
      SkipSpace();
      if (Consume("}")) return absl::OkStatus();
      if (!Consume(",")) return Error("expected ',' or '}'");
    }
  }

  absl::Status ParseArray(int depth, Value* value) {
    if (depth > kMaxJsonDepth) return Error("nesting too deep");
    ++pos_;  // '['
    google::protobuf::ListValue* list = value->mutable_list_value();
    SkipSpace();
    if (Consume("]")) return absl::OkStatus();
    while (true) {
      SkipSpace();
      OPSBRAIN_RETURN_IF_ERROR(ParseValue(depth, list->add_values()));
      SkipSpace();
      if (Consume("]")) return absl::OkStatus();
      if (!Consume(",")) return Error("expected ',' or ']'");
    }
  }

  absl::Status ParseNumber(Value* value) {
    const size_t start = pos_;
    const auto digits = [&]() {
      const size_t from = pos_;
      while (pos_ < text_.size() &&
             absl::ascii_isdigit(static_cast<unsigned char>(text_[pos_]))) {
        ++pos_;
      }
      return pos_ - from;
    };
    if (text_[pos_] == '-') ++pos_;
    const size_t int_start = pos_;
    const size_t int_digits = digits();
    if (int_digits == 0) return Error("expected a digit");
    if (int_digits > 1 && text_[int_start] == '0') {
      return Error("leading zero in a number", int_start);
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return Error("expected a digit after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
        ++pos_;
      }
      if (digits() == 0) return Error("expected a digit in the exponent");
    }

    double number = 0;
    if (!absl::SimpleAtod(text_.substr(start, pos_ - start), &number) ||
        !std::isfinite(number)) {
      return Error("number out of the range of a double", start);
    }
    // The store writes -0 as 0 and reads it back as +0.
    value->set_number_value(number == 0 ? 0.0 : number);
    return absl::OkStatus();
  }

  absl::StatusOr<uint32_t> ParseHex4() {
    if (pos_ + 4 > text_.size()) return Error("truncated \\u escape");
    uint32_t unit = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char c = text_[pos_ + k];
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
        return Error("bad \\u escape");
      }
      unit = unit * 16 + (absl::ascii_isdigit(static_cast<unsigned char>(c))
                              ? c - '0'
                              : absl::ascii_tolower(c) - 'a' + 10);
    }
    pos_ += 4;
    return unit;
  }

  absl::Status ParseUnicodeEscape(std::string* out) {
    const size_t escape_at = pos_ - 2;  // The backslash.
    OPSBRAIN_ASSIGN_OR_RETURN(uint32_t unit, ParseHex4());
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      return Error(absl::StrCat("lone low surrogate \\u",
                                absl::Hex(unit, absl::kZeroPad4)),
                   escape_at);
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      // ensure_ascii writes a character above U+FFFF as a surrogate pair.
      if (!Consume("\\u")) {
        return Error(absl::StrCat("lone high surrogate \\u",
                                  absl::Hex(unit, absl::kZeroPad4)),
                     escape_at);
      }
      OPSBRAIN_ASSIGN_OR_RETURN(const uint32_t low, ParseHex4());
      if (low < 0xDC00 || low > 0xDFFF) {
        return Error(absl::StrCat("lone high surrogate \\u",
                                  absl::Hex(unit, absl::kZeroPad4)),
                     escape_at);
      }
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    if (unit == 0) return Error("NUL (\\u0000) in a string", escape_at);
    AppendUtf8(unit, out);
    return absl::OkStatus();
  }

  absl::Status ParseString(std::string* out) {
    const size_t open_at = pos_;
    ++pos_;  // '"'
    size_t run_start = pos_;
    const auto flush = [&]() {
      out->append(text_.data() + run_start, pos_ - run_start);
    };
    while (true) {
      if (pos_ >= text_.size()) return Error("unterminated string", open_at);
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        flush();
        ++pos_;
        break;
      }
      if (c < 0x20) {
        return Error(c == 0 ? "NUL in a string" : "raw control character");
      }
      if (c != '\\') {
        ++pos_;
        continue;
      }
      flush();
      if (pos_ + 1 >= text_.size()) return Error("truncated escape");
      const char escape = text_[pos_ + 1];
      pos_ += 2;
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          out->push_back(escape);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u':
          OPSBRAIN_RETURN_IF_ERROR(ParseUnicodeEscape(out));
          break;
        default:
          return Error(absl::StrCat("unknown escape \\",
                                    Printable(absl::string_view(&escape, 1))),
                       pos_ - 2);
      }
      run_start = pos_;
    }
    // Raw bytes were copied as they are; escapes produced valid UTF-8.
    if (!IsValidUtf8(*out)) {
      return Error("string is not valid UTF-8", open_at);
    }
    return absl::OkStatus();
  }

  const absl::string_view text_;
  size_t pos_ = 0;
};

absl::string_view KindName(const Value& value) {
  switch (value.kind_case()) {
    case Value::kNullValue:
      return "null";
    case Value::kNumberValue:
      return "a number";
    case Value::kStringValue:
      return "a string";
    case Value::kBoolValue:
      return "a boolean";
    case Value::kStructValue:
      return "an object";
    case Value::kListValue:
      return "an array";
    case Value::KIND_NOT_SET:
      break;
  }
  return "nothing";
}

}  // namespace

absl::StatusOr<Value> DecodeJson(absl::string_view text) {
  return Parser(text).ParseDocument();
}

absl::StatusOr<Struct> DecodeJsonObject(absl::string_view text) {
  OPSBRAIN_ASSIGN_OR_RETURN(Value value, DecodeJson(text));
  if (value.kind_case() != Value::kStructValue) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a JSON object, found ", KindName(value)));
  }
  return std::move(*value.mutable_struct_value());
}

absl::StatusOr<std::vector<std::string>> DecodeJsonStringArray(
    absl::string_view text) {
  OPSBRAIN_ASSIGN_OR_RETURN(Value value, DecodeJson(text));
  if (value.kind_case() != Value::kListValue) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a JSON array, found ", KindName(value)));
  }
  std::vector<std::string> items;
  items.reserve(value.list_value().values_size());
  for (int i = 0; i < value.list_value().values_size(); ++i) {
    Value* item = value.mutable_list_value()->mutable_values(i);
    if (item->kind_case() != Value::kStringValue) {
      return absl::InvalidArgumentError(absl::StrCat(
          "item ", i, ": expected a string, found ", KindName(*item)));
    }
    items.push_back(std::move(*item->mutable_string_value()));
  }
  return items;
}

}  // namespace opsbrain::migrator
