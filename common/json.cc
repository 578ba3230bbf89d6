#include "common/json.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
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
#include "common/utf8.h"
#include "google/protobuf/struct.pb.h"
#include "nlohmann/json.hpp"

namespace opsbrain {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using Json = ::nlohmann::json;

// nlohmann's exception id for a number that overflows a double.
constexpr int kNumberOverflowId = 406;

absl::Status Rejected(absl::string_view reason, size_t at) {
  return absl::InvalidArgumentError(absl::StrCat(reason, " at byte ", at));
}

// Hands the text to nlohmann's lexer one byte at a time and counts the
// bytes handed out. nlohmann gives a position to parse_error only; the SAX
// callbacks take the positions of their own rejections from this count.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* at, size_t* count) : at_(at), count_(count) {}

  reference operator*() const { return *at_; }
  CountingIterator& operator++() {
    ++at_;
    ++*count_;
    return *this;
  }
  bool operator==(const CountingIterator& other) const {
    return at_ == other.at_;
  }
  bool operator!=(const CountingIterator& other) const {
    return at_ != other.at_;
  }

 private:
  const char* at_;
  size_t* count_;
};

// The escape "\uXXXX" starting at text[at], in lower case, when its code
// unit lies in [low, high]; otherwise "". A surrogate takes all four hex
// digits, so the range check also refuses what SimpleHexAtoi would take
// besides them (a sign, "0x", spaces).
std::string SurrogateEscapeAt(absl::string_view text, size_t at, uint32_t low,
                              uint32_t high) {
  if (at > text.size() || text.size() - at < 6) return "";
  const absl::string_view escape = text.substr(at, 6);
  uint32_t unit = 0;
  if (!absl::StartsWith(escape, "\\u") ||
      !absl::SimpleHexAtoi(escape.substr(2), &unit) || unit < low ||
      unit > high) {
    return "";
  }
  return absl::AsciiStrToLower(escape);
}

// nlohmann stops at the last hex digit of a lone low surrogate, and at the
// first byte that cannot continue a pair after a high one: 6 bytes past
// the escape when no backslash follows it, 7 when a backslash follows but
// no 'u', 11 when a whole \uXXXX follows that is not a low surrogate.
absl::Status LoneSurrogate(absl::string_view text, size_t at, bool high) {
  const absl::string_view which =
      high ? "lone high surrogate" : "lone low surrogate";
  const uint32_t first = high ? 0xD800 : 0xDC00;
  const std::vector<size_t> distances =
      high ? std::vector<size_t>{6, 7, 11} : std::vector<size_t>{5};
  for (size_t distance : distances) {
    if (distance > at) break;
    const std::string escape =
        SurrogateEscapeAt(text, at - distance, first, first + 0x3FF);
    if (!escape.empty()) {
      return Rejected(absl::StrCat(which, " ", escape), at - distance);
    }
  }
  return Rejected(which, at);
}

// The start of the number whose last byte is text[last].
size_t NumberStart(absl::string_view text, size_t last) {
  size_t start = std::min(last, text.size());
  while (start > 0 && absl::StrContains("0123456789+-.eE", text[start - 1])) {
    --start;
  }
  return start;
}

// nlohmann's reason without its prefixes ("[json.exception.parse_error.101]
// parse error at line 1, column 7: syntax error while parsing value - ")
// and without its "; last read: '...'" part, which quotes the input.
std::string LibraryReason(absl::string_view what) {
  const size_t dash = what.find(" - ");
  if (dash != absl::string_view::npos) what.remove_prefix(dash + 3);
  return std::string(what.substr(0, what.find("; last read:")));
}

// The rejection for an error nlohmann found. `position` counts the bytes
// it read, so the byte it stopped at is the one before.
absl::Status LibraryError(absl::string_view text, size_t position,
                          const Json::exception& error) {
  const size_t at = std::min(position > 0 ? position - 1 : 0, text.size());
  if (error.id == kNumberOverflowId) {
    return Rejected("number out of the range of a double",
                    NumberStart(text, at));
  }

  // Python's json.dumps writes these for non-finite floats; nlohmann stops
  // at their first letter.
  const absl::string_view rest = text.substr(at);
  if (absl::StartsWith(rest, "NaN")) return Rejected("NaN is not JSON", at);
  if (absl::StartsWith(rest, "Infinity")) {
    if (at > 0 && text[at - 1] == '-') {
      return Rejected("-Infinity is not JSON", at - 1);
    }
    return Rejected("Infinity is not JSON", at);
  }

  const std::string reason = LibraryReason(error.what());
  if (absl::StrContains(reason, "ill-formed UTF-8")) {
    return Rejected("string is not valid UTF-8", at);
  }
  if (absl::StrContains(reason, "U+0000 (NUL)")) {
    return Rejected("NUL in a string", at);
  }
  if (absl::StrContains(reason, "U+D800..U+DBFF must be followed")) {
    return LoneSurrogate(text, at, /*high=*/true);
  }
  if (absl::StrContains(reason, "U+DC00..U+DFFF must follow")) {
    return LoneSurrogate(text, at, /*high=*/false);
  }
  return Rejected(reason, at);
}

// Builds the Value from nlohmann's SAX events and applies the rules
// nlohmann does not: no NUL, no duplicate key, bounded depth. A callback
// returns false to stop the parse, with status() saying why. The callback
// names and signatures are nlohmann's SAX interface.
class ValueBuilder {
 public:
  ValueBuilder(absl::string_view text, const size_t* bytes_read)
      : text_(text), bytes_read_(bytes_read) {}

