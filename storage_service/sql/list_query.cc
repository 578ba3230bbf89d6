#include "storage_service/sql/list_query.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "storage_service/sql/dialect_sql.h"
#include "storage_service/sql/page_token.h"

namespace opsbrain::sql {
namespace {

// The cursor value of `column` as a parameter of the column's type.
absl::StatusOr<Param> CursorParam(const SortColumn& column,
                                  const std::string& text) {
  switch (column.type) {
    case SortColumn::Type::kText:
      return Param(text);
    case SortColumn::Type::kInt64:
    case SortColumn::Type::kTime: {
      int64_t number = 0;
      if (!absl::SimpleAtoi(text, &number)) {
        return absl::InvalidArgumentError("page_token: malformed position");
      }
      if (column.type == SortColumn::Type::kInt64) return Param(number);
      return Param(absl::FromUnixMicros(number));
    }
  }
  return absl::InternalError("unknown sort column type");
}

}  // namespace

ListQuery::ListQuery(Dialect dialect, std::string select)
    : dialect_(dialect), select_(std::move(select)) {}

std::string ListQuery::Bind(Param value) {
  params_.push_back(std::move(value));
  return absl::StrCat("$", params_.size());
}

void ListQuery::Where(absl::string_view term, std::vector<Param> values) {
  std::string sql;
  size_t next = 0;
  for (char c : term) {
    if (c == '?' && next < values.size()) {
      sql += Bind(std::move(values[next++]));
    } else {
      sql += c;
    }
  }
  terms_.push_back(std::move(sql));
}

absl::Status ListQuery::After(absl::string_view token, absl::string_view scope,
                              const std::vector<SortColumn>& order) {
  if (token.empty()) return absl::OkStatus();
  OPSBRAIN_ASSIGN_OR_RETURN(std::vector<std::string> cursor,
                            DecodePageToken(token, scope, order.size()));

  // Rows after the cursor: (c1 beyond v1) OR (c1 = v1 AND c2 beyond v2) ...
  const char* collation = SqlFor(dialect_).binary_collation;
  std::vector<std::string> placeholders;
  for (size_t i = 0; i < order.size(); ++i) {
    OPSBRAIN_ASSIGN_OR_RETURN(Param value, CursorParam(order[i], cursor[i]));
    placeholders.push_back(Bind(std::move(value)));
  }
  std::vector<std::string> alternatives;
  for (size_t i = 0; i < order.size(); ++i) {
    std::vector<std::string> parts;
    for (size_t j = 0; j < i; ++j) {
      parts.push_back(absl::StrCat(order[j].column, " = ", placeholders[j]));
    }
    const char* column_collation =
        order[i].type == SortColumn::Type::kText ? collation : "";
    parts.push_back(absl::StrCat(order[i].column, column_collation,
                                 order[i].descending ? " < " : " > ",
                                 placeholders[i]));
    alternatives.push_back(
        absl::StrCat("(", absl::StrJoin(parts, " AND "), ")"));
  }
  terms_.push_back(absl::StrCat("(", absl::StrJoin(alternatives, " OR "), ")"));
  return absl::OkStatus();
}

std::string ListQuery::Sql(const std::vector<SortColumn>& order, int page_size,
                           std::vector<Param>* params) const {
  *params = params_;
  std::string sql = select_;
  if (!terms_.empty()) {
    absl::StrAppend(&sql, " WHERE ", absl::StrJoin(terms_, " AND "));
  }
  const char* collation = SqlFor(dialect_).binary_collation;
  std::vector<std::string> keys;
  for (const SortColumn& column : order) {
    keys.push_back(absl::StrCat(
        column.column, column.type == SortColumn::Type::kText ? collation : "",
        column.descending ? " DESC" : " ASC"));
  }
  // One row beyond the page tells whether another page follows.
  params->push_back(int64_t{page_size} + 1);
  absl::StrAppend(&sql, " ORDER BY ", absl::StrJoin(keys, ", "), " LIMIT $",
                  params->size());
  return sql;
}

std::string ListQuery::NextToken(absl::string_view scope,
                                 const std::vector<std::string>& cursor) {
  return EncodePageToken(scope, cursor);
}

std::string TimeCursor(absl::Time time) {
  return absl::StrCat(absl::ToUnixMicros(time));
}

}  // namespace opsbrain::sql
