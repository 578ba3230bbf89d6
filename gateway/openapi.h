// The OpenAPI 3.0 document of the gateway, generated at start from the same
// routes (router.h) and message descriptors that serve requests, so that it
// cannot drift from what the gateway does.
//
// It describes every route: its path (a template's variables become path
// parameters named by their field paths; a variable over several segments
// is one parameter whose value may hold '/'), its query parameters (the
// settable fields the path and body leave, by JSON name), its request body
// and response schemas in the proto3 JSON mapping, the error body
// (google.rpc.Status), the If-Match and ETag headers where the record has
// an etag, the scope each route needs (x-opsbrain-scope), and the bearer
// security scheme. The gateway's own endpoints (endpoints.h) are there
// too. HTTP methods outside OpenAPI's set (custom rules such as SEARCH)
// are listed under the path item's x-opsbrain-custom-methods extension.
//
// Thread-safe: a free function without state.
#ifndef OPSBRAIN_GATEWAY_OPENAPI_H_
#define OPSBRAIN_GATEWAY_OPENAPI_H_

#include <string>

#include "absl/status/statusor.h"
#include "gateway/router.h"

namespace opsbrain::gateway {

struct OpenApiOptions {
  std::string title = "OpsBrain Store API";
  std::string version = "v1";
  // When false, no security scheme is declared (the gateway runs with
  // authentication off).
  bool auth = true;
};

// The document as JSON. INTERNAL if it cannot be printed.
absl::StatusOr<std::string> OpenApiDocument(const Router& router,
                                            const OpenApiOptions& options);

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_OPENAPI_H_
