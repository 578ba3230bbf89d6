// Setting protobuf fields, named by dotted paths, from text: the values of
// path variables and query parameters.
//
// Text reads as the proto3 JSON mapping would read the same value in a JSON
// string: integers in decimal (64-bit ones too), enums by name, bools as
// true/false, bytes as base64, Timestamps as RFC 3339, Durations as "1.5s",
// FieldMasks as comma-separated paths, wrapper types as their value.
//
// Thread-safe: free functions without state.
#ifndef OPSBRAIN_GATEWAY_FIELD_VALUES_H_
#define OPSBRAIN_GATEWAY_FIELD_VALUES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace opsbrain::gateway {

using FieldPath = std::vector<const google::protobuf::FieldDescriptor*>;

// How the names in a dotted path are looked up.
enum class FieldNames {
  kProto,        // Proto field names only ("thread_key"): templates.
  kProtoOrJson,  // Also JSON names ("threadKey"): query parameters.
};

// Resolves "a.b.c" from `type`. Every field but the last must be a singular
// message; an unknown name is INVALID_ARGUMENT naming it.
absl::StatusOr<FieldPath> ResolveFieldPath(
    const google::protobuf::Descriptor* type, absl::string_view dotted,
    FieldNames names);

// The path in proto names, dotted: "parent.child".
std::string FieldPathName(const FieldPath& path);

// True when one text value can set a field of this message type: the
// Timestamp, Duration and FieldMask types and the wrapper types.
bool IsTextualMessage(const google::protobuf::Descriptor* type);

// True when SetFieldFromText can set `field`: a scalar, an enum or a
// textual message, singular or repeated, and not a map.
bool IsSettableFromText(const google::protobuf::FieldDescriptor* field);

// Sets the last field of `path` in `message` from `text`, creating the
// messages on the way. A repeated field gets `text` appended. A value that
// does not parse as the field's type (or a string that is not UTF-8) is
// INVALID_ARGUMENT naming the field.
absl::Status SetFieldFromText(google::protobuf::Message* message,
                              const FieldPath& path, absl::string_view text);

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_FIELD_VALUES_H_
