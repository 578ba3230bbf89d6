#include "migrator/legacy_reader.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"

namespace opsbrain::migrator {
namespace {

struct StatementDeleter {
  void operator()(sqlite3_stmt* statement) const {
    sqlite3_finalize(statement);
  }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

struct DatabaseDeleter {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

std::string Basename(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return std::string(slash == absl::string_view::npos ? path
                                                      : path.substr(slash + 1));
}

// The status for a failed SQLite call on `path`.
absl::Status SqliteError(sqlite3* db, int code, absl::string_view path,
                         absl::string_view doing) {
  const std::string message = absl::StrCat(
      path, ": ", doing, ": ", db != nullptr ? sqlite3_errmsg(db) : "", " (",
      sqlite3_errstr(code), ")");
  switch (code & 0xFF) {
    case SQLITE_NOTADB:
      return absl::FailedPreconditionError(
          absl::StrCat(path, " is not a SQLite database"));
    case SQLITE_CORRUPT:
      return absl::DataLossError(
          absl::StrCat(path, " is corrupt: ", doing, ": ",
                       db != nullptr ? sqlite3_errmsg(db) : ""));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_PERM:
      return absl::UnavailableError(message);
    default:
      return absl::FailedPreconditionError(message);
  }
}

absl::StatusOr<Statement> Prepare(sqlite3* db, const std::string& sql,
                                  absl::string_view path) {
  sqlite3_stmt* raw = nullptr;
  const int code = sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr);
  Statement statement(raw);
  if (code != SQLITE_OK) return SqliteError(db, code, path, "reading schema");
  return statement;
}

// Runs `sql` and returns the first column of every row as text.
absl::StatusOr<std::vector<std::string>> QueryColumn(sqlite3* db,
                                                     const std::string& sql,
                                                     absl::string_view path,
                                                     absl::string_view doing) {
  sqlite3_stmt* raw = nullptr;
  int code = sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr);
  Statement statement(raw);
  if (code != SQLITE_OK) return SqliteError(db, code, path, doing);
  std::vector<std::string> values;
  while ((code = sqlite3_step(statement.get())) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement.get(), 0);
    values.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text)
                                        : "");
  }
  if (code != SQLITE_DONE) return SqliteError(db, code, path, doing);
  return values;
}

std::string Quoted(absl::string_view name) {
  return absl::StrCat("\"", name, "\"");
}

LegacyValue ReadCell(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_INTEGER: {
      LegacyValue value =
          LegacyValue::Integer(sqlite3_column_int64(statement, column));
      value.text =
          reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
      return value;
    }
    case SQLITE_FLOAT: {
      LegacyValue value =
          LegacyValue::Real(sqlite3_column_double(statement, column));
      value.text =
          reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
      return value;
    }
    case SQLITE_TEXT: {
      const auto* bytes =
          reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
      return LegacyValue::Text(
          std::string(bytes, sqlite3_column_bytes(statement, column)));
    }
    case SQLITE_BLOB: {
      const auto* bytes =
          static_cast<const char*>(sqlite3_column_blob(statement, column));
      const int size = sqlite3_column_bytes(statement, column);
      return LegacyValue::Blob(bytes == nullptr ? std::string()
                                                : std::string(bytes, size));
    }
    default:
      return LegacyValue::Null();
  }
}

}  // namespace

LegacyValue LegacyValue::Integer(int64_t value) {
  LegacyValue result;
  result.type = Type::kInteger;
  result.integer = value;
  result.text = absl::StrCat(value);
  return result;
}

LegacyValue LegacyValue::Real(double value) {
  LegacyValue result;
  result.type = Type::kReal;
  result.real = value;
  // As SQLite renders a REAL ("%!.15g"): 12.0 keeps its ".0".
  result.text = absl::StrFormat("%.15g", value);
  if (std::isfinite(value) &&
      result.text.find_first_of(".e") == std::string::npos) {
    result.text.append(".0");
  }
  return result;
}

LegacyValue LegacyValue::Text(std::string value) {
  LegacyValue result;
  result.type = Type::kText;
  result.text = std::move(value);
  return result;
}

