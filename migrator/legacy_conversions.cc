#include "migrator/legacy_conversions.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/json.h"
#include "common/status_macros.h"
#include "common/utf8.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "migrator/legacy_reader.h"
#include "opsbrain/v1/internal.pb.h"
#include "opsbrain/v1/records.pb.h"

namespace opsbrain::migrator {
namespace {

constexpr absl::string_view kCategories[] = {
    "general", "api",       "slack",   "notion",     "openai",
    "trello",  "dashboard", "prompts", "scheduling", "features"};
constexpr absl::string_view kAreas[] = {"sales",     "delivery", "product",
                                        "financial", "team",     "process"};
constexpr absl::string_view kStatuses[] = {"not_started", "in_progress",
                                           "completed", "blocked", "deferred"};

// Timestamp range of google/protobuf/timestamp.proto: years 1 to 9999.
constexpr int64_t kMinUnixSeconds = -62135596800;
constexpr int64_t kMaxUnixSeconds = 253402300799;
// Numbers from here on are Unix milliseconds: as seconds they would be
// after the year 5000, as milliseconds they are after March 1973.
constexpr double kMinUnixMillis = 1e11;
constexpr absl::Duration kLegacyThreadLifetime = absl::Hours(24);

absl::Status Invalid(absl::string_view column, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(column, ": ", problem));
}

void Note(std::vector<std::string>* notes, std::string note) {
  if (notes != nullptr) notes->push_back(std::move(note));
}

void Warn(std::vector<std::string>* warnings, absl::string_view column,
          absl::string_view problem) {
  if (warnings != nullptr) {
    warnings->push_back(absl::StrCat(column, ": ", problem));
  }
}

std::string Quote(absl::string_view text) {
  return absl::StrCat("'", Excerpt(text), "'");
}

// The value as text for a text column. NULL is "" where `nullable`.
absl::StatusOr<std::string> TextOf(const LegacyValue& value,
                                   absl::string_view column, bool nullable) {
  if (value.is_null()) {
    if (nullable) return std::string();
    return Invalid(column, "is NULL");
  }
  if (!IsValidUtf8(value.text)) return Invalid(column, "is not valid UTF-8");
  if (absl::StrContains(value.text, '\0')) {
    return Invalid(column, "contains a NUL character");
  }
  return value.text;
}

// A text column the legacy schema declares NOT NULL but which the store
// lets be empty: a NULL (an older schema without the constraint, or a
// column an older app version did not have) reads as '', with a warning.
absl::StatusOr<std::string> RequiredTextOf(const LegacyValue& value,
                                           absl::string_view column,
                                           std::vector<std::string>* warnings) {
  if (value.is_null()) {
    Warn(warnings, column,
         "NULL where the legacy schema says NOT NULL: read as ''");
    return std::string();
  }
  return TextOf(value, column, false);
}

// A key column: text, not empty.
absl::StatusOr<std::string> KeyOf(const LegacyValue& value,
                                  absl::string_view column) {
  OPSBRAIN_ASSIGN_OR_RETURN(std::string text, TextOf(value, column, false));
  if (text.empty()) {
    return Invalid(column, "is empty (the legacy app allowed '')");
  }
  return text;
}

// Decimal integer text with an optional sign and surrounding ASCII
// whitespace ("42", " -7 "); nullopt for anything else.
std::optional<int64_t> IntegerText(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.empty() ||
      text.find_first_not_of("+-0123456789") != absl::string_view::npos) {
    return std::nullopt;
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) return std::nullopt;
  return value;
}

// An integer column: INTEGER, a whole REAL, or integer text (noted).
absl::StatusOr<int64_t> IntegerOf(const LegacyValue& value,
                                  absl::string_view column,
                                  std::vector<std::string>* notes) {
  if (value.type == LegacyValue::Type::kInteger) return value.integer;
  if (value.type == LegacyValue::Type::kReal &&
      value.real == std::trunc(value.real) && std::abs(value.real) < 1e15) {
    return static_cast<int64_t>(value.real);
  }
  if (value.type == LegacyValue::Type::kText) {
    if (const std::optional<int64_t> parsed = IntegerText(value.text)) {
      Note(notes, absl::StrCat(column, ": integer stored as text"));
      return *parsed;
    }
  }
  return Invalid(column, absl::StrCat(Quote(value.text), " is not an integer"));
}

absl::StatusOr<std::string> OneOf(absl::string_view column,
                                  absl::string_view value,
                                  absl::Span<const absl::string_view> allowed,
                                  std::vector<std::string>* notes) {
  const std::string lower = absl::AsciiStrToLower(value);
  if (std::find(allowed.begin(), allowed.end(), lower) == allowed.end()) {
    return Invalid(column, absl::StrCat(Quote(value), " is not one of ",
                                        absl::StrJoin(allowed, ", ")));
  }
  if (lower != value) {
    Note(notes, absl::StrCat(column, " folded to lower case"));
  }
  return lower;
}

void SetTime(absl::Time time, google::protobuf::Timestamp* timestamp) {
  const int64_t micros = absl::ToUnixMicros(time);
  int64_t seconds = micros / 1000000;
  int64_t sub = micros % 1000000;
  if (sub < 0) {
    sub += 1000000;
    --seconds;
  }
  timestamp->set_seconds(seconds);
  timestamp->set_nanos(static_cast<int32_t>(sub * 1000));
}

