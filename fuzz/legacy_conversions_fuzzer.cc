// Fuzz target: the conversion rules for legacy OpsBrain rows
// (migrator/legacy_conversions.h), which read whatever a legacy SQLite file
// holds.
//
// Input: a table number (decimal; modulo the seven legacy tables), then one
// field per column of that table, each a type letter and the value: 'n'
// NULL, 'i' INTEGER, 'r' REAL, 'b' BLOB, 't' (or anything else) TEXT.
// Invariants checked:
//   - a row converts or is INVALID_ARGUMENT "<one of its columns>: ...",
//     the message valid UTF-8; converting twice gives the same result;
//   - a converted row serializes and parses back equal (its text is UTF-8),
//     prints as JSON (as the gateway will print it), has a key, and every time
//     in it lies in the years 1 to 9999 with whole microseconds
//     (google.protobuf.Timestamp's range; the store and the JSON printer refuse
//     anything else);
//   - per value, on every field's text: a time that parses lies in that
//     range, prints as "YYYY-MM-DD HH:MM:SS.ffffff" and parses back to
//     itself; booleans,
//     goal areas and statuses ignore letter case, and their canonical forms
//     are fixed points; a typed setting's canonical value converts to
//     itself.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/utf8.h"
#include "fuzz/fuzz_support.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "migrator/legacy_conversions.h"
#include "migrator/legacy_reader.h"

namespace opsbrain::migrator {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;

constexpr size_t kMaxInputBytes = 16384;
// google/protobuf/timestamp.proto: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

LegacyValue ValueOf(absl::string_view field) {
  const char type = field.empty() ? 't' : field.front();
  const std::string rest(field.empty() ? "" : field.substr(1));
  switch (type) {
    case 'n':
      return LegacyValue::Null();
    case 'i': {
      int64_t integer = 0;
      if (absl::SimpleAtoi(rest, &integer))
        return LegacyValue::Integer(integer);
      break;
    }
    case 'r': {
      double real = 0;
      if (absl::SimpleAtod(rest, &real)) return LegacyValue::Real(real);
      break;
    }
    case 'b':
      return LegacyValue::Blob(rest);
    case 't':
      return LegacyValue::Text(rest);
  }
  return LegacyValue::Text(std::string(field));
}

void CheckTimestamp(const google::protobuf::Timestamp& time,
                    absl::string_view where) {
  FUZZ_CHECK(time.seconds() >= kMinSeconds && time.seconds() <= kMaxSeconds,
             absl::StrCat(where, " out of range: ", time.ShortDebugString()));
  FUZZ_CHECK(time.nanos() >= 0 && time.nanos() < 1000000000 &&
                 time.nanos() % 1000 == 0,
             absl::StrCat(where, ": ", time.ShortDebugString()));
}

// Every Timestamp set anywhere in `message`.
void CheckTimestamps(const Message& message) {
  if (message.GetDescriptor() == google::protobuf::Timestamp::descriptor()) {
    CheckTimestamp(static_cast<const google::protobuf::Timestamp&>(message),
                   message.GetDescriptor()->full_name());
    return;
  }
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        field->is_repeated()) {
      continue;
    }
    const Message& inner = message.GetReflection()->GetMessage(message, field);
    if (inner.GetDescriptor() == google::protobuf::Timestamp::descriptor()) {
      CheckTimestamp(static_cast<const google::protobuf::Timestamp&>(inner),
                     field->full_name());
    } else {
      CheckTimestamps(inner);
    }
  }
}

void CheckError(const absl::Status& status, const LegacyTableSpec& spec) {
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
             status.ToString());
  const absl::string_view message = status.message();
  FUZZ_CHECK(IsValidUtf8(message), "a message that is not UTF-8");
  const absl::string_view column = message.substr(0, message.find(": "));
  bool known = false;
  for (const char* name : spec.columns) known = known || column == name;
  FUZZ_CHECK(known, absl::StrCat("'", message, "' does not lead with a column",
                                 " of ", spec.name));
}

void CheckRow(const LegacyTableSpec& spec, const LegacyRow& row) {
  std::vector<std::string> notes;
  const absl::StatusOr<ConvertedRow> converted =
      ConvertLegacyRow(spec.name, row, &notes);
  FUZZ_CHECK(IsValidUtf8(LegacyKeyOf(spec.name, row)), "key not UTF-8");
  LegacyIdOf(row);

  std::vector<std::string> notes_again;
  const absl::StatusOr<ConvertedRow> again =
      ConvertLegacyRow(spec.name, row, &notes_again);
  FUZZ_CHECK(converted.ok() == again.ok() && notes == notes_again,
             "converting twice differs");
  if (!converted.ok()) {
    CheckError(converted.status(), spec);
    FUZZ_CHECK(converted.status() == again.status(), "errors differ");
    return;
  }
  FUZZ_CHECK(opsbrain::fuzz::SameMessage(converted->row, again->row) &&
                 converted->warnings == again->warnings,
             "converting twice differs");

  const auto wire = opsbrain::fuzz::WireRoundTrip(converted->row);
  FUZZ_CHECK(
      wire != nullptr && opsbrain::fuzz::SameMessage(*wire, converted->row),
      "the row does not survive the wire");
  FUZZ_CHECK(!converted->key.key().empty() || converted->key.legacy_id() > 0,
             "a row without a key");
  CheckTimestamps(converted->row);
  std::string json;
  const auto printed =
      google::protobuf::util::MessageToJsonString(converted->row, &json);
  FUZZ_CHECK(printed.ok(), absl::StrCat("the row does not print as JSON: ",
                                        printed.ToString()));
  if (converted->expire_time.has_value()) {
    google::protobuf::Timestamp expire;
    expire.set_seconds(absl::ToUnixSeconds(*converted->expire_time));
    CheckTimestamp(expire, "expire_time");
  }
  for (const std::string& text : converted->warnings) {
    FUZZ_CHECK(IsValidUtf8(text), "a warning that is not UTF-8");
  }
}

