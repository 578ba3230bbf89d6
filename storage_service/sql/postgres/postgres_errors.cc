#include "storage_service/sql/postgres/postgres_errors.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace opsbrain::sql {
namespace {

// Five characters match one SQLSTATE, two match its class. The first
// matching rule wins, so exact codes come before their class.
struct Rule {
  std::string_view pattern;
  absl::StatusCode code;
};

constexpr Rule kRules[] = {
    {"23505", absl::StatusCode::kAlreadyExists},
    {"40001", absl::StatusCode::kAborted},
    {"40P01", absl::StatusCode::kAborted},
    // lock_not_available: a lock_timeout or NOWAIT gave up on a lock that
    // another transaction holds.
    {"55P03", absl::StatusCode::kAborted},
    {"57014", absl::StatusCode::kDeadlineExceeded},
    {"57P01", absl::StatusCode::kUnavailable},
    {"57P02", absl::StatusCode::kUnavailable},
    {"57P03", absl::StatusCode::kUnavailable},
    {"53300", absl::StatusCode::kUnavailable},
    {"53100", absl::StatusCode::kResourceExhausted},
    {"53200", absl::StatusCode::kResourceExhausted},
    // The server reports a parameter count that does not match the statement
    // as a protocol violation; retrying cannot help.
    {"08P01", absl::StatusCode::kInternal},
    {"23", absl::StatusCode::kFailedPrecondition},
    {"22", absl::StatusCode::kInvalidArgument},
    {"08", absl::StatusCode::kUnavailable},
    {"42", absl::StatusCode::kInternal},
};

bool Matches(std::string_view pattern, std::string_view sqlstate) {
  if (sqlstate.size() != 5) return false;
  return sqlstate.substr(0, pattern.size()) == pattern;
}

}  // namespace

absl::StatusCode PostgresStatusCode(std::string_view sqlstate) {
  if (sqlstate.empty()) return absl::StatusCode::kUnavailable;
  for (const Rule& rule : kRules) {
    if (Matches(rule.pattern, sqlstate)) return rule.code;
  }
  return absl::StatusCode::kInternal;
}

absl::Status PostgresStatus(std::string_view sqlstate, std::string_view what) {
  const absl::string_view what_text(what.data(), what.size());
  if (sqlstate.empty()) {
    return absl::Status(PostgresStatusCode(sqlstate), what_text);
  }
  return absl::Status(
      PostgresStatusCode(sqlstate),
      absl::StrCat(what_text, " (SQLSTATE ",
                   absl::string_view(sqlstate.data(), sqlstate.size()), ")"));
}

std::string SafePrimaryMessage(std::string_view sqlstate,
                               std::string_view primary) {
  if (sqlstate.substr(0, 2) != "22") return std::string(primary);

  // From the first quote to the last: a value may itself hold quotes, which
  // the server does not escape.
  const size_t first = primary.find('"');
  if (first == std::string_view::npos) return std::string(primary);
  const size_t last = primary.rfind('"');
  std::string safe(primary.substr(0, first));
  safe += "\"...\"";
  if (last > first) safe += primary.substr(last + 1);
  return safe;
}

}  // namespace opsbrain::sql