bool InTimestampRange(absl::Time time) {
  return time >= absl::FromUnixSeconds(kMinUnixSeconds) &&
         time < absl::FromUnixSeconds(kMaxUnixSeconds + 1);
}

// Reads exactly `count` digits at text[*pos].
bool Digits(absl::string_view text, size_t* pos, size_t count, int* out) {
  if (*pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = text[*pos + i];
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  *pos += count;
  *out = value;
  return true;
}

bool Expect(absl::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

absl::StatusOr<absl::Time> ParseTimeText(absl::string_view text,
                                         absl::string_view column,
                                         std::vector<std::string>* notes) {
  const absl::Status bad = Invalid(
      column, absl::StrCat(Quote(text),
                           " is not a time (YYYY-MM-DD HH:MM:SS[.ffffff])"));
  size_t pos = 0;
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!Digits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !Digits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !Digits(text, &pos, 2, &day)) {
    return bad;
  }
  int64_t micros = 0;
  absl::Duration offset;
  if (pos == text.size()) {
    Note(notes, absl::StrCat(column, ": a date without a time read as ",
                             "midnight UTC"));
  } else {
    if (text[pos] != ' ' && text[pos] != 'T') return bad;
    ++pos;
    if (!Digits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
        !Digits(text, &pos, 2, &minute)) {
      return bad;
    }
    // Seconds may be left out ("2025-09-01T12:00"), as ISO 8601 allows.
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!Digits(text, &pos, 2, &second)) return bad;
    }
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      size_t digits = 0;
      while (pos < text.size() &&
             absl::ascii_isdigit(static_cast<unsigned char>(text[pos]))) {
        if (++digits > 6) {
          return Invalid(column, absl::StrCat(Quote(text),
                                              " has more than 6 fractional "
                                              "digits"));
        }
        micros = micros * 10 + (text[pos] - '0');
        ++pos;
      }
      if (digits == 0) return bad;
      for (size_t i = digits; i < 6; ++i) micros *= 10;
    }
    if (pos < text.size()) {
      if (text[pos] == 'Z' && pos + 1 == text.size()) {
        ++pos;
      } else if (text[pos] == '+' || text[pos] == '-') {
        const bool negative = text[pos] == '-';
        ++pos;
        // +HH:MM, +HHMM or +HH.
        int zone_hours, zone_minutes = 0;
        if (!Digits(text, &pos, 2, &zone_hours)) return bad;
        if (pos < text.size()) {
          if (text[pos] == ':') ++pos;
          if (!Digits(text, &pos, 2, &zone_minutes)) return bad;
        }
        if (pos != text.size() || zone_hours > 23 || zone_minutes > 59) {
          return bad;
        }
        offset = absl::Hours(zone_hours) + absl::Minutes(zone_minutes);
        if (negative) offset = -offset;
      } else {
        return bad;
      }
    }
  }

  // CivilSecond normalises (February 30 becomes March 2); a real time is
  // one that survives the round trip.
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  if (year < 1 || civil.year() != year || civil.month() != month ||
      civil.day() != day || civil.hour() != hour || civil.minute() != minute ||
      civil.second() != second) {
    return Invalid(column, absl::StrCat(Quote(text), " is not a real time"));
  }
  const absl::Time time = absl::FromCivil(civil, absl::UTCTimeZone()) - offset +
                          absl::Microseconds(micros);
  // An offset can carry a time of year 1 or 9999 out of the range a
  // Timestamp holds (found by //fuzz:legacy_conversions).
  if (!InTimestampRange(time)) {
    return Invalid(column, absl::StrCat(Quote(text),
                                        " is outside the years 1 to 9999 "
                                        "in UTC"));
  }
  return time;
}

// created_at/updated_at of a keyed record, with the NULL fallbacks.
absl::Status ReadCreateUpdate(const LegacyRow& row,
                              google::protobuf::Timestamp* create_time,
                              google::protobuf::Timestamp* update_time,
                              std::vector<std::string>* notes,
                              absl::Time* updated = nullptr) {
  const LegacyValue& created = row.Get("created_at");
  const LegacyValue& changed = row.Get("updated_at");
  if (created.is_null() && changed.is_null()) {
    return Invalid("created_at", "and updated_at are both NULL");
  }
  const LegacyValue& create_value = created.is_null() ? changed : created;
  const LegacyValue& update_value = changed.is_null() ? created : changed;
  if (created.is_null()) Note(notes, "created_at NULL: updated_at used");
  if (changed.is_null()) Note(notes, "updated_at NULL: created_at used");
  OPSBRAIN_ASSIGN_OR_RETURN(
      const absl::Time create,
      ParseLegacyTime(create_value,
                      created.is_null() ? "updated_at" : "created_at", notes));
  OPSBRAIN_ASSIGN_OR_RETURN(
      const absl::Time update,
      ParseLegacyTime(
          update_value, changed.is_null() ? "created_at" : "updated_at",
          created.is_null() || changed.is_null() ? nullptr : notes));
  SetTime(create, create_time);
  SetTime(update, update_time);
  if (updated != nullptr) *updated = update;
  return absl::OkStatus();
}

