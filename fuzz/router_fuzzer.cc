// Fuzz target: the HTTP path-template matcher (gateway/path_template.h) and
// the router built from the protos' google.api.http rules
// (gateway/router.h).
//
// Input: three fields (fuzz_support.h): a path template, an HTTP method, a
// request path. Invariants checked:
//   - a template that parses parses again from its text() to the same
//     segments, variables and verb, and its variables lie inside it;
//   - a template matches its own instance ("x" for '*', "x/y" for '**'),
//     binding each variable to the instance's text;
//   - a match binds one value per variable, and binds the same values when
//     each single-segment value is percent-encoded again;
//   - the router answers kBadPath exactly for a path that does not start
//     with '/' or holds malformed percent-encoding; kMatched exactly when a
//     route of that method matches, with the most specific such route and
//     the values that route's template binds; kMethodNotAllowed with the
//     sorted methods of the routes that match; kNotFound when none does;
//   - a matched route can bind its values: building the request from them
//     is OK or INVALID_ARGUMENT (a value of the wrong type), and string path
//     fields then hold exactly the bound value.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_support.h"
#include "gateway/field_values.h"
#include "gateway/path_template.h"
#include "gateway/percent_encoding.h"
#include "gateway/router.h"
#include "gateway/transcoder.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "opsbrain/gatewaytest/v1/gateway_test.pb.h"
#include "opsbrain/v1/repository.pb.h"

