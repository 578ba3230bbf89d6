#include "gateway/router.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gateway/field_values.h"
#include "gateway/path_template.h"
#include "gateway/percent_encoding.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.h"

namespace opsbrain::gateway {
namespace {

using ::google::api::HttpRule;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::MethodDescriptor;

absl::Status RuleError(const MethodDescriptor* method, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("google.api.http of ", method->full_name(), ": ", what));
}

// The HTTP method and path template of a rule's pattern.
absl::Status PatternOf(const MethodDescriptor* method, const HttpRule& rule,
                       std::string* http_method, std::string* path) {
  switch (rule.pattern_case()) {
    case HttpRule::kGet:
      *http_method = "GET";
      *path = rule.get();
      return absl::OkStatus();
    case HttpRule::kPut:
      *http_method = "PUT";
      *path = rule.put();
      return absl::OkStatus();
    case HttpRule::kPost:
      *http_method = "POST";
      *path = rule.post();
      return absl::OkStatus();
    case HttpRule::kDelete:
      *http_method = "DELETE";
      *path = rule.delete_();
      return absl::OkStatus();
    case HttpRule::kPatch:
      *http_method = "PATCH";
      *path = rule.patch();
      return absl::OkStatus();
    case HttpRule::kCustom:
      if (rule.custom().kind().empty()) {
        return RuleError(method, "a custom pattern needs a kind");
      }
      *http_method = rule.custom().kind();
      *path = rule.custom().path();
      return absl::OkStatus();
    case HttpRule::PATTERN_NOT_SET:
      break;
  }
  return RuleError(method, "no pattern (get, put, post, ...) is set");
}

absl::StatusOr<Route> RouteOf(const MethodDescriptor* method,
                              const HttpRule& rule) {
  Route route;
  route.method = method;
  route.grpc_method =
      absl::StrCat("/", method->service()->full_name(), "/", method->name());

  // The pattern and its template.
  std::string path;
  absl::Status status = PatternOf(method, rule, &route.http_method, &path);
  if (!status.ok()) return status;
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(path);
  if (!parsed.ok()) return RuleError(method, parsed.status().message());
  route.path = *std::move(parsed);

  // Each variable names a singular scalar of the request.
  for (const PathTemplate::Variable& variable : route.path.variables()) {
    absl::StatusOr<FieldPath> field = ResolveFieldPath(
        method->input_type(), variable.field_path, FieldNames::kProto);
    if (!field.ok()) return RuleError(method, field.status().message());
    if (field->back()->is_repeated() || !IsSettableFromText(field->back())) {
      return RuleError(method,
                       absl::StrCat("path variable '", variable.field_path,
                                    "' must be a singular scalar"));
    }
    route.path_fields.push_back(*std::move(field));
  }

  // The body: none, all of the request, or one message field of it.
  if (rule.body().empty()) {
    route.body = BodyKind::kNone;
  } else if (rule.body() == "*") {
    route.body = BodyKind::kWhole;
  } else {
    const FieldDescriptor* field =
        method->input_type()->FindFieldByName(rule.body());
    if (field == nullptr || field->is_repeated() ||
        field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return RuleError(method, absl::StrCat("body '", rule.body(),
                                            "' must name a singular message "
                                            "field of the request"));
    }
    route.body = BodyKind::kField;
    route.body_field = field;
  }

  // The gateway always answers with the whole response message.
  if (!rule.response_body().empty()) {
    return RuleError(method, "response_body is not supported");
  }
  return route;
}

// True when `a` should win over `b` for a path both match.
bool MoreSpecific(const Route& a, const Route& b) {
  const PathTemplate& x = a.path;
  const PathTemplate& y = b.path;
  if (x.verb().empty() != y.verb().empty()) return !x.verb().empty();
  if (x.has_double_wildcard() != y.has_double_wildcard()) {
    return !x.has_double_wildcard();
  }
  return x.literal_count() > y.literal_count();
}

}  // namespace

absl::StatusOr<Router> Router::Build(
    absl::Span<const google::protobuf::ServiceDescriptor* const> services) {
  Router router;
  for (const google::protobuf::ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      if (!method->options().HasExtension(google::api::http)) continue;
      if (method->client_streaming() || method->server_streaming()) {
        return RuleError(method, "streaming methods cannot be transcoded");
      }

      // The rule itself, then its additional bindings.
      const HttpRule& rule = method->options().GetExtension(google::api::http);
      std::vector<const HttpRule*> rules = {&rule};
      for (const HttpRule& binding : rule.additional_bindings()) {
        if (binding.additional_bindings_size() > 0) {
          return RuleError(method, "additional_bindings cannot nest");
        }
        rules.push_back(&binding);
      }
      for (const HttpRule* one : rules) {
        absl::StatusOr<Route> route = RouteOf(method, *one);
        if (!route.ok()) return route.status();
        router.routes_.push_back(*std::move(route));
      }
    }
  }

  // Two routes with one method and one template would be ambiguous.
  for (size_t i = 0; i < router.routes_.size(); ++i) {
    for (size_t j = i + 1; j < router.routes_.size(); ++j) {
      const Route& a = router.routes_[i];
      const Route& b = router.routes_[j];
      if (a.http_method == b.http_method && a.path.text() == b.path.text()) {
        return RuleError(
            b.method,
            absl::StrCat(a.http_method, " ", a.path.text(),
                         " is also bound to ", a.method->full_name()));
      }
    }
  }
  return router;
}

RouteMatch Router::Match(absl::string_view http_method,
                         absl::string_view path) const {
  RouteMatch match;
  if (path.empty() || path.front() != '/') {
    match.outcome = RouteMatch::Outcome::kBadPath;
    match.error = "the request target must be a path starting with '/'";
    return match;
  }
  if (!IsWellFormedPercentEncoding(path)) {
    match.outcome = RouteMatch::Outcome::kBadPath;
    match.error = "malformed percent-encoding in the path";
    return match;
  }

  const std::vector<std::string> segments = SplitPathSegments(path);
  absl::btree_set<std::string> allowed;
  for (const Route& route : routes_) {
    std::optional<std::vector<std::string>> values = route.path.Match(segments);
    if (!values.has_value()) continue;
    if (route.http_method != http_method) {
      allowed.insert(route.http_method);
      continue;
    }
    if (match.route == nullptr || MoreSpecific(route, *match.route)) {
      match.route = &route;
      match.path_values = *std::move(values);
    }
  }

  if (match.route != nullptr) {
    match.outcome = RouteMatch::Outcome::kMatched;
  } else if (!allowed.empty()) {
    match.outcome = RouteMatch::Outcome::kMethodNotAllowed;
    match.allowed.assign(allowed.begin(), allowed.end());
  } else {
    match.outcome = RouteMatch::Outcome::kNotFound;
  }
  return match;
}

}  // namespace opsbrain::gateway