// A JSON array of strings: empty for NULL or ''. Other text is kept, as
// the list's one item, with a warning.
absl::StatusOr<std::vector<std::string>> StringList(
    const LegacyValue& value, absl::string_view column,
    std::vector<std::string>* warnings) {
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string text,
                            TextOf(value, column, true));
  if (text.empty()) return std::vector<std::string>();
  absl::StatusOr<std::vector<std::string>> items = DecodeJsonStringArray(text);
  if (!items.ok()) {
    Warn(warnings, column,
         absl::StrCat("not a JSON array of strings (", items.status().message(),
                      "): kept as a list of one item, the legacy text"));
    return std::vector<std::string>{text};
  }
  return items;
}

// An optional JSON object column: nullopt for NULL or ''. Other text is
// kept as {"_invalid_json": "<the legacy text>"}, with a warning. So is an
// object nested deeper than kMaxPrintableJsonNesting: the gateway could not
// show it (found by //fuzz:legacy_conversions).
absl::StatusOr<std::optional<google::protobuf::Struct>> OptionalObject(
    const LegacyValue& value, absl::string_view column,
    std::vector<std::string>* warnings) {
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string text,
                            TextOf(value, column, true));
  if (text.empty()) return std::optional<google::protobuf::Struct>();
  absl::StatusOr<google::protobuf::Struct> object = DecodeJsonObject(text);
  if (object.ok() && JsonNesting(*object) > kMaxPrintableJsonNesting) {
    object = absl::InvalidArgumentError(absl::StrCat(
        "nested deeper than ", kMaxPrintableJsonNesting, " levels"));
  }
  if (!object.ok()) {
    Warn(warnings, column,
         absl::StrCat("not a JSON object (", object.status().message(),
                      "): kept as {\"", kInvalidJsonKey,
                      "\": <the legacy text>}"));
    google::protobuf::Struct kept;
    (*kept.mutable_fields())[kInvalidJsonKey].set_string_value(text);
    return std::optional<google::protobuf::Struct>(std::move(kept));
  }
  return std::optional<google::protobuf::Struct>(*std::move(object));
}

absl::StatusOr<int64_t> PositiveLegacyId(const LegacyRow& row,
                                         std::vector<std::string>* notes) {
  const LegacyValue& id = row.Get("id");
  OPSBRAIN_ASSIGN_OR_RETURN(const int64_t value, IntegerOf(id, "id", notes));
  if (value <= 0) return Invalid("id", "must be a positive legacy id");
  return value;
}

// ---- One converter per table -----------------------------------------------

absl::Status ConvertConfiguration(const LegacyRow& row, ConvertedRow* out,
                                  std::vector<std::string>* notes) {
  v1::Configuration* config = out->row.mutable_configuration();
  OPSBRAIN_ASSIGN_OR_RETURN(*config->mutable_key(),
                            KeyOf(row.Get("key"), "key"));
  OPSBRAIN_ASSIGN_OR_RETURN(
      *config->mutable_value(),
      RequiredTextOf(row.Get("value"), "value", &out->warnings));
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string category,
                            TextOf(row.Get("category"), "category", true));
  if (category.empty()) {
    Note(notes, "category NULL or '' read as general");
    config->set_category("general");
  } else {
    OPSBRAIN_ASSIGN_OR_RETURN(*config->mutable_category(),
                              OneOf("category", category, kCategories, notes));
  }
  OPSBRAIN_ASSIGN_OR_RETURN(
      *config->mutable_description(),
      TextOf(row.Get("description"), "description", true));
  OPSBRAIN_ASSIGN_OR_RETURN(
      const bool sensitive,
      ParseLegacyBoolean(row.Get("is_sensitive"), "is_sensitive", notes));
  config->set_is_sensitive(sensitive);
  OPSBRAIN_RETURN_IF_ERROR(ReadCreateUpdate(row, config->mutable_create_time(),
                                            config->mutable_update_time(),
                                            notes));
  out->key.set_key(config->key());
  return absl::OkStatus();
}

