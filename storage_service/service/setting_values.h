// Typed app-setting values: what each SettingType accepts and the form it
// is stored in.
//
//   STRING   any text, stored as given.
//   BOOLEAN  true/false, 1/0, yes/no, on/off in any letter case, without
//            surrounding space; stored as "true" or "false".
//   INTEGER  an optional '+' or '-' and one or more decimal digits, within
//            the range of int64; stored in canonical decimal ("-0012" is
//            stored as "-12", "+0" as "0").
//   JSON     any JSON value (strict RFC 8259, common/json.h) whose numbers
//            fit a double, whose objects have no duplicate keys and whose
//            strings hold no NUL; stored as given.
//
// Text rules (UTF-8, size limits) are validation.h's; this file only
// decides whether a value parses as its type.
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_SETTING_VALUES_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_SETTING_VALUES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage_service/records.h"

namespace opsbrain::service {

// "STRING", "BOOLEAN", "INTEGER" or "JSON", as the API names the types.
absl::string_view SettingTypeName(SettingType type);

// Returns the stored form of `value` for `type`, or INVALID_ARGUMENT
// "<field>: '<value>' is not a valid <TYPE>" (the value cut to 64 bytes in
// the message).
absl::StatusOr<std::string> CanonicalSettingValue(SettingType type,
                                                  absl::string_view value,
                                                  absl::string_view field);

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_SETTING_VALUES_H_
