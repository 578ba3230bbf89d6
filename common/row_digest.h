// Canonical digests of imported rows, the verification the migrator runs
// after an import: it digests the rows it read from the legacy file, the
// storage service digests the rows it holds, and the two must agree.
//
// The canonical form of a row is the concatenation of these items, each
// encoded as `<decimal byte length>:<bytes>`:
//
//   1. the legacy table name (records.h names; "" when no record is set);
//   2. the table's fields, in exactly this order:
//      configurations:      key, value, category, description, is_sensitive,
//                           create_time, update_time
//      thread_contexts:     thread_key, channel_id, thread_ts, messages,
//                           create_time, update_time, expire_time
//      business_goals:      id, title, description, area, status, priority,
//                           target_date, progress, weekly_actions,
//                           daily_actions, success_metrics, notes,
//                           create_time, update_time
//      app_settings:        key, value, type, description, create_time,
//                           update_time
//      user_preferences:    user_id, key, value, create_time, update_time
//      config_audit:        legacy id, table_name, record_id, action,
//                           old_values, new_values, actor, change_time
//      performance_metrics: legacy id, name, value, unit, time,
//                           additional_data
//
// Field encodings:
// - strings: their bytes as they are;
// - integers: decimal, with a leading '-' when negative;
// - bools: "1" or "0";
// - doubles: printf "%.17g";
// - times: microseconds since the Unix epoch, decimal, truncated toward
//   negative infinity; an unset Timestamp counts as the epoch (0);
// - target_date: "YYYY-MM-DD", or "" when unset or all zero;
// - type: "string", "boolean", "integer" or "json" (TYPE_UNSPECIFIED counts
//   as "string"; an unknown number is written in decimal);
// - action: "INSERT", "UPDATE", "DELETE" (anything else in decimal);
// - repeated strings: the count as an integer item, then each string;
// - Struct fields: the canonical JSON of CanonicalJson() below, or "" when
//   the field is unset; success_metrics, which every stored goal has, counts
//   an unset Struct as "{}";
// - legacy id: ImportedRow.legacy_id, or the record's own `id` when
//   legacy_id is 0.
//
// Etags, Configuration.value_redacted and every field not listed above are
// NOT part of the digest. The row digest is the SHA-256 of the canonical
// form. A table's checksum is order independent: the sum modulo 2^64 of the
// first 8 bytes (big-endian) of each row digest, as 16 lower-case hex
// digits; the row count travels beside it.
//
// The canonical form holds the row's values in clear, sensitive ones
// included: never log it.
//
// Thread-safe: free functions only; a TableDigest is a plain value.
#ifndef OPSBRAIN_COMMON_ROW_DIGEST_H_
#define OPSBRAIN_COMMON_ROW_DIGEST_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "google/protobuf/struct.pb.h"
#include "opsbrain/v1/internal.pb.h"

namespace opsbrain {

// Canonical JSON of a Struct: keys sorted bytewise, no whitespace, numbers
// as "%.17g", strings escaped minimally (`"`, `\`, and control characters
// below U+0020 as \b \f \n \r \t or \u00xx; all other bytes as they are).
// A Value without a kind is written as null.
std::string CanonicalJson(const google::protobuf::Struct& value);

// The canonical form described above.
std::string CanonicalRowForm(const v1::ImportedRow& row);

// SHA-256 of CanonicalRowForm(row): 32 raw bytes.
std::string RowDigest(const v1::ImportedRow& row);

// Order-independent digest of a set of rows.
class TableDigest {
 public:
  // Adds RowDigest(row).
  void Add(const v1::ImportedRow& row);
  // Adds a digest as RowDigest returns it; only its first 8 bytes count, and
  // a shorter one is padded with zero bytes.
  void AddRowDigest(std::string_view row_digest);

  int64_t row_count() const { return row_count_; }
  // 16 lower-case hex digits; "0000000000000000" for no rows.
  std::string Checksum() const;

 private:
  int64_t row_count_ = 0;
  uint64_t sum_ = 0;
};

}  // namespace opsbrain

#endif  // OPSBRAIN_COMMON_ROW_DIGEST_H_