absl::Status ConvertThreadContext(const LegacyRow& row, ConvertedRow* out,
                                  std::vector<std::string>* notes) {
  v1::ThreadContext* thread = out->row.mutable_thread_context();
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string key,
                            KeyOf(row.Get("thread_key"), "thread_key"));
  const LegacyValue& channel_id = row.Get("channel_id");
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string channel,
                            TextOf(channel_id, "channel_id", true));
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string ts,
                            TextOf(row.Get("thread_ts"), "thread_ts", true));

  // The store derives channel and ts from the key; the legacy columns must
  // say the same, or the row is inconsistent and the key alone would lose
  // what they said.
  const size_t colon = key.find(':');
  const std::string key_channel = key.substr(0, colon);
  const std::string key_ts =
      colon == std::string::npos ? "" : key.substr(colon + 1);
  if (key_channel.empty() || (colon != std::string::npos && key_ts.empty())) {
    return Invalid("thread_key", absl::StrCat(Quote(key),
                                              " is not channel or "
                                              "channel:thread_ts"));
  }
  if (channel_id.is_null()) {
    Warn(&out->warnings, "channel_id",
         "NULL where the legacy schema says NOT NULL: taken from thread_key");
  } else if (channel != key_channel) {
    return Invalid("channel_id",
                   absl::StrCat(Quote(channel), " does not agree with ",
                                "thread_key ", Quote(key)));
  }
  if (ts != key_ts) {
    return Invalid("thread_ts", absl::StrCat(Quote(ts), " does not agree with ",
                                             "thread_key ", Quote(key)));
  }
  thread->set_thread_key(key);
  thread->set_channel_id(key_channel);
  thread->set_thread_ts(key_ts);

  const LegacyValue& messages = row.Get("messages");
  if (messages.is_null() || messages.text.empty()) {
    Note(notes, "messages NULL or '' read as no messages");
  }
  OPSBRAIN_ASSIGN_OR_RETURN(const std::vector<std::string> items,
                            StringList(messages, "messages", &out->warnings));
  for (const std::string& item : items) thread->add_messages(item);

  absl::Time updated;
  OPSBRAIN_RETURN_IF_ERROR(ReadCreateUpdate(row, thread->mutable_create_time(),
                                            thread->mutable_update_time(),
                                            notes, &updated));
  absl::Time expires;
  const LegacyValue& expires_at = row.Get("expires_at");
  if (expires_at.is_null()) {
    Note(notes, "expires_at NULL: updated_at + 24 h used");
    expires = updated + kLegacyThreadLifetime;
    if (!InTimestampRange(expires)) {
      return Invalid("expires_at",
                     "is NULL and updated_at + 24 h is after the year 9999");
    }
  } else {
    OPSBRAIN_ASSIGN_OR_RETURN(expires,
                              ParseLegacyTime(expires_at, "expires_at", notes));
    Note(notes,
         "expires_at read as UTC (the legacy app wrote local time; the "
         "fixture machine ran in UTC)");
  }
  SetTime(expires, thread->mutable_expire_time());
  out->expire_time = absl::FromUnixMicros(absl::ToUnixMicros(expires));
  out->key.set_key(key);
  return absl::OkStatus();
}

absl::Status ConvertBusinessGoal(const LegacyRow& row, ConvertedRow* out,
                                 std::vector<std::string>* notes) {
  v1::BusinessGoal* goal = out->row.mutable_business_goal();
  OPSBRAIN_ASSIGN_OR_RETURN(*goal->mutable_id(), KeyOf(row.Get("id"), "id"));
  OPSBRAIN_ASSIGN_OR_RETURN(*goal->mutable_title(),
                            TextOf(row.Get("title"), "title", false));
  OPSBRAIN_ASSIGN_OR_RETURN(
      *goal->mutable_description(),
      TextOf(row.Get("description"), "description", true));
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string area,
                            TextOf(row.Get("area"), "area", false));
  OPSBRAIN_ASSIGN_OR_RETURN(*goal->mutable_area(),
                            CanonicalGoalArea(area, notes));
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string status,
                            TextOf(row.Get("status"), "status", true));
  OPSBRAIN_ASSIGN_OR_RETURN(*goal->mutable_status(),
                            CanonicalGoalStatus(status, notes));

  const LegacyValue& priority = row.Get("priority");
  if (priority.is_null()) {
    Note(notes, "priority NULL read as 2");
    goal->set_priority(2);
  } else {
    OPSBRAIN_ASSIGN_OR_RETURN(const int64_t value,
                              IntegerOf(priority, "priority", notes));
    if (value < 1 || value > 4) {
      return Invalid("priority",
                     absl::StrCat(value, " is not between 1 and 4"));
    }
    goal->set_priority(static_cast<int32_t>(value));
  }

  OPSBRAIN_ASSIGN_OR_RETURN(
      const std::optional<v1::Date> target,
      ParseLegacyDate(row.Get("target_date"), "target_date", notes));
  if (target.has_value()) *goal->mutable_target_date() = *target;

  const LegacyValue& progress = row.Get("progress");
  if (progress.is_null()) {
    Note(notes, "progress NULL read as 0");
  } else {
    OPSBRAIN_ASSIGN_OR_RETURN(const int64_t value,
                              IntegerOf(progress, "progress", notes));
    if (value < 0 || value > 100) {
      return Invalid("progress",
                     absl::StrCat(value, " is not between 0 and 100"));
    }
    goal->set_progress(static_cast<int32_t>(value));
  }

  OPSBRAIN_ASSIGN_OR_RETURN(
      const std::vector<std::string> weekly,
      StringList(row.Get("weekly_actions"), "weekly_actions", &out->warnings));
  for (const std::string& item : weekly) goal->add_weekly_actions(item);
  OPSBRAIN_ASSIGN_OR_RETURN(
      const std::vector<std::string> daily,
      StringList(row.Get("daily_actions"), "daily_actions", &out->warnings));
  for (const std::string& item : daily) goal->add_daily_actions(item);
  OPSBRAIN_ASSIGN_OR_RETURN(std::optional<google::protobuf::Struct> metrics,
                            OptionalObject(row.Get("success_metrics"),
                                           "success_metrics", &out->warnings));
  if (metrics.has_value()) {
    *goal->mutable_success_metrics() = *std::move(metrics);
  } else {
    Note(notes, "success_metrics NULL or '' read as {}");
    goal->mutable_success_metrics();
  }
  OPSBRAIN_ASSIGN_OR_RETURN(*goal->mutable_notes(),
                            TextOf(row.Get("notes"), "notes", true));
  OPSBRAIN_RETURN_IF_ERROR(ReadCreateUpdate(
      row, goal->mutable_create_time(), goal->mutable_update_time(), notes));
  out->key.set_key(goal->id());
  return absl::OkStatus();
}