LegacyValue LegacyValue::Blob(std::string value) {
  LegacyValue result;
  result.type = Type::kBlob;
  result.text = std::move(value);
  return result;
}

void LegacyRow::Set(std::string column, LegacyValue value) {
  values_[std::move(column)] = std::move(value);
}

const LegacyValue& LegacyRow::Get(absl::string_view column) const {
  static const LegacyValue* const kNull = new LegacyValue();
  auto it = values_.find(column);
  return it == values_.end() ? *kNull : it->second;
}

const std::vector<LegacyTableSpec>& LegacyTables() {
  static const auto* const kTables = new std::vector<LegacyTableSpec>{
      {"configurations",
       {"id", "key", "value", "category", "description", "is_sensitive",
        "created_at", "updated_at"},
       {"key"}},
      {"thread_contexts",
       {"id", "thread_key", "channel_id", "thread_ts", "messages", "created_at",
        "updated_at", "expires_at"},
       {"thread_key"}},
      {"business_goals",
       {"id", "title", "description", "area", "status", "priority",
        "target_date", "progress", "weekly_actions", "daily_actions",
        "success_metrics", "notes", "created_at", "updated_at"},
       {"id"}},
      {"app_settings",
       {"id", "setting_key", "setting_value", "setting_type", "description",
        "created_at", "updated_at"},
       {"setting_key"}},
      {"user_preferences",
       {"id", "user_id", "preference_key", "preference_value", "created_at",
        "updated_at"},
       {"user_id", "preference_key"}},
      {"config_audit",
       {"id", "table_name", "record_id", "action", "old_values", "new_values",
        "changed_by", "changed_at"},
       {"id"}},
      {"performance_metrics",
       {"id", "metric_name", "metric_value", "metric_unit", "timestamp",
        "additional_data"},
       {"id"}},
  };
  return *kTables;
}

absl::StatusOr<std::unique_ptr<LegacyFile>> LegacyFile::Open(
    const std::string& path) {
  // The cheap refusals first, before SQLite touches the file.
  if (Basename(path) == kStoreFileName) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " is named like the storage service's own database (",
        kStoreFileName, "), not a legacy OpsBrain file; refusing to import"));
  }
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    }
    return absl::UnavailableError(
        absl::StrCat(path, ": ", std::strerror(errno)));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not a regular file"));
  }

  sqlite3* raw = nullptr;
  const int code =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, DatabaseDeleter> db(raw);
  if (code != SQLITE_OK) {
    return SqliteError(db.get(), code, path, "opening read-only");
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), 5000);

  auto file = std::unique_ptr<LegacyFile>(new LegacyFile(path, db.release()));
  OPSBRAIN_RETURN_IF_ERROR(file->Check());
  return file;
}

LegacyFile::LegacyFile(std::string path, sqlite3* db)
    : path_(std::move(path)), db_(db) {}

LegacyFile::~LegacyFile() {
  // A read transaction has nothing to commit; ending it releases the lock.
  sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close_v2(db_);
}

