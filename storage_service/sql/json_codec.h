// JSON text for the columns that hold JSON: message and action lists, goal
// metrics, audit values, metric extra data.
//
// The stored text is plain RFC 8259 JSON that both SQLite and PostgreSQL
// (jsonb) accept: what protobuf's MessageToJsonString writes, with an
// object's keys sorted. Decoding is common/json.h's strict parser.
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_JSON_CODEC_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_JSON_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace opsbrain::sql {

// ["a","b"] from {"a", "b"}.
std::string EncodeStringList(const std::vector<std::string>& items);

// The inverse of EncodeStringList; NULL or empty text reads as an empty
// list. DATA_LOSS when the stored text is not a JSON array of strings.
absl::StatusOr<std::vector<std::string>> DecodeStringList(
    absl::string_view json);

// Parses a JSON object. DATA_LOSS when `json` is not one.
absl::StatusOr<google::protobuf::Struct> DecodeObject(absl::string_view json);

// Compact JSON text of `object`.
std::string EncodeObject(const google::protobuf::Struct& object);

// Normalises stored JSON object text (PostgreSQL's jsonb prints its own
// spacing) to the compact form EncodeObject produces.
absl::StatusOr<std::string> NormalizeObject(absl::string_view json);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_JSON_CODEC_H_