absl::Status ConvertAppSetting(const LegacyRow& row, ConvertedRow* out,
                               std::vector<std::string>* notes) {
  v1::AppSetting* setting = out->row.mutable_app_setting();
  OPSBRAIN_ASSIGN_OR_RETURN(*setting->mutable_key(),
                            KeyOf(row.Get("setting_key"), "setting_key"));
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string value,
                            RequiredTextOf(row.Get("setting_value"),
                                           "setting_value", &out->warnings));
  OPSBRAIN_ASSIGN_OR_RETURN(
      LegacySetting typed,
      ConvertLegacySetting(row.Get("setting_type"), value, notes));
  setting->set_type(typed.type);
  setting->set_value(std::move(typed.value));
  OPSBRAIN_ASSIGN_OR_RETURN(
      *setting->mutable_description(),
      TextOf(row.Get("description"), "description", true));
  OPSBRAIN_RETURN_IF_ERROR(ReadCreateUpdate(row, setting->mutable_create_time(),
                                            setting->mutable_update_time(),
                                            notes));
  out->key.set_key(setting->key());
  return absl::OkStatus();
}

absl::Status ConvertUserPreference(const LegacyRow& row, ConvertedRow* out,
                                   std::vector<std::string>* notes) {
  v1::UserPreference* preference = out->row.mutable_user_preference();
  OPSBRAIN_ASSIGN_OR_RETURN(*preference->mutable_user_id(),
                            KeyOf(row.Get("user_id"), "user_id"));
  OPSBRAIN_ASSIGN_OR_RETURN(*preference->mutable_key(),
                            KeyOf(row.Get("preference_key"), "preference_key"));
  OPSBRAIN_ASSIGN_OR_RETURN(*preference->mutable_value(),
                            RequiredTextOf(row.Get("preference_value"),
                                           "preference_value", &out->warnings));
  OPSBRAIN_RETURN_IF_ERROR(
      ReadCreateUpdate(row, preference->mutable_create_time(),
                       preference->mutable_update_time(), notes));
  out->key.set_user_id(preference->user_id());
  out->key.set_key(preference->key());
  return absl::OkStatus();
}

// What the store writes in place of a sensitive value in its audit rows
// (kRedacted, storage_service/repository.h).
constexpr char kRedactedValue[] = "[REDACTED]";

// True when audit values mark the record sensitive.
bool MarkedSensitive(const v1::AuditEntry& entry) {
  for (const google::protobuf::Struct* values :
       {&entry.old_values(), &entry.new_values()}) {
    auto flag = values->fields().find("is_sensitive");
    if (flag == values->fields().end()) continue;
    // The legacy app wrote JSON booleans; SQLite's 1 is taken alike.
    if (flag->second.bool_value() || flag->second.number_value() != 0) {
      return true;
    }
  }
  return false;
}

// Replaces the configuration value in an audit row about a sensitive
// configuration by the marker the store writes.
void RedactSensitiveAuditValues(const ConversionContext& context,
                                v1::AuditEntry* entry,
                                std::vector<std::string>* notes) {
  if (entry->table_name() != "configurations") return;
  if (!context.sensitive_configuration_keys.contains(entry->record_id()) &&
      !MarkedSensitive(*entry)) {
    return;
  }
  std::vector<google::protobuf::Struct*> present;
  if (entry->has_old_values()) present.push_back(entry->mutable_old_values());
  if (entry->has_new_values()) present.push_back(entry->mutable_new_values());
  for (google::protobuf::Struct* values : present) {
    auto value = values->mutable_fields()->find("value");
    if (value == values->mutable_fields()->end() ||
        (value->second.has_string_value() &&
         value->second.string_value() == kRedactedValue)) {
      continue;
    }
    value->second.set_string_value(kRedactedValue);
    Note(notes, "sensitive value in an audit row replaced by [REDACTED]");
  }
}

absl::Status ConvertAuditEntry(const LegacyRow& row,
                               const ConversionContext& context,
                               ConvertedRow* out,
                               std::vector<std::string>* notes) {
  v1::AuditEntry* entry = out->row.mutable_audit_entry();
  OPSBRAIN_ASSIGN_OR_RETURN(const int64_t id, PositiveLegacyId(row, notes));
  entry->set_id(id);
  OPSBRAIN_ASSIGN_OR_RETURN(*entry->mutable_table_name(),
                            KeyOf(row.Get("table_name"), "table_name"));
  OPSBRAIN_ASSIGN_OR_RETURN(
      *entry->mutable_record_id(),
      RequiredTextOf(row.Get("record_id"), "record_id", &out->warnings));
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string action,
                            TextOf(row.Get("action"), "action", false));
  const std::string upper = absl::AsciiStrToUpper(action);
  if (upper == "INSERT") {
    entry->set_action(v1::AuditEntry::INSERT);
  } else if (upper == "UPDATE") {
    entry->set_action(v1::AuditEntry::UPDATE);
  } else if (upper == "DELETE") {
    entry->set_action(v1::AuditEntry::DELETE);
  } else {
    return Invalid("action", absl::StrCat(Quote(action),
                                          " is not INSERT, UPDATE or DELETE"));
  }
  if (upper != action) Note(notes, "action folded to upper case");
  OPSBRAIN_ASSIGN_OR_RETURN(
      std::optional<google::protobuf::Struct> old_values,
      OptionalObject(row.Get("old_values"), "old_values", &out->warnings));
  if (old_values.has_value()) {
    *entry->mutable_old_values() = *std::move(old_values);
  }
  OPSBRAIN_ASSIGN_OR_RETURN(
      std::optional<google::protobuf::Struct> new_values,
      OptionalObject(row.Get("new_values"), "new_values", &out->warnings));
  if (new_values.has_value()) {
    *entry->mutable_new_values() = *std::move(new_values);
  }
  RedactSensitiveAuditValues(context, entry, notes);
  OPSBRAIN_ASSIGN_OR_RETURN(*entry->mutable_actor(),
                            TextOf(row.Get("changed_by"), "changed_by", true));
  OPSBRAIN_ASSIGN_OR_RETURN(
      const absl::Time changed,
      ParseLegacyTime(row.Get("changed_at"), "changed_at", notes));
  SetTime(changed, entry->mutable_change_time());
  out->row.set_legacy_id(id);
  out->key.set_legacy_id(id);
  return absl::OkStatus();
}

