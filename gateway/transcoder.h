// Transcoding between HTTP/JSON and protobuf messages for one route.
//
// JSON is the proto3 JSON mapping, read and printed by Protobuf's
// util/json_util.h: lowerCamelCase names on output (both forms accepted on
// input), 64-bit integers as strings, enums by name, Timestamps as RFC 3339.
//
// Thread-safe: free functions without state.
#ifndef OPSBRAIN_GATEWAY_TRANSCODER_H_
#define OPSBRAIN_GATEWAY_TRANSCODER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gateway/router.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace opsbrain::gateway {

struct TranscodeOptions {
  // Skip unknown JSON fields and unknown query parameters instead of
  // answering INVALID_ARGUMENT (for clients newer than the gateway's
  // protos). Off: strict input.
  bool ignore_unknown_fields = false;
};

// Builds the request message of `route` from a request: first the body
// (the whole message for body "*", the named field for body "field"), then
// the path values (so the path wins over the body), then the query
// parameters for the fields neither of them set (see query_params.h).
//
// INVALID_ARGUMENT, naming the field, for JSON that does not parse, a value
// of the wrong type, an unknown JSON field or query parameter (unless
// `options` ignores them), a singular query parameter given twice, a body
// on a route without one, or query parameters on a route whose body is
// "*". An empty body on a route with one is an empty message.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> BuildRequest(
    const Route& route, absl::Span<const std::string> path_values,
    absl::string_view query, absl::string_view body,
    const TranscodeOptions& options = {});

// Parses `bytes` as a message of `type`. INTERNAL when they do not parse.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ParseResponse(
    const google::protobuf::Descriptor* type, const std::string& bytes);

// Prints `message` as a response body. Fields at their default value are
// printed too (0, "", false, [], the zero enum), so a REST client sees
// every field of the type; unset message fields (a Timestamp never set)
// are left out, since null would say no more. INTERNAL if printing fails.
absl::StatusOr<std::string> MessageToJson(
    const google::protobuf::Message& message);

// Parses `bytes` as a message of `type` and prints it as MessageToJson
// does. INTERNAL when the bytes do not parse.
absl::StatusOr<std::string> ResponseToJson(
    const google::protobuf::Descriptor* type, const std::string& bytes);

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_TRANSCODER_H_
