// What the store holds, read through the gateway's list routes page by
// page, as canonical JSON per record, so that two readings compare equal
// exactly when the records are the same.
#ifndef OPSBRAIN_TESTS_HOSTILE_STORE_SNAPSHOT_H_
#define OPSBRAIN_TESTS_HOSTILE_STORE_SNAPSHOT_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace opsbrain::hostile {

// JSON with object keys in sorted order.
std::string CanonicalJson(const google::protobuf::Value& value);

// Parses a JSON object.
absl::StatusOr<google::protobuf::Struct> ParseObject(absl::string_view json);

// GETs `target` and returns the body of a 200 (else an error).
using HttpGet = std::function<absl::StatusOr<std::string>(const std::string&)>;

// By list target (e.g. "/v1/configurations"), every record of every page,
// as canonical JSON, except those `exclude` says to leave out.
using Snapshot = std::map<std::string, std::vector<std::string>>;

absl::StatusOr<Snapshot> TakeSnapshot(
    const std::vector<std::string>& list_targets, const HttpGet& get,
    const std::function<bool(const google::protobuf::Struct&)>& exclude);

}  // namespace opsbrain::hostile

#endif  // OPSBRAIN_TESTS_HOSTILE_STORE_SNAPSHOT_H_