absl::Status ConvertPerformanceMetric(const LegacyRow& row, ConvertedRow* out,
                                      std::vector<std::string>* notes) {
  v1::PerformanceMetric* metric = out->row.mutable_performance_metric();
  OPSBRAIN_ASSIGN_OR_RETURN(const int64_t id, PositiveLegacyId(row, notes));
  metric->set_id(id);
  OPSBRAIN_ASSIGN_OR_RETURN(*metric->mutable_name(),
                            KeyOf(row.Get("metric_name"), "metric_name"));
  const LegacyValue& value = row.Get("metric_value");
  double number;
  if (value.type == LegacyValue::Type::kReal) {
    number = value.real;
  } else if (value.type == LegacyValue::Type::kInteger) {
    number = static_cast<double>(value.integer);
  } else if (value.type == LegacyValue::Type::kText &&
             absl::SimpleAtod(absl::StripAsciiWhitespace(value.text),
                              &number) &&
             !absl::StripAsciiWhitespace(value.text).empty() &&
             absl::StripAsciiWhitespace(value.text)
                     .find_first_not_of("+-.0123456789eE") ==
                 absl::string_view::npos) {
    Note(notes, "metric_value: number stored as text");
  } else {
    return Invalid("metric_value",
                   value.is_null()
                       ? std::string("is NULL")
                       : absl::StrCat(Quote(value.text), " is not a number"));
  }
  if (!std::isfinite(number)) {
    return Invalid("metric_value",
                   absl::StrCat(value.text, " is not a finite number"));
  }
  metric->set_value(number);
  OPSBRAIN_ASSIGN_OR_RETURN(
      *metric->mutable_unit(),
      TextOf(row.Get("metric_unit"), "metric_unit", true));
  OPSBRAIN_ASSIGN_OR_RETURN(
      const absl::Time time,
      ParseLegacyTime(row.Get("timestamp"), "timestamp", notes));
  SetTime(time, metric->mutable_time());
  OPSBRAIN_ASSIGN_OR_RETURN(std::optional<google::protobuf::Struct> extra,
                            OptionalObject(row.Get("additional_data"),
                                           "additional_data", &out->warnings));
  if (extra.has_value()) *metric->mutable_additional_data() = *std::move(extra);
  out->row.set_legacy_id(id);
  out->key.set_legacy_id(id);
  return absl::OkStatus();
}

}  // namespace

namespace {

// A number as Unix seconds, or as Unix milliseconds from kMinUnixMillis on.
absl::StatusOr<absl::Time> EpochTime(const LegacyValue& value,
                                     absl::string_view column,
                                     std::vector<std::string>* notes) {
  const bool integer = value.type == LegacyValue::Type::kInteger;
  const double number =
      integer ? static_cast<double>(value.integer) : value.real;
  if (number >= kMinUnixMillis) {
    if (!(number <= kMaxUnixSeconds * 1000.0)) {
      return Invalid(column, absl::StrCat(value.text,
                                          " is out of range as Unix "
                                          "milliseconds"));
    }
    Note(notes, absl::StrCat(column, ": a number read as Unix milliseconds"));
    if (integer) return absl::FromUnixMillis(value.integer);
    return absl::FromUnixMicros(
        static_cast<int64_t>(std::floor(value.real * 1e3)));
  }
  if (!(number >= 0)) {
    return Invalid(
        column, absl::StrCat(value.text, " is out of range as Unix seconds"));
  }
  Note(notes, absl::StrCat(column, ": a number read as Unix seconds"));
  if (integer) return absl::FromUnixSeconds(value.integer);
  return absl::FromUnixMicros(
      static_cast<int64_t>(std::floor(value.real * 1e6)));
}

}  // namespace

