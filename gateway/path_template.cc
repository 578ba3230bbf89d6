#include "gateway/path_template.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gateway/percent_encoding.h"

namespace opsbrain::gateway {
namespace {

// RFC 3986 pchar, less ':' (it starts the verb) and '%' (templates hold no
// escapes).
bool IsLiteralChar(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) return true;
  return absl::string_view("-._~!$&'()+,;=@").find(c) !=
         absl::string_view::npos;
}

bool IsIdentStart(char c) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_';
}

bool IsIdentChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// A recursive-descent parser over one template; one use per instance.
class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::Status Run(std::vector<PathTemplate::Segment>* segments,
                   std::vector<PathTemplate::Variable>* variables,
                   std::string* verb) {
    segments_ = segments;
    variables_ = variables;
    if (!Consume('/')) return Error("a template starts with '/'");
    absl::Status status = ParseSegments(/*in_variable=*/false);
    if (!status.ok()) return status;
    if (Consume(':')) {
      *verb = ParseLiteral();
      if (verb->empty()) return Error("a verb after ':' is empty");
    }
    if (pos_ != text_.size()) return Error("unexpected character");
    return CheckDoubleWildcard();
  }

 private:
  absl::Status ParseSegments(bool in_variable) {
    while (true) {
      absl::Status status = ParseSegment(in_variable);
      if (!status.ok()) return status;
      if (!Consume('/')) return absl::OkStatus();
    }
  }

  absl::Status ParseSegment(bool in_variable) {
    if (Consume('*')) {
      segments_->push_back({Consume('*')
                                ? PathTemplate::SegmentKind::kDoubleWildcard
                                : PathTemplate::SegmentKind::kWildcard,
                            ""});
      return absl::OkStatus();
    }
    if (Peek('{')) {
      if (in_variable) return Error("variables cannot nest");
      return ParseVariable();
    }
    std::string literal = ParseLiteral();
    if (literal.empty()) return Error("empty or invalid segment");
    segments_->push_back(
        {PathTemplate::SegmentKind::kLiteral, std::move(literal)});
    return absl::OkStatus();
  }

  absl::Status ParseVariable() {
    Consume('{');
    PathTemplate::Variable variable;
    while (true) {
      const size_t start = pos_;
      if (pos_ >= text_.size() || !IsIdentStart(text_[pos_])) {
        return Error("a field name must start with a letter or '_'");
      }
      while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
      absl::StrAppend(&variable.field_path, text_.substr(start, pos_ - start));
      if (!Consume('.')) break;
      variable.field_path.push_back('.');
    }
    for (const PathTemplate::Variable& other : *variables_) {
      if (other.field_path == variable.field_path) {
        return Error(
            absl::StrCat("field '", variable.field_path, "' is bound twice"));
      }
    }

    variable.begin = static_cast<int>(segments_->size());
    if (Consume('=')) {
      absl::Status status = ParseSegments(/*in_variable=*/true);
      if (!status.ok()) return status;
    } else {
      segments_->push_back({PathTemplate::SegmentKind::kWildcard, ""});
    }
    variable.end = static_cast<int>(segments_->size());
    if (!Consume('}')) return Error("expected '}'");
    variables_->push_back(std::move(variable));
    return absl::OkStatus();
  }

  std::string ParseLiteral() {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsLiteralChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  absl::Status CheckDoubleWildcard() {
    for (size_t i = 0; i < segments_->size(); ++i) {
      if ((*segments_)[i].kind == PathTemplate::SegmentKind::kDoubleWildcard &&
          i + 1 != segments_->size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "path template '", text_, "': '**' must be the last segment"));
      }
    }
    return absl::OkStatus();
  }

  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  bool Consume(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "path template '", text_, "' at offset ", pos_, ": ", what));
  }

  absl::string_view text_;
  size_t pos_ = 0;
  std::vector<PathTemplate::Segment>* segments_ = nullptr;
  std::vector<PathTemplate::Variable>* variables_ = nullptr;
};

}  // namespace

std::vector<std::string> SplitPathSegments(absl::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return absl::StrSplit(path, '/');
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate parsed;
  parsed.text_ = std::string(text);
  Parser parser(text);
  absl::Status status =
      parser.Run(&parsed.segments_, &parsed.variables_, &parsed.verb_);
  if (!status.ok()) return status;
  return parsed;
}

std::optional<std::vector<std::string>> PathTemplate::Match(
    absl::Span<const std::string> raw_segments) const {
  if (raw_segments.empty()) return std::nullopt;
  std::vector<std::string> request(raw_segments.begin(), raw_segments.end());

  // Split the verb off the last segment, at its last ':'.
  if (!verb_.empty()) {
    std::string& last = request.back();
    const size_t colon = last.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    absl::StatusOr<std::string> verb = PercentDecode(
        absl::string_view(last).substr(colon + 1), DecodeMode::kSegment);
    if (!verb.ok() || *verb != verb_) return std::nullopt;
    last.resize(colon);
  }

  // Lay the template's segments over the request's.
  for (const std::string& segment : request) {
    if (segment.empty()) return std::nullopt;
  }
  const size_t count = segments_.size();
  if (has_double_wildcard() ? request.size() + 1 < count
                            : request.size() != count) {
    return std::nullopt;
  }
  for (size_t i = 0; i < count; ++i) {
    const Segment& segment = segments_[i];
    if (segment.kind != SegmentKind::kLiteral) continue;
    absl::StatusOr<std::string> decoded =
        PercentDecode(request[i], DecodeMode::kSegment);
    if (!decoded.ok() || *decoded != segment.literal) return std::nullopt;
  }

  // Extract each variable's value; a `**` at the end takes the rest.
  std::vector<std::string> values;
  values.reserve(variables_.size());
  for (const Variable& variable : variables_) {
    const size_t end =
        static_cast<size_t>(variable.end) == count && has_double_wildcard()
            ? request.size()
            : static_cast<size_t>(variable.end);
    const bool single =
        variable.end - variable.begin == 1 &&
        segments_[variable.begin].kind == SegmentKind::kWildcard;
    absl::StatusOr<std::string> value = PercentDecode(
        absl::StrJoin(request.begin() + variable.begin, request.begin() + end,
                      "/"),
        single ? DecodeMode::kSegment : DecodeMode::kMultiSegment);
    if (!value.ok()) return std::nullopt;
    values.push_back(*std::move(value));
  }
  return values;
}

int PathTemplate::literal_count() const {
  int literals = 0;
  for (const Segment& segment : segments_) {
    if (segment.kind == SegmentKind::kLiteral) ++literals;
  }
  return literals;
}

bool PathTemplate::has_double_wildcard() const {
  return !segments_.empty() &&
         segments_.back().kind == SegmentKind::kDoubleWildcard;
}

}  // namespace opsbrain::gateway