absl::Status LegacyFile::Check() {
  // One snapshot for everything read from here on.
  char* error = nullptr;
  int code = sqlite3_exec(db_, "BEGIN", nullptr, nullptr, &error);
  sqlite3_free(error);
  if (code != SQLITE_OK) return SqliteError(db_, code, path_, "beginning");

  OPSBRAIN_ASSIGN_OR_RETURN(
      const std::vector<std::string> names,
      QueryColumn(db_, "SELECT name FROM sqlite_master WHERE type = 'table'",
                  path_, "listing tables"));
  const std::set<std::string> present(names.begin(), names.end());
  if (present.count("schema_migrations") > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        path_,
        " has a schema_migrations table: it is the storage service's own "
        "database, not a legacy OpsBrain file; refusing to import"));
  }

  // Corruption found now costs nothing; found halfway through an import it
  // would leave the store with part of the file.
  OPSBRAIN_ASSIGN_OR_RETURN(
      const std::vector<std::string> check,
      QueryColumn(db_, "PRAGMA quick_check", path_, "checking integrity"));
  if (check.size() != 1 || check[0] != "ok") {
    return absl::DataLossError(
        absl::StrCat(path_, " is corrupt (PRAGMA quick_check: ",
                     check.empty() ? "no answer" : check[0], ")"));
  }

  for (const LegacyTableSpec& spec : LegacyTables()) {
    if (present.count(spec.name) == 0) continue;
    OPSBRAIN_ASSIGN_OR_RETURN(
        const std::vector<std::string> columns,
        QueryColumn(db_,
                    absl::StrCat("SELECT name FROM pragma_table_info(", "'",
                                 spec.name, "')"),
                    path_, "reading columns"));
    const auto lacks = [&](const char* column) {
      return std::find(columns.begin(), columns.end(), column) == columns.end();
    };
    std::vector<std::string> missing_keys;
    for (const char* column : spec.key_columns) {
      if (lacks(column)) missing_keys.push_back(column);
    }
    if (!missing_keys.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          path_, " is not a legacy OpsBrain database: its table ", spec.name,
          " lacks the column(s) ", absl::StrJoin(missing_keys, ", "),
          ", which identify its rows"));
    }
    std::vector<std::string>& missing = missing_[spec.name];
    for (const char* column : spec.columns) {
      if (lacks(column)) missing.push_back(column);
    }
    tables_.push_back(spec.name);
  }
  if (tables_.empty()) {
    std::vector<std::string> expected;
    for (const LegacyTableSpec& spec : LegacyTables()) {
      expected.push_back(spec.name);
    }
    return absl::FailedPreconditionError(
        absl::StrCat(path_,
                     " is not a legacy OpsBrain database: it has none of the "
                     "tables ",
                     absl::StrJoin(expected, ", ")));
  }
  return absl::OkStatus();
}

bool LegacyFile::HasTable(absl::string_view table) const {
  return std::find(tables_.begin(), tables_.end(), table) != tables_.end();
}

std::vector<std::string> LegacyFile::MissingColumns(
    absl::string_view table) const {
  const auto it = missing_.find(table);
  return it == missing_.end() ? std::vector<std::string>() : it->second;
}

absl::StatusOr<int64_t> LegacyFile::CountRows(absl::string_view table) {
  if (!HasTable(table)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, " has no legacy table '", table, "'"));
  }
  OPSBRAIN_ASSIGN_OR_RETURN(
      Statement statement,
      Prepare(db_, absl::StrCat("SELECT count(*) FROM ", Quoted(table)),
              path_));
  const int code = sqlite3_step(statement.get());
  if (code != SQLITE_ROW) {
    return SqliteError(db_, code, path_, absl::StrCat("counting ", table));
  }
  return sqlite3_column_int64(statement.get(), 0);
}

absl::Status LegacyFile::ForEachRow(
    absl::string_view table,
    absl::FunctionRef<absl::Status(LegacyRow&)> visit) {
  const auto spec =
      std::find_if(LegacyTables().begin(), LegacyTables().end(),
                   [&](const LegacyTableSpec& s) { return table == s.name; });
  if (spec == LegacyTables().end() || !HasTable(table)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, " has no legacy table '", table, "'"));
  }

  // Only the columns the file has; the others stay NULL in every row.
  const std::vector<std::string> missing = MissingColumns(table);
  std::vector<const char*> present;
  std::vector<std::string> columns;
  for (const char* column : spec->columns) {
    if (std::find(missing.begin(), missing.end(), column) != missing.end()) {
      continue;
    }
    present.push_back(column);
    columns.push_back(Quoted(column));
  }
  OPSBRAIN_ASSIGN_OR_RETURN(
      Statement statement,
      Prepare(db_,
              absl::StrCat("SELECT ", absl::StrJoin(columns, ", "), " FROM ",
                           Quoted(table), " ORDER BY rowid"),
              path_));

  int code;
  while ((code = sqlite3_step(statement.get())) == SQLITE_ROW) {
    LegacyRow row;
    for (size_t i = 0; i < present.size(); ++i) {
      row.Set(present[i], ReadCell(statement.get(), static_cast<int>(i)));
    }
    OPSBRAIN_RETURN_IF_ERROR(visit(row));
  }
  if (code != SQLITE_DONE) {
    return SqliteError(db_, code, path_, absl::StrCat("reading ", table));
  }
  return absl::OkStatus();
}

}  // namespace opsbrain::migrator