absl::StatusOr<absl::Time> ParseLegacyTime(const LegacyValue& value,
                                           absl::string_view column,
                                           std::vector<std::string>* notes) {
  switch (value.type) {
    case LegacyValue::Type::kNull:
      return Invalid(column, "is NULL");
    case LegacyValue::Type::kInteger:
    case LegacyValue::Type::kReal:
      return EpochTime(value, column, notes);
    case LegacyValue::Type::kText: {
      // Digits in a column without numeric affinity (a TEXT column of an
      // older schema): the number they spell.
      const absl::string_view text = value.text;
      if (!text.empty() &&
          text.find_first_not_of("0123456789.") == absl::string_view::npos &&
          absl::ascii_isdigit(static_cast<unsigned char>(text.front())) &&
          absl::ascii_isdigit(static_cast<unsigned char>(text.back())) &&
          std::count(text.begin(), text.end(), '.') <= 1) {
        int64_t integer = 0;
        double real = 0;
        if (absl::SimpleAtoi(text, &integer)) {
          return EpochTime(LegacyValue::Integer(integer), column, notes);
        }
        if (absl::SimpleAtod(text, &real)) {
          return EpochTime(LegacyValue::Real(real), column, notes);
        }
      }
      break;
    }
    case LegacyValue::Type::kBlob:
      break;
  }
  return ParseTimeText(value.text, column, notes);
}

absl::StatusOr<bool> ParseLegacyBoolean(const LegacyValue& value,
                                        absl::string_view column,
                                        std::vector<std::string>* notes) {
  switch (value.type) {
    case LegacyValue::Type::kNull:
      Note(notes, absl::StrCat(column, " NULL read as false"));
      return false;
    case LegacyValue::Type::kInteger:
      if (value.integer == 0 || value.integer == 1) return value.integer == 1;
      break;
    case LegacyValue::Type::kReal:
      break;
    case LegacyValue::Type::kText:
    case LegacyValue::Type::kBlob:
      for (absl::string_view yes : {"true", "yes", "1"}) {
        if (absl::EqualsIgnoreCase(value.text, yes)) {
          Note(notes, absl::StrCat(column, " text read as a boolean"));
          return true;
        }
      }
      for (absl::string_view no : {"false", "no", "0"}) {
        if (absl::EqualsIgnoreCase(value.text, no)) {
          Note(notes, absl::StrCat(column, " text read as a boolean"));
          return false;
        }
      }
      break;
  }
  return Invalid(column, absl::StrCat(Quote(value.text),
                                      " is not a boolean (0, 1, true, false, "
                                      "yes or no)"));
}

absl::StatusOr<std::optional<v1::Date>> ParseLegacyDate(
    const LegacyValue& value, absl::string_view column,
    std::vector<std::string>* notes) {
  if (value.is_null() ||
      (value.type == LegacyValue::Type::kText && value.text.empty())) {
    if (!value.is_null())
      Note(notes, absl::StrCat(column, " '' read as unset"));
    return std::optional<v1::Date>();
  }
  const absl::Status bad = Invalid(
      column, absl::StrCat(Quote(value.text), " is not a date (YYYY-MM-DD)"));
  if (value.type != LegacyValue::Type::kText) return bad;
  size_t pos = 0;
  int year, month, day;
  if (!Digits(value.text, &pos, 4, &year) || !Expect(value.text, &pos, '-') ||
      !Digits(value.text, &pos, 2, &month) || !Expect(value.text, &pos, '-') ||
      !Digits(value.text, &pos, 2, &day) || pos != value.text.size()) {
    return bad;
  }
  const absl::CivilDay civil(year, month, day);
  if (year < 1 || civil.year() != year || civil.month() != month ||
      civil.day() != day) {
    return bad;
  }
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return std::optional<v1::Date>(date);
}

absl::StatusOr<std::string> CanonicalGoalArea(absl::string_view value,
                                              std::vector<std::string>* notes) {
  if (value.empty()) return Invalid("area", "is empty");
  return OneOf("area", value, kAreas, notes);
}

absl::StatusOr<std::string> CanonicalGoalStatus(
    absl::string_view value, std::vector<std::string>* notes) {
  if (value.empty()) {
    Note(notes, "status NULL or '' read as not_started");
    return std::string("not_started");
  }
  return OneOf("status", value, kStatuses, notes);
}

namespace {

absl::StatusOr<std::string> CanonicalBoolean(absl::string_view value) {
  for (absl::string_view yes : {"true", "1", "yes", "on"}) {
    if (absl::EqualsIgnoreCase(value, yes)) return std::string("true");
  }
  for (absl::string_view no : {"false", "0", "no", "off"}) {
    if (absl::EqualsIgnoreCase(value, no)) return std::string("false");
  }
  return Invalid("setting_value",
                 absl::StrCat(Quote(value),
                              " is not a boolean (true/1/yes/on or "
                              "false/0/no/off; the legacy reader read it as "
                              "false)"));
}

// Python int() on a str: surrounding whitespace, an optional sign, decimal
// digits with single underscores between them.
absl::StatusOr<std::string> CanonicalInteger(absl::string_view value) {
  const absl::Status bad = Invalid(
      "setting_value",
      absl::StrCat(Quote(value), " is not an integer (Python int() syntax)"));
  absl::string_view text = absl::StripAsciiWhitespace(value);
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  std::string digits;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      digits.push_back(c);
    } else if (c == '_' && i > 0 && i + 1 < text.size() &&
               absl::ascii_isdigit(static_cast<unsigned char>(text[i - 1])) &&
               absl::ascii_isdigit(static_cast<unsigned char>(text[i + 1]))) {
      continue;
    } else {
      return bad;
    }
  }
  if (digits.empty()) return bad;

  // Accumulate the magnitude as unsigned so that INT64_MIN fits.
  const uint64_t limit = negative
                             ? uint64_t{1} << 63
                             : uint64_t{std::numeric_limits<int64_t>::max()};
  uint64_t magnitude = 0;
  for (char c : digits) {
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (limit - digit) / 10) {
      return Invalid(
          "setting_value",
          absl::StrCat(Quote(value), " is outside the 64-bit integer range"));
    }
    magnitude = magnitude * 10 + digit;
  }
  if (!negative || magnitude == 0) return absl::StrCat(magnitude);
  return absl::StrCat("-", magnitude);
}

}  // namespace

