#include "storage_service/sql/sqlite/sqlite_errors.h"

#include <sqlite3.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace opsbrain::sql {
namespace {

absl::StatusCode CanonicalCode(int extended_code) {
  // Constraint failures are told apart by their extended code: a duplicate
  // key is something the caller can look up, the others are broken rules.
  switch (extended_code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return absl::StatusCode::kAlreadyExists;
    case SQLITE_CONSTRAINT_DATATYPE:
      // A STRICT table refusing a value of the wrong type: the SQLite form
      // of "invalid text for a column's type".
      return absl::StatusCode::kInvalidArgument;
    default:
      break;
  }

  switch (extended_code & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_READONLY:
      return absl::StatusCode::kFailedPrecondition;
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return absl::StatusCode::kInvalidArgument;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
      return absl::StatusCode::kUnavailable;
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return absl::StatusCode::kResourceExhausted;
    case SQLITE_INTERRUPT:
      return absl::StatusCode::kDeadlineExceeded;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::StatusCode::kDataLoss;
    default:
      return absl::StatusCode::kInternal;
  }
}

// Debian's Abseil keeps its own string_view type, which std::string_view
// does not convert to.
absl::string_view ToAbsl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

}  // namespace

absl::Status SqliteStatus(int extended_code, std::string_view what) {
  return absl::Status(
      CanonicalCode(extended_code),
      absl::StrCat(ToAbsl(what), ": ", sqlite3_errstr(extended_code)));
}

absl::Status SqliteStatus(sqlite3* db, int extended_code,
                          std::string_view what) {
  const char* generic = sqlite3_errstr(extended_code);
  std::string message = absl::StrCat(ToAbsl(what), ": ", generic);

  // The connection's message may belong to an older call when the failure
  // came from elsewhere (a bind, say); use it only when it is about this one.
  if (db != nullptr &&
      (sqlite3_extended_errcode(db) & 0xff) == (extended_code & 0xff)) {
    const char* specific = sqlite3_errmsg(db);
    if (specific != nullptr && std::string_view(specific) != generic) {
      absl::StrAppend(&message, " (", specific, ")");
    }
  }
  return absl::Status(CanonicalCode(extended_code), message);
}

}  // namespace opsbrain::sql