  const absl::Status& status() const { return status_; }
  Value TakeValue() { return std::move(root_); }

  bool null() {
    Put().set_null_value(google::protobuf::NULL_VALUE);
    return true;
  }
  bool boolean(bool value) {
    Put().set_bool_value(value);
    return true;
  }
  bool number_integer(Json::number_integer_t value) {
    return Number(static_cast<double>(value));
  }
  bool number_unsigned(Json::number_unsigned_t value) {
    return Number(static_cast<double>(value));
  }
  // nlohmann refuses a float that overflows a double (kNumberOverflowId)
  // before it gets here, so `value` is finite.
  bool number_float(Json::number_float_t value,
                    const Json::string_t& /*as_written*/) {
    return Number(value);
  }
  bool string(Json::string_t& value) {
    if (absl::StrContains(value, '\0')) {
      return Fail("NUL (\\u0000) in a string", StringStart());
    }
    Put().set_string_value(std::move(value));
    return true;
  }
  // JSON text has no binary values; only nlohmann's binary formats do.
  bool binary(Json::binary_t& /*value*/) {
    return Fail("binary value", *bytes_read_);
  }
  bool start_object(std::size_t /*elements*/) { return Open(true); }
  bool key(Json::string_t& key) {
    const size_t at = StringStart();
    if (absl::StrContains(key, '\0')) {
      return Fail("NUL (\\u0000) in a key", at);
    }
    // A reader of a duplicated key would silently keep one of the two.
    if (open_.back().value->struct_value().fields().count(key) > 0) {
      return Fail(absl::StrCat("duplicate key \"", Excerpt(key), "\""), at);
    }
    open_.back().key = std::move(key);
    return true;
  }
  bool end_object() {
    open_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*elements*/) { return Open(false); }
  bool end_array() {
    open_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const Json::exception& error) {
    status_ = LibraryError(text_, position, error);
    return false;
  }

 private:
  // An array or object being filled, and the key of the field that comes
  // next when it is an object.
  struct Frame {
    Value* value;
    std::string key;
  };

  bool Fail(absl::string_view reason, size_t at) {
    status_ = Rejected(reason, at);
    return false;
  }

  // Where the next value goes: the document itself, the next item of the
  // innermost open array, or the field of the innermost open object that
  // the last key named.
  Value& Put() {
    if (open_.empty()) return root_;
    Frame& frame = open_.back();
    if (frame.value->kind_case() == Value::kListValue) {
      return *frame.value->mutable_list_value()->add_values();
    }
    return (*frame.value->mutable_struct_value()->mutable_fields())[frame.key];
  }

  bool Number(double value) {
    // The store writes -0 as 0 and reads it back as +0.
    Put().set_number_value(value == 0 ? 0.0 : value);
    return true;
  }

  bool Open(bool object) {
    // The bracket is the last byte read: it is a token of its own.
    if (open_.size() >= static_cast<size_t>(kMaxJsonDepth)) {
      return Fail("nesting too deep", *bytes_read_ - 1);
    }
    Value& value = Put();
    if (object) {
      value.mutable_struct_value();
    } else {
      value.mutable_list_value();
    }
    open_.push_back(Frame{&value, ""});
    return true;
  }

  // The offset of the opening quote of the string just read. Its closing
  // quote is the last byte read, and every quote between the two is
  // escaped: preceded by an odd run of backslashes.
  size_t StringStart() const {
    size_t quote = *bytes_read_ - 1;
    while (quote > 0) {
      quote = text_.rfind('"', quote - 1);
      if (quote == absl::string_view::npos) return 0;
      size_t backslashes = 0;
      while (backslashes < quote && text_[quote - 1 - backslashes] == '\\') {
        ++backslashes;
      }
      if (backslashes % 2 == 0) return quote;
    }
    return 0;
  }

  const absl::string_view text_;
  const size_t* const bytes_read_;
  Value root_;
  std::vector<Frame> open_;
  absl::Status status_;
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

int JsonNesting(const google::protobuf::Struct& object) {
  int deepest = 0;
  for (const auto& [unused, field] : object.fields()) {
    deepest = std::max(deepest, JsonNesting(field));
  }
  return deepest + 1;
}

int JsonNesting(const Value& value) {
  if (value.has_struct_value()) return JsonNesting(value.struct_value());
  if (!value.has_list_value()) return 0;
  int deepest = 0;
  for (const Value& item : value.list_value().values()) {
    deepest = std::max(deepest, JsonNesting(item));
  }
  return deepest + 1;
}

absl::StatusOr<Value> DecodeJson(absl::string_view text) {
  // nlohmann skips a leading byte order mark; JSON text must not carry one
  // (RFC 8259, section 8.1), and the readers of stored JSON may refuse it.
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) {
    return Rejected("unexpected byte order mark", 0);
  }

  size_t bytes_read = 0;
  ValueBuilder builder(text, &bytes_read);
  const bool parsed = Json::sax_parse(
      CountingIterator(text.data(), &bytes_read),
      CountingIterator(text.data() + text.size(), &bytes_read), &builder,
      Json::input_format_t::json, /*strict=*/true, /*ignore_comments=*/false);
  if (!parsed) return builder.status();
  // nlohmann reads a NUL byte as the end of the input, so "1\0x" parses as
  // "1"; inside a string it is an error already, so one here comes after the
  // value (found by //fuzz:json).
  const size_t nul = text.find('\0');
  if (nul != absl::string_view::npos) {
    return Rejected("unexpected NUL byte after the value", nul);
  }
  return builder.TakeValue();
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

}  // namespace opsbrain