absl::StatusOr<LegacySetting> ConvertLegacySetting(
    const LegacyValue& type, absl::string_view value,
    std::vector<std::string>* notes) {
  LegacySetting setting;
  const absl::string_view name = type.type == LegacyValue::Type::kText
                                     ? absl::string_view(type.text)
                                     : absl::string_view();
  if (name == "boolean") {
    setting.type = v1::AppSetting::BOOLEAN;
    OPSBRAIN_ASSIGN_OR_RETURN(setting.value, CanonicalBoolean(value));
    if (setting.value != value) {
      Note(notes, "boolean setting_value written as true/false");
    }
  } else if (name == "integer") {
    setting.type = v1::AppSetting::INTEGER;
    OPSBRAIN_ASSIGN_OR_RETURN(setting.value, CanonicalInteger(value));
    if (setting.value != value) {
      Note(notes, "integer setting_value written in canonical decimal");
    }
  } else if (name == "json") {
    setting.type = v1::AppSetting::JSON;
    absl::StatusOr<google::protobuf::Value> decoded = DecodeJson(value);
    if (!decoded.ok()) {
      return Invalid("setting_value", decoded.status().message());
    }
    setting.value = std::string(value);
  } else {
    setting.type = v1::AppSetting::STRING;
    setting.value = std::string(value);
    if (name != "string") {
      Note(notes, type.is_null()
                      ? std::string("setting_type NULL read as STRING")
                      : absl::StrCat("setting_type ", Quote(type.text),
                                     " read as STRING"));
    }
  }
  return setting;
}

absl::StatusOr<ConversionContext> ReadConversionContext(LegacyFile& file) {
  ConversionContext context;
  if (!file.HasTable("configurations")) return context;
  OPSBRAIN_RETURN_IF_ERROR(file.ForEachRow(
      "configurations", [&context](const LegacyRow& row) -> absl::Status {
        absl::StatusOr<ConvertedRow> converted =
            ConvertLegacyRow("configurations", row, nullptr);
        if (converted.ok() && converted->row.configuration().is_sensitive()) {
          context.sensitive_configuration_keys.insert(
              converted->row.configuration().key());
        }
        return absl::OkStatus();
      }));
  return context;
}

absl::StatusOr<ConvertedRow> ConvertLegacyRow(
    absl::string_view table, const LegacyRow& row,
    std::vector<std::string>* notes, const ConversionContext& context) {
  ConvertedRow out;
  std::vector<std::string> row_notes;
  absl::Status status;
  if (table == "configurations") {
    status = ConvertConfiguration(row, &out, &row_notes);
  } else if (table == "thread_contexts") {
    status = ConvertThreadContext(row, &out, &row_notes);
  } else if (table == "business_goals") {
    status = ConvertBusinessGoal(row, &out, &row_notes);
  } else if (table == "app_settings") {
    status = ConvertAppSetting(row, &out, &row_notes);
  } else if (table == "user_preferences") {
    status = ConvertUserPreference(row, &out, &row_notes);
  } else if (table == "config_audit") {
    status = ConvertAuditEntry(row, context, &out, &row_notes);
  } else if (table == "performance_metrics") {
    status = ConvertPerformanceMetric(row, &out, &row_notes);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown legacy table '", table, "'"));
  }
  OPSBRAIN_RETURN_IF_ERROR(status);
  if (out.row.legacy_id() == 0) out.row.set_legacy_id(LegacyIdOf(row));
  // A rule applied twice to one row (both times stored as numbers, say)
  // counts once for that row.
  std::sort(row_notes.begin(), row_notes.end());
  row_notes.erase(std::unique(row_notes.begin(), row_notes.end()),
                  row_notes.end());
  if (notes != nullptr) {
    notes->insert(notes->end(), row_notes.begin(), row_notes.end());
  }
  return out;
}

std::string LegacyKeyOf(absl::string_view table, const LegacyRow& row) {
  const auto text = [&](absl::string_view column) {
    return Excerpt(row.Get(column).text, 255);
  };
  if (table == "configurations") return text("key");
  if (table == "thread_contexts") return text("thread_key");
  if (table == "business_goals") return text("id");
  if (table == "app_settings") return text("setting_key");
  if (table == "user_preferences") {
    return absl::StrCat(text("user_id"), "/", text("preference_key"));
  }
  return text("id");
}

int64_t LegacyIdOf(const LegacyRow& row) {
  const LegacyValue& id = row.Get("id");
  if (id.type == LegacyValue::Type::kInteger) return id.integer;
  if (id.type == LegacyValue::Type::kText) {
    return IntegerText(id.text).value_or(0);
  }
  return 0;
}

}  // namespace opsbrain::migrator