void CheckTimeRule(const LegacyValue& value) {
  const absl::StatusOr<absl::Time> time =
      ParseLegacyTime(value, "column", nullptr);
  if (!time.ok()) {
    FUZZ_CHECK(time.status().code() == absl::StatusCode::kInvalidArgument &&
                   IsValidUtf8(time.status().message()),
               time.status().ToString());
    return;
  }
  const int64_t seconds = absl::ToUnixSeconds(*time);
  FUZZ_CHECK(seconds >= kMinSeconds && seconds <= kMaxSeconds,
             absl::StrCat("'", Excerpt(value.text), "' read as ",
                          absl::FormatTime(*time, absl::UTCTimeZone())));
  const std::string printed =
      absl::FormatTime("%4Y-%m-%d %H:%M:%E6S", *time, absl::UTCTimeZone());
  const absl::StatusOr<absl::Time> reread =
      ParseLegacyTime(LegacyValue::Text(printed), "column", nullptr);
  FUZZ_CHECK(reread.ok() && *reread == *time,
             absl::StrCat(printed, " does not read back"));
}

void CheckTextRules(const std::string& text) {
  const std::string upper = absl::AsciiStrToUpper(text);

  const absl::StatusOr<bool> boolean =
      ParseLegacyBoolean(LegacyValue::Text(text), "column", nullptr);
  const absl::StatusOr<bool> upper_boolean =
      ParseLegacyBoolean(LegacyValue::Text(upper), "column", nullptr);
  FUZZ_CHECK(boolean.ok() == upper_boolean.ok() &&
                 (!boolean.ok() || *boolean == *upper_boolean),
             "booleans depend on letter case");

  const absl::StatusOr<std::optional<v1::Date>> date =
      ParseLegacyDate(LegacyValue::Text(text), "column", nullptr);
  if (date.ok() && date->has_value()) {
    const std::string printed = absl::StrFormat(
        "%04d-%02d-%02d", (*date)->year(), (*date)->month(), (*date)->day());
    const absl::StatusOr<std::optional<v1::Date>> reread =
        ParseLegacyDate(LegacyValue::Text(printed), "column", nullptr);
    FUZZ_CHECK(reread.ok() && reread->has_value() &&
                   opsbrain::fuzz::SameMessage(**reread, **date),
               absl::StrCat(printed, " does not read back"));
  }

  for (auto canonical : {&CanonicalGoalArea, &CanonicalGoalStatus}) {
    const absl::StatusOr<std::string> value = canonical(text, nullptr);
    const absl::StatusOr<std::string> upper_value = canonical(upper, nullptr);
    FUZZ_CHECK(value.ok() == upper_value.ok() &&
                   (!value.ok() || *value == *upper_value),
               "area or status depends on letter case");
    if (!value.ok()) continue;
    FUZZ_CHECK(*value == absl::AsciiStrToLower(*value), *value);
    const absl::StatusOr<std::string> fixed = canonical(*value, nullptr);
    FUZZ_CHECK(fixed.ok() && *fixed == *value, *value);
  }

  for (const char* type : {"integer", "boolean", "json", "string", "other"}) {
    const LegacyValue type_value = LegacyValue::Text(type);
    const absl::StatusOr<LegacySetting> setting =
        ConvertLegacySetting(type_value, text, nullptr);
    if (!setting.ok()) {
      FUZZ_CHECK(
          setting.status().code() == absl::StatusCode::kInvalidArgument &&
              IsValidUtf8(setting.status().message()),
          setting.status().ToString());
      continue;
    }
    const absl::StatusOr<LegacySetting> fixed =
        ConvertLegacySetting(type_value, setting->value, nullptr);
    FUZZ_CHECK(fixed.ok() && fixed->value == setting->value &&
                   fixed->type == setting->type,
               absl::StrCat(type, " setting is not canonical"));
    if (setting->type == v1::AppSetting::INTEGER) {
      int64_t parsed = 0;
      FUZZ_CHECK(absl::SimpleAtoi(setting->value, &parsed) &&
                     absl::StrCat(parsed) == setting->value,
                 setting->value);
    }
  }
}

}  // namespace
}  // namespace opsbrain::migrator

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opsbrain::migrator;  // NOLINT: the target's own namespace.
  if (size > kMaxInputBytes) return -1;
  const std::vector<absl::string_view> head =
      opsbrain::fuzz::SplitFields(opsbrain::fuzz::AsText(data, size), 2);
  size_t number = 0;
  if (!absl::SimpleAtoi(head[0], &number)) return -1;
  const LegacyTableSpec& spec = LegacyTables()[number % LegacyTables().size()];

  const std::vector<absl::string_view> fields =
      opsbrain::fuzz::SplitFields(head[1], spec.columns.size());
  LegacyRow row;
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    const LegacyValue value = ValueOf(fields[i]);
    CheckTimeRule(value);
    if (value.type == LegacyValue::Type::kText) CheckTextRules(value.text);
    row.Set(spec.columns[i], value);
  }
  CheckRow(spec, row);
  return 0;
}
