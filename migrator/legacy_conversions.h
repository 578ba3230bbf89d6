// The conversion of legacy OpsBrain rows into the store's import rows.
//
// Pure functions: a LegacyRow (legacy_reader.h) goes in, and either a
// canonical v1::ImportedRow comes out or an INVALID_ARGUMENT status whose
// message is the rejection reason, led by the column
// ("target_date: '2025-13-01' is not a date"). Rows come out in the
// canonical form the store keeps (import_rows.h), so that the row digests
// the migrator computes from them (common/row_digest.h) equal the store's.
//
// Rules, by kind of value:
//   Times      TEXT "YYYY-MM-DD HH:MM:SS" (SQLite's CURRENT_TIMESTAMP) or
//              with ".f" to ".ffffff" (Python's sqlite3 adapter, which drops
//              the fraction when it is 0); ISO 8601's 'T' is accepted for
//              the space, the seconds may be left out ("...T12:00"), and
//              "Z", "+HH:MM", "+HHMM" or "+HH" (or '-') may follow
//              (converted to UTC).
//              Without a zone the text is UTC, which is what the legacy app
//              wrote, except thread_contexts.expires_at: the app wrote that
//              one in the machine's local time. The migrator cannot know the
//              zone of that machine and reads it as UTC too (the fixture
//              machine ran in UTC); the summary says so for every file. A
//              bare date "YYYY-MM-DD" is midnight UTC. An INTEGER or REAL
//              (NUMERIC affinity turns numeric-looking text into a number),
//              or TEXT of digits, is Unix seconds, or Unix milliseconds from
//              1e11 on (as seconds that would be after the year 5000).
//              Microseconds are kept, finer digits refused. A time
//              outside the years 1 to 9999 in UTC (after its offset, or
//              updated_at + 24 h) is refused: a Timestamp cannot hold it.
//              created_at/updated_at: a NULL one takes the other's value, both
//              NULL is refused; a NULL expires_at becomes updated_at + 24 h,
//              the legacy sliding-expiry rule.
//   Booleans   is_sensitive: INTEGER 0 or 1 (Python bools); TEXT 0, 1,
//              true, false, yes or no in any case; NULL is false (the
//              column default).
//   Integers   priority, progress and legacy ids: INTEGER, a whole REAL, or
//              TEXT holding a decimal integer (surrounding blanks allowed),
//              noted. A metric_value in TEXT is read as the number it
//              spells, noted.
//   Dates      target_date: "YYYY-MM-DD"; '' and NULL mean no date.
//   JSON       common/json.h's strict decoding (surrogate pairs decoded).
//              Arrays of strings: thread messages and goal actions; objects:
//              success_metrics, audit old/new values, metric
//              additional_data. NULL or '' is an empty list, an empty
//              success_metrics object, or no value for the optional
//              objects. Text that is not what the column holds (invalid
//              JSON such as Python's NaN, a lone surrogate escape, or valid
//              JSON of another shape) is never dropped: a list column gets
//              a list of one item, the legacy text; an object column gets
//              {"_invalid_json": "<the legacy text>"} (kInvalidJsonKey);
//              so does an object nested more than 30 levels deep, which
//              protobuf's JSON printer (and so the gateway) cannot show.
//              Either way the row carries a warning naming the column and
//              the decoder's reason.
//   Goals      area and status in any letter case, stored lower case; ''
//              status is not_started; priority 1..4 (NULL is 2); progress
//              0..100 (NULL is 0).
//   Settings   setting_type exactly string, boolean, integer or json, as
//              the legacy reader compared it; NULL or anything else reads as
//              STRING, the raw text (as the legacy reader did). BOOLEAN:
//              true/1/yes/on and false/0/no/off in any case, stored as
//              "true"/"false" (the legacy reader took anything else as
//              false; that is refused rather than guessed). INTEGER: Python
//              int() syntax (surrounding whitespace, sign, '_' between
//              digits), stored in canonical decimal within int64. JSON: kept
//              as written once it decodes. A float stored as type string
//              stays a string.
//   Categories one of general, api, slack, notion, openai, trello,
//              dashboard, prompts, scheduling, features in any letter case,
//              stored lower case; NULL or '' is general.
//   Text       every text must be UTF-8 without NUL: a row holding text
//              that is not valid UTF-8 is rejected (listed with its key,
//              never a crash; the store cannot hold it and re-encoding would
//              guess). A NULL in a nullable text column (description, notes,
//              unit, changed_by) is "".
//   NOT NULL   a NULL where the legacy schema says NOT NULL (a file whose
//              schema lacked the constraint, or a column an older app
//              version did not have): the configuration value, setting
//              value, preference value and audit record_id read as '' and
//              channel_id is taken from the thread key, each with a
//              warning; keys, goal title and area, audit action and time,
//              and metric name, value and time cannot be made up, so the
//              row is rejected ("is NULL"). The other NULL rules are above.
//   Keys       configuration key, thread key, goal id, setting key,
//              preference user and key must not be empty (the legacy app
//              allowed ''); a thread key is "channel" or "channel:ts" and
//              must agree with channel_id and thread_ts. Keys are
//              byte-exact: keys that differ only in letter case or Unicode
//              normalisation (NFC/NFD) stay distinct records. Only goal
//              area and status, configuration category and audit action
//              fold case.
//   Audit      action INSERT/UPDATE/DELETE in any case.
//   Metrics    metric_value a finite number (INTEGER or REAL); NULL unit
//              is "".
// Every normalisation a row needed is named in `notes` (a fixed phrase per
// rule, so that the summary can count them); every value kept in another
// form than the legacy app meant is named in ConvertedRow::warnings (per
// row, so that the summary can list the row).
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_MIGRATOR_LEGACY_CONVERSIONS_H_
#define OPSBRAIN_MIGRATOR_LEGACY_CONVERSIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "migrator/legacy_reader.h"
#include "opsbrain/v1/internal.pb.h"
#include "opsbrain/v1/records.pb.h"

