// Generic reads and writes of a table whose rows have a natural key: the
// five mutable record kinds. Each kind describes its table once
// (KeyedTable); the statements are derived from that description, with
// every value bound as a parameter.
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_KEYED_TABLE_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_KEYED_TABLE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "storage_service/sql/database.h"
#include "storage_service/sql/dialect_sql.h"

namespace opsbrain::sql {

template <typename Record>
struct KeyedTableSpec {
  const char* table;
  // The record's columns; the first `key_columns` form the natural key.
  const char* columns;
  int key_columns;
  // Human name for messages, e.g. "configuration".
  const char* kind;
  absl::StatusOr<Record> (*read)(const ResultSet& result, int row);
  std::vector<Param> (*params)(const Record& record);
};

// Statements for one KeyedTableSpec. Immutable after construction.
template <typename Record>
class KeyedTable {
 public:
  KeyedTable(const KeyedTableSpec<Record>& spec, Dialect dialect)
      : spec_(spec) {
    std::vector<std::string> names = absl::StrSplit(spec.columns, ", ");
    std::vector<std::string> placeholders, assignments, key_terms;
    for (size_t i = 0; i < names.size(); ++i) {
      placeholders.push_back(absl::StrCat("$", i + 1));
      assignments.push_back(absl::StrCat(names[i], " = $", i + 1));
      if (static_cast<int>(i) < spec.key_columns) {
        key_terms.push_back(absl::StrCat(names[i], " = $", i + 1));
      }
    }
    std::string where = absl::StrJoin(key_terms, " AND ");
    select_all_ = absl::StrCat("SELECT ", spec.columns, " FROM ", spec.table);
    select_ = absl::StrCat(select_all_, " WHERE ", where);
    select_for_update_ = select_ + SqlFor(dialect).for_update;
    insert_ =
        absl::StrCat("INSERT INTO ", spec.table, " (", spec.columns,
                     ") VALUES (", absl::StrJoin(placeholders, ", "), ")");
    insert_if_absent_ = insert_ + " ON CONFLICT DO NOTHING";
    update_ = absl::StrCat("UPDATE ", spec.table, " SET ",
                           absl::StrJoin(assignments, ", "), " WHERE ", where);
    delete_ = absl::StrCat("DELETE FROM ", spec.table, " WHERE ", where);
  }

  const KeyedTableSpec<Record>& spec() const { return spec_; }

  // The stored record with the key values `key`, or nullopt.
  absl::StatusOr<std::optional<Record>> Find(Transaction& tx,
                                             absl::Span<const Param> key,
                                             bool for_update) const {
    OPSBRAIN_ASSIGN_OR_RETURN(
        ResultSet result,
        tx.Execute(for_update ? select_for_update_ : select_, key));
    if (result.num_rows() == 0) return std::optional<Record>();
    OPSBRAIN_ASSIGN_OR_RETURN(Record record, spec_.read(result, 0));
    return std::optional<Record>(std::move(record));
  }

  absl::Status Insert(Transaction& tx, const Record& record) const {
    std::vector<Param> params = spec_.params(record);
    return tx.Execute(insert_, params).status();
  }

  // Inserts `record` unless a row with its key exists; true if inserted.
  absl::StatusOr<bool> InsertIfAbsent(Transaction& tx,
                                      const Record& record) const {
    std::vector<Param> params = spec_.params(record);
    OPSBRAIN_ASSIGN_OR_RETURN(ResultSet result,
                              tx.Execute(insert_if_absent_, params));
    return result.rows_affected() > 0;
  }

  // Every row, for verification.
  absl::StatusOr<ResultSet> SelectAll(Transaction& tx) const {
    return tx.Execute(select_all_, {});
  }

  absl::Status Update(Transaction& tx, const Record& record) const {
    std::vector<Param> params = spec_.params(record);
    return tx.Execute(update_, params).status();
  }

  absl::Status Delete(Transaction& tx, absl::Span<const Param> key) const {
    return tx.Execute(delete_, key).status();
  }

 private:
  KeyedTableSpec<Record> spec_;
  std::string select_all_;
  std::string select_;
  std::string select_for_update_;
  std::string insert_;
  std::string insert_if_absent_;
  std::string update_;
  std::string delete_;
};

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_KEYED_TABLE_H_
