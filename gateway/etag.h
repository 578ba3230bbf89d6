// Where a record's etag lives in request and response messages, so that
// the HTTP ETag and If-Match headers can stand for it.
//
// Thread-safe: free functions without state.
#ifndef OPSBRAIN_GATEWAY_ETAG_H_
#define OPSBRAIN_GATEWAY_ETAG_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/field_values.h"
#include "gateway/router.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace opsbrain::gateway {

// The singular string field named `etag` of `type`, or nullptr.
const google::protobuf::FieldDescriptor* EtagField(
    const google::protobuf::Descriptor* type);

// The request field an If-Match header fills on `route`: on a route whose
// body is a field (an update), that record's etag; otherwise the request's
// own etag (a delete). nullopt when there is none.
std::optional<FieldPath> IfMatchTarget(const Route& route);

// The entity tag of an If-Match value: `"abc"` gives abc. INVALID_ARGUMENT
// for a weak tag (W/"..."), a list, `*`, or anything unquoted, since the
// store compares exactly one strong tag.
absl::StatusOr<std::string> ParseIfMatch(absl::string_view value);

// The ETag header value for `etag`: the tag in double quotes.
std::string ETagHeaderValue(absl::string_view etag);

// The etag of a response message (its top-level `etag` field), or "".
std::string EtagOf(const google::protobuf::Message& message);

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_ETAG_H_
