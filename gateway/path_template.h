// Path templates of google.api.http rules, parsed and matched.
//
// The grammar, from google/api/http.proto:
//
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   FieldPath = IDENT { "." IDENT } ;
//   Verb     = ":" LITERAL ;
//
// `**` may appear once, as the last segment. `{name}` is `{name=*}`.
//
// Thread-safe: a PathTemplate is immutable once parsed.
#ifndef OPSBRAIN_GATEWAY_PATH_TEMPLATE_H_
#define OPSBRAIN_GATEWAY_PATH_TEMPLATE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace opsbrain::gateway {

// Splits a request path ("/a/b%2Fc") into its raw, still percent-encoded
// segments ({"a", "b%2Fc"}). Empty segments are kept: "/a//b/" gives
// {"a", "", "b", ""}. `path` must start with '/'.
std::vector<std::string> SplitPathSegments(absl::string_view path);

class PathTemplate {
 public:
  enum class SegmentKind { kLiteral, kWildcard, kDoubleWildcard };

  struct Segment {
    SegmentKind kind;
    std::string literal;  // Only for kLiteral.
  };

  // A variable binds the request text of segments [begin, end) to a field.
  struct Variable {
    std::string field_path;  // Dotted, as written: "parent.child".
    int begin;
    int end;
  };

  // An empty template, which matches nothing.
  PathTemplate() = default;

  // Parses `text`; a template outside the grammar is INVALID_ARGUMENT with
  // the position of the fault.
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // Matches the raw segments of a request path (see SplitPathSegments). On
  // a match, returns one decoded value per variable, in the order of
  // variables(); otherwise nullopt.
  //
  // - An empty segment never matches, so a trailing slash or "//" does not.
  // - When the template has a verb, the request's last segment must end in
  //   ":verb" and the text before the last ':' is the segment. Without a
  //   verb, a ':' is an ordinary character of the segment.
  // - Literals and verbs compare with the decoded request text.
  // - A variable over one segment decodes every escape ("%2F" gives '/'); a
  //   variable over several keeps "%2F" as it came, as http.proto says.
  std::optional<std::vector<std::string>> Match(
      absl::Span<const std::string> raw_segments) const;

  const std::string& text() const { return text_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<Variable>& variables() const { return variables_; }
  const std::string& verb() const { return verb_; }

  // For ranking templates that match the same path.
  int literal_count() const;
  bool has_double_wildcard() const;

 private:
  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_PATH_TEMPLATE_H_
