#include "storage_service/sql/result_set.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace opsbrain::sql {

ResultSet::ResultSet(int num_columns, std::vector<Cell> cells,
                     int64_t rows_affected)
    : num_columns_(num_columns),
      cells_(std::move(cells)),
      rows_affected_(rows_affected) {}

int ResultSet::num_rows() const {
  return num_columns_ == 0 ? 0 : static_cast<int>(cells_.size()) / num_columns_;
}

const Cell& ResultSet::cell(int row, int column) const {
  return cells_[static_cast<size_t>(row) * num_columns_ + column];
}

bool RowReader::IsNull(int column) const {
  return std::holds_alternative<std::monostate>(result_.cell(row_, column));
}

void RowReader::Fail(int column, const char* expected) {
  if (status_.ok()) {
    status_ = absl::DataLossError(absl::StrCat(
        "stored value in column ", column, " is not a valid ", expected));
  }
}

std::string RowReader::String(int column) {
  const Cell& cell = result_.cell(row_, column);
  if (const auto* text = std::get_if<std::string>(&cell)) return *text;
  if (const auto* integer = std::get_if<int64_t>(&cell)) {
    return absl::StrCat(*integer);
  }
  if (const auto* real = std::get_if<double>(&cell)) {
    return absl::StrFormat("%.17g", *real);
  }
  return "";
}

int64_t RowReader::Int64(int column) {
  const Cell& cell = result_.cell(row_, column);
  if (const auto* integer = std::get_if<int64_t>(&cell)) return *integer;
  if (const auto* text = std::get_if<std::string>(&cell)) {
    int64_t value = 0;
    if (absl::SimpleAtoi(*text, &value)) return value;
  }
  if (std::holds_alternative<std::monostate>(cell)) return 0;
  Fail(column, "integer");
  return 0;
}

double RowReader::Double(int column) {
  const Cell& cell = result_.cell(row_, column);
  if (const auto* real = std::get_if<double>(&cell)) return *real;
  if (const auto* integer = std::get_if<int64_t>(&cell)) {
    return static_cast<double>(*integer);
  }
  if (const auto* text = std::get_if<std::string>(&cell)) {
    double value = 0;
    if (absl::SimpleAtod(*text, &value)) return value;
  }
  if (std::holds_alternative<std::monostate>(cell)) return 0;
  Fail(column, "number");
  return 0;
}

bool RowReader::Bool(int column) {
  const Cell& cell = result_.cell(row_, column);
  if (const auto* integer = std::get_if<int64_t>(&cell)) return *integer != 0;
  if (const auto* text = std::get_if<std::string>(&cell)) {
    if (*text == "t" || *text == "true" || *text == "1") return true;
    if (*text == "f" || *text == "false" || *text == "0") return false;
  }
  if (std::holds_alternative<std::monostate>(cell)) return false;
  Fail(column, "boolean");
  return false;
}

absl::Time RowReader::Time(int column) {
  const Cell& cell = result_.cell(row_, column);
  if (std::holds_alternative<std::monostate>(cell)) {
    return absl::InfinitePast();
  }
  absl::Time time;
  if (const auto* text = std::get_if<std::string>(&cell)) {
    if (ParseStoredTime(*text, &time)) return time;
  }
  Fail(column, "timestamp");
  return absl::InfinitePast();
}

std::optional<std::string> RowReader::OptionalString(int column) {
  if (IsNull(column)) return std::nullopt;
  return String(column);
}

std::optional<absl::CivilDay> RowReader::OptionalDate(int column) {
  if (IsNull(column)) return std::nullopt;
  absl::CivilDay day;
  const Cell& cell = result_.cell(row_, column);
  if (const auto* text = std::get_if<std::string>(&cell)) {
    if (text->size() == 10 && absl::ParseCivilTime(*text, &day)) return day;
  }
  Fail(column, "date");
  return std::nullopt;
}

std::string FormatSqliteTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", time, absl::UTCTimeZone());
}

bool ParseStoredTime(absl::string_view text, absl::Time* time) {
  // PostgreSQL prints timestamptz as "2025-09-01 12:00:00.5+00" in a UTC
  // session; SQLite holds "2025-09-01 12:00:00.500000". Both are UTC.
  std::string normalised(text);
  if (normalised.size() > 10 && normalised[10] == 'T') normalised[10] = ' ';
  if (absl::EndsWith(normalised, "+00")) normalised += ":00";
  if (absl::EndsWith(normalised, "Z")) {
    normalised.replace(normalised.size() - 1, 1, "+00:00");
  }
  if (!absl::EndsWith(normalised, "+00:00")) normalised += "+00:00";
  std::string error;
  return absl::ParseTime("%Y-%m-%d %H:%M:%E*S%Ez", normalised, time, &error);
}

}  // namespace opsbrain::sql
