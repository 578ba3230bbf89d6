#include "storage_service/service/setting_values.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/json.h"
#include "common/utf8.h"
#include "storage_service/records.h"

namespace opsbrain::service {
namespace {

absl::Status NotValid(SettingType type, absl::string_view value,
                      absl::string_view field) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": '", Excerpt(value),
                                                 "' is not a valid ",
                                                 SettingTypeName(type)));
}

absl::StatusOr<std::string> CanonicalBoolean(absl::string_view value,
                                             absl::string_view field) {
  // The legacy reader's spellings, minus its acceptance of anything else as
  // false: a typo must not silently turn a flag off.
  for (absl::string_view yes : {"true", "1", "yes", "on"}) {
    if (absl::EqualsIgnoreCase(value, yes)) return std::string("true");
  }
  for (absl::string_view no : {"false", "0", "no", "off"}) {
    if (absl::EqualsIgnoreCase(value, no)) return std::string("false");
  }
  return NotValid(SettingType::kBoolean, value, field);
}

absl::StatusOr<std::string> CanonicalInteger(absl::string_view value,
                                             absl::string_view field) {
  // Parsed by hand: absl::SimpleAtoi also accepts surrounding whitespace,
  // which the stored form must not carry.
  absl::string_view digits = value;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return NotValid(SettingType::kInteger, value, field);

  // Accumulate the magnitude as unsigned so that INT64_MIN fits.
  const uint64_t limit = negative
                             ? uint64_t{1} << 63
                             : uint64_t{std::numeric_limits<int64_t>::max()};
  uint64_t magnitude = 0;
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return NotValid(SettingType::kInteger, value, field);
    }
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (limit - digit) / 10) {
      return NotValid(SettingType::kInteger, value, field);
    }
    magnitude = magnitude * 10 + digit;
  }

  if (!negative || magnitude == 0) return absl::StrCat(magnitude);
  return absl::StrCat("-", magnitude);
}

absl::StatusOr<std::string> CheckedJson(absl::string_view value,
                                        absl::string_view field) {
  // common/json.h's strict decoder: RFC 8259 grammar (protobuf's parser
  // would also take single-quoted strings, bare keys and trailing commas),
  // numbers that fit a double, no duplicate keys, no NUL.
  if (!DecodeJson(value).ok()) {
    return NotValid(SettingType::kJson, value, field);
  }
  return std::string(value);
}

}  // namespace

absl::string_view SettingTypeName(SettingType type) {
  switch (type) {
    case SettingType::kString:
      return "STRING";
    case SettingType::kBoolean:
      return "BOOLEAN";
    case SettingType::kInteger:
      return "INTEGER";
    case SettingType::kJson:
      return "JSON";
  }
  return "UNKNOWN";
}

absl::StatusOr<std::string> CanonicalSettingValue(SettingType type,
                                                  absl::string_view value,
                                                  absl::string_view field) {
  switch (type) {
    case SettingType::kString:
      return std::string(value);
    case SettingType::kBoolean:
      return CanonicalBoolean(value, field);
    case SettingType::kInteger:
      return CanonicalInteger(value, field);
    case SettingType::kJson:
      return CheckedJson(value, field);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": unknown setting type"));
}

}  // namespace opsbrain::service
