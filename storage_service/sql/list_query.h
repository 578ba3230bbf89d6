// A SELECT with optional filters and keyset paging, built from constant
// SQL fragments with every value bound as a parameter.
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_LIST_QUERY_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_LIST_QUERY_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage_service/repository.h"
#include "storage_service/sql/database.h"

namespace opsbrain::sql {

// One column of a list's sort order. The last one must be unique per row so
// that the order is total and a page boundary is unambiguous.
struct SortColumn {
  enum class Type { kText, kInt64, kTime };
  const char* column;
  Type type;
  bool descending;
};

class ListQuery {
 public:
  // `select` is "SELECT <columns> FROM <table>".
  ListQuery(Dialect dialect, std::string select);

  // Adds "AND <term>", where each '?' in `term` (a constant) binds the next
  // of `values`.
  void Where(absl::string_view term, std::vector<Param> values);

  // Decodes `token` (bound to `scope`, which names the list and its filters)
  // and restricts the query to rows after that position in `order`.
  // INVALID_ARGUMENT for a bad token.
  absl::Status After(absl::string_view token, absl::string_view scope,
                     const std::vector<SortColumn>& order);

  // Runs the query ordered by `order`, reading at most `page_size` records
  // with `read`; `cursor` gives a record's values of the sort columns for the
  // next page's token.
  template <typename Record>
  absl::StatusOr<Page<Record>> Run(
      Transaction& tx, const std::vector<SortColumn>& order, int page_size,
      absl::string_view scope,
      absl::StatusOr<Record> (*read)(const ResultSet&, int),
      std::vector<std::string> (*cursor)(const Record&)) {
    std::vector<Param> params;
    std::string sql = Sql(order, page_size, &params);
    absl::StatusOr<ResultSet> result = tx.Execute(sql, params);
    if (!result.ok()) return result.status();
    Page<Record> page;
    int rows = std::min(result->num_rows(), page_size);
    page.items.reserve(rows);
    for (int row = 0; row < rows; ++row) {
      absl::StatusOr<Record> record = read(*result, row);
      if (!record.ok()) return record.status();
      page.items.push_back(*std::move(record));
    }
    if (result->num_rows() > page_size) {
      page.next_page_token = NextToken(scope, cursor(page.items.back()));
    }
    return page;
  }

 private:
  // The statement, and in `params` its parameters.
  std::string Sql(const std::vector<SortColumn>& order, int page_size,
                  std::vector<Param>* params) const;
  static std::string NextToken(absl::string_view scope,
                               const std::vector<std::string>& cursor);
  std::string Bind(Param value);

  Dialect dialect_;
  std::string select_;
  std::vector<std::string> terms_;
  std::vector<Param> params_;
};

// Cursor text of a time: microseconds since the epoch.
std::string TimeCursor(absl::Time time);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_LIST_QUERY_H_
