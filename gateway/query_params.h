// Query parameters: parsing the query string and setting the request fields
// it names.
//
// Names are dotted field paths from the request message, in proto names or
// JSON names ("page_size" or "pageSize", "parent.child_name"). A repeated
// field takes one value per occurrence of its key ("tag=a&tag=b"). Values
// read as field_values.h says (enums by name, Timestamps as RFC 3339).
//
// Thread-safe: free functions without state.
#ifndef OPSBRAIN_GATEWAY_QUERY_PARAMS_H_
#define OPSBRAIN_GATEWAY_QUERY_PARAMS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gateway/field_values.h"
#include "google/protobuf/message.h"

namespace opsbrain::gateway {

struct QueryParam {
  std::string name;
  std::string value;
};

// Splits `query` (the text after '?', without it) into decoded name/value
// pairs, in order; '+' reads as a space. Empty pieces ("a=1&&b=2") are
// skipped and a piece without '=' has an empty value. Malformed
// percent-encoding or an empty name is INVALID_ARGUMENT.
absl::StatusOr<std::vector<QueryParam>> ParseQueryString(
    absl::string_view query);

// Sets the fields of `message` that `params` name. INVALID_ARGUMENT, naming
// the parameter, when a name is unknown (unless `ignore_unknown`, which
// skips it), when a value does not parse, when a singular field is given
// twice, or when the field is (or contains, or lies inside) one of `bound`:
// the fields the path or the body already set.
absl::Status ApplyQueryParams(absl::Span<const QueryParam> params,
                              absl::Span<const FieldPath> bound,
                              google::protobuf::Message* message,
                              bool ignore_unknown = false);

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_QUERY_PARAMS_H_