namespace opsbrain::migrator {

// The key of the object that keeps a legacy JSON object column's text when
// it is not a JSON object.
inline constexpr char kInvalidJsonKey[] = "_invalid_json";

// What one legacy row becomes.
struct ConvertedRow {
  // Canonical, ready for ImportRows.
  v1::ImportedRow row;
  // The natural key the store matches the row by.
  v1::RowKey key;
  // Thread contexts only: when the thread expires, so that a verification
  // can tell a thread the store swept after expiry from a missing one.
  std::optional<absl::Time> expire_time;
  // "column: what was kept and why", one per value kept in another form.
  // Legacy values never appear in them.
  std::vector<std::string> warnings;
};

// What converting one row needs to know of other tables of the file.
struct ConversionContext {
  // The keys of the file's sensitive configurations: a configuration audit
  // row about one of them has its values' "value" replaced by "[REDACTED]",
  // as the store writes its own audit rows (a hand-edited legacy file may
  // hold the plain value there). So does a row whose values say
  // "is_sensitive": true.
  absl::flat_hash_set<std::string> sensitive_configuration_keys;
};

// Reads the context above from `file` (its configurations; rows that do
// not convert count as not sensitive, and are reported by their own table).
absl::StatusOr<ConversionContext> ReadConversionContext(LegacyFile& file);

// Converts one row of `table` (a LegacyTables() name). On success, appends
// to `notes` one phrase per normalisation applied.
absl::StatusOr<ConvertedRow> ConvertLegacyRow(
    absl::string_view table, const LegacyRow& row,
    std::vector<std::string>* notes,
    const ConversionContext& context = ConversionContext());

// The row's natural key for a report, readable even for a row that fails
// conversion: the key, thread key or id; "user_id/key" for preferences; the
// legacy id for audit entries and metrics. Excerpt (common/utf8.h).
std::string LegacyKeyOf(absl::string_view table, const LegacyRow& row);

// The legacy id (the `id` column) where the table has an integer one, else 0.
int64_t LegacyIdOf(const LegacyRow& row);

// ---- The rules, one value at a time (exposed for tests) ---------------------

// A time value, by the rules above. `column` leads every error message;
// `notes` may be null.
absl::StatusOr<absl::Time> ParseLegacyTime(const LegacyValue& value,
                                           absl::string_view column,
                                           std::vector<std::string>* notes);

absl::StatusOr<bool> ParseLegacyBoolean(const LegacyValue& value,
                                        absl::string_view column,
                                        std::vector<std::string>* notes);

// nullopt for no date.
absl::StatusOr<std::optional<v1::Date>> ParseLegacyDate(
    const LegacyValue& value, absl::string_view column,
    std::vector<std::string>* notes);

// The canonical (lower-case) area or status; `notes` learns of folding.
absl::StatusOr<std::string> CanonicalGoalArea(absl::string_view value,
                                              std::vector<std::string>* notes);
absl::StatusOr<std::string> CanonicalGoalStatus(
    absl::string_view value, std::vector<std::string>* notes);

struct LegacySetting {
  v1::AppSetting::Type type = v1::AppSetting::STRING;
  std::string value;
};

// A typed setting from its legacy type (NULL allowed) and text value.
absl::StatusOr<LegacySetting> ConvertLegacySetting(
    const LegacyValue& type, absl::string_view value,
    std::vector<std::string>* notes);

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_LEGACY_CONVERSIONS_H_
