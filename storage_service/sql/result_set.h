// Rows returned by a statement, and typed reads of their cells.
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_RESULT_SET_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_RESULT_SET_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace opsbrain::sql {

// One cell as the driver read it: SQLite hands over typed values; PostgreSQL
// (text result format) hands over strings. The typed reads of RowReader
// accept either.
using Cell = std::variant<std::monostate, int64_t, double, std::string>;

// The rows of one statement's result. A value type; cheap to move.
class ResultSet {
 public:
  ResultSet() = default;
  ResultSet(int num_columns, std::vector<Cell> cells, int64_t rows_affected);

  int num_rows() const;
  int num_columns() const { return num_columns_; }
  // Rows inserted, updated or deleted by the statement.
  int64_t rows_affected() const { return rows_affected_; }
  const Cell& cell(int row, int column) const;

 private:
  int num_columns_ = 0;
  std::vector<Cell> cells_;  // Row-major.
  int64_t rows_affected_ = 0;
};

// Reads the cells of one row by column index. A cell that cannot be read as
// the requested type yields a default value and records a DATA_LOSS status
// (the first one wins), so a caller reads a whole row and checks status()
// once.
class RowReader {
 public:
  RowReader(const ResultSet& result, int row) : result_(result), row_(row) {}

  bool IsNull(int column) const;
  // NULL reads as "" / 0 / false / absl::InfinitePast() respectively.
  std::string String(int column);
  int64_t Int64(int column);
  double Double(int column);
  // Accepts integers (non-zero is true) and t/f/true/false text.
  bool Bool(int column);
  // Accepts "YYYY-MM-DD HH:MM:SS[.ffffff][+00[:00]]" (also with 'T').
  absl::Time Time(int column);
  std::optional<std::string> OptionalString(int column);
  // Accepts "YYYY-MM-DD"; nullopt for NULL.
  std::optional<absl::CivilDay> OptionalDate(int column);

  const absl::Status& status() const { return status_; }

 private:
  void Fail(int column, const char* expected);

  const ResultSet& result_;
  int row_;
  absl::Status status_;
};

// Formats `time` (UTC, truncated to microseconds) as
// "YYYY-MM-DD HH:MM:SS.ffffff", the SQLite storage form.
std::string FormatSqliteTime(absl::Time time);

// Parses the text forms RowReader::Time accepts.
bool ParseStoredTime(absl::string_view text, absl::Time* time);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_RESULT_SET_H_
