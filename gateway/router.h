// The HTTP routes of gRPC methods, read from their google.api.http options.
//
// Router::Build walks the given services at start-up and turns every
// HttpRule (and its additional_bindings) into a Route; no route is written
// by hand. Match finds the route of a request by HTTP method and path.
//
// Thread-safe: a Router is immutable once built.
#ifndef OPSBRAIN_GATEWAY_ROUTER_H_
#define OPSBRAIN_GATEWAY_ROUTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gateway/field_values.h"
#include "gateway/path_template.h"
#include "google/protobuf/descriptor.h"

namespace opsbrain::gateway {

enum class BodyKind {
  kNone,   // body: "" - the request carries no body.
  kWhole,  // body: "*" - the body is the whole request message.
  kField,  // body: "field" - the body is that top-level message field.
};

struct Route {
  std::string http_method;  // "GET", ..., or a custom rule's kind.
  PathTemplate path;
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string grpc_method;  // "/package.Service/Method".
  BodyKind body = BodyKind::kNone;
  const google::protobuf::FieldDescriptor* body_field = nullptr;
  std::vector<FieldPath> path_fields;  // One per path.variables().
};

struct RouteMatch {
  enum class Outcome {
    kMatched,
    kNotFound,          // No route has this path.
    kMethodNotAllowed,  // Routes have this path, under other methods.
    kBadPath,           // The path is not a well-formed origin-form path.
  };

  Outcome outcome = Outcome::kNotFound;
  const Route* route = nullptr;          // kMatched.
  std::vector<std::string> path_values;  // kMatched: decoded, per variable.
  std::vector<std::string> allowed;      // kMethodNotAllowed: sorted.
  std::string error;                     // kBadPath.
};

class Router {
 public:
  // Builds the routes of every method of `services` that carries a
  // google.api.http option. INVALID_ARGUMENT, naming the method, for a rule
  // the gateway cannot serve: a template outside the grammar, a variable
  // naming no field or a field that is repeated or not a scalar, a body
  // field that is not a singular message, a response_body, a streaming
  // method, or two rules with the same method and template.
  static absl::StatusOr<Router> Build(
      absl::Span<const google::protobuf::ServiceDescriptor* const> services);

  // Finds the route for `http_method` and `path` (the request target
  // without its query). When several templates match, the most specific
  // wins: one with a verb, then one without '**', then the one with more
  // literal segments, then the one declared first.
  RouteMatch Match(absl::string_view http_method, absl::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_ROUTER_H_