namespace opsbrain::gateway {
namespace {

using ::opsbrain::fuzz::PercentEncodeAll;
using Kind = PathTemplate::SegmentKind;

// Caps that keep one input fast; longer text finds nothing new here.
constexpr size_t kMaxTemplateBytes = 512;
constexpr size_t kMaxPathBytes = 2048;

const Router& TheRouter() {
  static const Router* router = [] {
    absl::StatusOr<Router> built =
        Router::Build({opsbrain::v1::GetConfigurationRequest::descriptor()
                           ->file()
                           ->FindServiceByName("Repository"),
                       opsbrain::gatewaytest::v1::EchoRequest::descriptor()
                           ->file()
                           ->FindServiceByName("GatewayTest")});
    FUZZ_CHECK(built.ok(), built.status().ToString());
    return new Router(*std::move(built));
  }();
  return *router;
}

void CheckTemplateShape(const PathTemplate& parsed) {
  const int count = static_cast<int>(parsed.segments().size());
  FUZZ_CHECK(count > 0, parsed.text());
  for (int i = 0; i < count; ++i) {
    const PathTemplate::Segment& segment = parsed.segments()[i];
    FUZZ_CHECK(segment.kind != Kind::kDoubleWildcard || i + 1 == count,
               parsed.text());
    FUZZ_CHECK((segment.kind == Kind::kLiteral) != segment.literal.empty(),
               parsed.text());
  }
  for (const PathTemplate::Variable& variable : parsed.variables()) {
    FUZZ_CHECK(0 <= variable.begin && variable.begin < variable.end &&
                   variable.end <= count,
               parsed.text());
    FUZZ_CHECK(!variable.field_path.empty(), parsed.text());
  }

  absl::StatusOr<PathTemplate> again = PathTemplate::Parse(parsed.text());
  FUZZ_CHECK(again.ok(), parsed.text());
  FUZZ_CHECK(again->verb() == parsed.verb(), parsed.text());
  FUZZ_CHECK(again->segments().size() == parsed.segments().size(),
             parsed.text());
  for (size_t i = 0; i < parsed.segments().size(); ++i) {
    FUZZ_CHECK(again->segments()[i].kind == parsed.segments()[i].kind &&
                   again->segments()[i].literal == parsed.segments()[i].literal,
               parsed.text());
  }
  FUZZ_CHECK(again->variables().size() == parsed.variables().size(),
             parsed.text());
  for (size_t i = 0; i < parsed.variables().size(); ++i) {
    const PathTemplate::Variable& a = again->variables()[i];
    const PathTemplate::Variable& b = parsed.variables()[i];
    FUZZ_CHECK(
        a.field_path == b.field_path && a.begin == b.begin && a.end == b.end,
        parsed.text());
  }
}

// The template matches the path it describes.
void CheckOwnInstance(const PathTemplate& parsed) {
  std::vector<std::string> pieces;  // One per template segment.
  for (const PathTemplate::Segment& segment : parsed.segments()) {
    switch (segment.kind) {
      case Kind::kLiteral:
        pieces.push_back(segment.literal);
        break;
      case Kind::kWildcard:
        pieces.push_back("x");
        break;
      case Kind::kDoubleWildcard:
        pieces.push_back("x/y");
        break;
    }
  }
  std::string path = absl::StrCat("/", absl::StrJoin(pieces, "/"));
  if (!parsed.verb().empty()) absl::StrAppend(&path, ":", parsed.verb());

  std::optional<std::vector<std::string>> values =
      parsed.Match(SplitPathSegments(path));
  FUZZ_CHECK(values.has_value(),
             absl::StrCat(parsed.text(), " does not match ", path));
  FUZZ_CHECK(values->size() == parsed.variables().size(), parsed.text());
  for (size_t i = 0; i < values->size(); ++i) {
    const PathTemplate::Variable& variable = parsed.variables()[i];
    const std::string want = absl::StrJoin(pieces.begin() + variable.begin,
                                           pieces.begin() + variable.end, "/");
    FUZZ_CHECK((*values)[i] == want,
               absl::StrCat(parsed.text(), " bound '", (*values)[i],
                            "' instead of '", want, "' in ", path));
  }
}

void CheckMatch(const PathTemplate& parsed, absl::string_view path) {
  const std::vector<std::string> raw = SplitPathSegments(path);
  std::optional<std::vector<std::string>> values = parsed.Match(raw);
  if (!values.has_value()) return;
  FUZZ_CHECK(values->size() == parsed.variables().size(), parsed.text());
  for (const std::string& segment : raw) {
    FUZZ_CHECK(!segment.empty(), "an empty segment matched");
  }

  // Spell every single-segment value with escapes only; the match binds the
  // same values.
  std::vector<std::string> respelled = raw;
  for (size_t i = 0; i < values->size(); ++i) {
    const PathTemplate::Variable& variable = parsed.variables()[i];
    if (variable.end - variable.begin != 1 ||
        parsed.segments()[variable.begin].kind != Kind::kWildcard) {
      continue;
    }
    std::string& segment = respelled[variable.begin];
    std::string verb_part;
    if (!parsed.verb().empty() &&
        static_cast<size_t>(variable.begin) + 1 == respelled.size()) {
      verb_part = segment.substr(segment.rfind(':'));
    }
    segment = PercentEncodeAll((*values)[i]) + verb_part;
  }
  std::optional<std::vector<std::string>> again = parsed.Match(respelled);
  FUZZ_CHECK(again.has_value() && *again == *values,
             absl::StrCat(parsed.text(), " no longer matches ",
                          absl::StrJoin(respelled, "/")));
}

// Route ranking, as router.h documents it: a verb, then no '**', then more
// literal segments.
std::tuple<bool, bool, int> Rank(const Route& route) {
  return {!route.path.verb().empty(), !route.path.has_double_wildcard(),
          route.path.literal_count()};
}

// The field at the end of `path` in `message`, as text, for string fields.
std::optional<std::string> StringAt(const google::protobuf::Message& message,
                                    const FieldPath& path) {
  const google::protobuf::Message* current = &message;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    current = &current->GetReflection()->GetMessage(*current, path[i]);
  }
  const google::protobuf::FieldDescriptor* last = path.back();
  if (last->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return std::nullopt;
  }
  return current->GetReflection()->GetString(*current, last);
}

void CheckRouter(absl::string_view method, absl::string_view path) {
  const Router& router = TheRouter();
  const RouteMatch match = router.Match(method, path);
  const bool bad =
      path.empty() || path.front() != '/' || !IsWellFormedPercentEncoding(path);
  FUZZ_CHECK((match.outcome == RouteMatch::Outcome::kBadPath) == bad,
             std::string(path));
  if (bad) {
    FUZZ_CHECK(!match.error.empty(), "kBadPath without a reason");
    return;
  }

  const std::vector<std::string> segments = SplitPathSegments(path);
  std::set<std::string> other_methods;
  const Route* best = nullptr;
  for (const Route& route : router.routes()) {
    if (!route.path.Match(segments).has_value()) continue;
    if (route.http_method != method) {
      other_methods.insert(route.http_method);
    } else if (best == nullptr || Rank(route) > Rank(*best)) {
      best = &route;
    }
  }

  switch (match.outcome) {
    case RouteMatch::Outcome::kMatched: {
      FUZZ_CHECK(best != nullptr && match.route != nullptr, std::string(path));
      FUZZ_CHECK(match.route->http_method == method, std::string(path));
      FUZZ_CHECK(Rank(*match.route) == Rank(*best),
                 absl::StrCat(path, ": ", match.route->path.text(),
                              " won over ", best->path.text()));
      std::optional<std::vector<std::string>> values =
          match.route->path.Match(segments);
      FUZZ_CHECK(values.has_value() && *values == match.path_values,
                 std::string(path));
      FUZZ_CHECK(match.path_values.size() == match.route->path_fields.size(),
                 std::string(path));

      // The values bind to the request's fields.
      absl::StatusOr<std::unique_ptr<google::protobuf::Message>> request =
          BuildRequest(*match.route, match.path_values, "", "");
      FUZZ_CHECK(request.ok() || request.status().code() ==
                                     absl::StatusCode::kInvalidArgument,
                 request.status().ToString());
      if (!request.ok()) return;
      for (size_t i = 0; i < match.path_values.size(); ++i) {
        std::optional<std::string> bound =
            StringAt(**request, match.route->path_fields[i]);
        FUZZ_CHECK(!bound.has_value() || *bound == match.path_values[i],
                   absl::StrCat(path, ": field ",
                                FieldPathName(match.route->path_fields[i]),
                                " holds another value than the path's"));
      }
      return;
    }
    case RouteMatch::Outcome::kMethodNotAllowed:
      FUZZ_CHECK(best == nullptr && !other_methods.empty(), std::string(path));
      FUZZ_CHECK(
          match.allowed == std::vector<std::string>(other_methods.begin(),
                                                    other_methods.end()),
          std::string(path));
      return;
    case RouteMatch::Outcome::kNotFound:
      FUZZ_CHECK(best == nullptr && other_methods.empty(), std::string(path));
      return;
    case RouteMatch::Outcome::kBadPath:
      FUZZ_CHECK(false, "kBadPath for a well-formed path");
  }
}

}  // namespace
}  // namespace opsbrain::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opsbrain::gateway;  // NOLINT: the target's own namespace.
  const std::vector<absl::string_view> fields =
      opsbrain::fuzz::SplitFields(opsbrain::fuzz::AsText(data, size), 3);
  const absl::string_view text = fields[0];
  const absl::string_view method = fields[1];
  const absl::string_view path = fields[2];
  if (text.size() > kMaxTemplateBytes || path.size() > kMaxPathBytes) {
    return -1;  // Not added to the corpus.
  }

  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(text);
  if (parsed.ok()) {
    CheckTemplateShape(*parsed);
    CheckOwnInstance(*parsed);
    if (!path.empty() && path.front() == '/') CheckMatch(*parsed, path);
  } else {
    FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument,
               parsed.status().ToString());
  }
  CheckRouter(method, path);
  return 0;
}
