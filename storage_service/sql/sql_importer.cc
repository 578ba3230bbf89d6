#include "storage_service/sql/sql_importer.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "storage_service/sql/etag.h"
#include "storage_service/sql/row_codec.h"
#include "storage_service/sql/store_tables.h"

namespace opsbrain::sql {
namespace {

// Rows per query when reading the append-only tables back, so that a table
// of millions of metrics is never held in memory at once.
constexpr int64_t kReadChunk = 5000;
// Ids per query when looking rows of the append-only tables up by id.
constexpr size_t kFindChunk = 500;

absl::Time Micros(absl::Time time) {
  return absl::FromUnixMicros(absl::ToUnixMicros(time));
}

template <typename Record>
void NormaliseTimes(Record& record) {
  record.create_time = Micros(record.create_time);
  record.update_time = Micros(record.update_time);
  if (record.etag.empty()) record.etag = NewEtag();
}

class SqlImporter final : public Importer {
 public:
  explicit SqlImporter(Database* database)
      : db_(*database),
        tables_(database->dialect()),
        audit_chunk_sql_(MultiRowInsert(kAuditTable, kAuditEntryColumns, 8)),
        metric_chunk_sql_(MultiRowInsert(kPerformanceMetricsTable,
                                         kPerformanceMetricColumns, 6)) {}

  absl::StatusOr<ImportOutcome> ImportBatch(
      const std::vector<ImportedRow>& rows) override {
    ImportOutcome outcome;
    OPSBRAIN_RETURN_IF_ERROR(db_.RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
          outcome.imported.assign(rows.size(), false);
          bool appended_ids = false;
          for (size_t i = 0; i < rows.size();) {
            if (AppendOnlyRun(rows, i) == kInsertChunk) {
              OPSBRAIN_RETURN_IF_ERROR(
                  InsertChunk(tx, rows, i, &outcome.imported));
              appended_ids = true;
              i += kInsertChunk;
              continue;
            }
            OPSBRAIN_ASSIGN_OR_RETURN(outcome.imported[i],
                                      ImportOne(tx, rows[i], &appended_ids));
            ++i;
          }
          if (appended_ids) OPSBRAIN_RETURN_IF_ERROR(ResetSequences(tx));
          return absl::OkStatus();
        }));
    return outcome;
  }

  absl::Status ForEachRow(
      const std::string& table,
      const std::function<void(const ImportedRow&)>& visit) override {
    if (table == kConfigurationsTable) {
      return VisitKeyed(tables_.configurations, visit);
    }
    if (table == kThreadContextsTable) {
      return VisitKeyed(tables_.threads, visit);
    }
    if (table == kBusinessGoalsTable) return VisitKeyed(tables_.goals, visit);
    if (table == kAppSettingsTable) return VisitKeyed(tables_.settings, visit);
    if (table == kUserPreferencesTable) {
      return VisitKeyed(tables_.preferences, visit);
    }
    if (table == kAuditTable) {
      return VisitById<AuditEntry>(kAuditEntryColumns, kAuditTable,
                                   &ReadAuditEntry, visit);
    }
    if (table == kPerformanceMetricsTable) {
      return VisitById<PerformanceMetric>(kPerformanceMetricColumns,
                                          kPerformanceMetricsTable,
                                          &ReadPerformanceMetric, visit);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("table_names: unknown table '", table, "'"));
  }

  absl::StatusOr<std::vector<std::optional<ImportedRow>>> FindRows(
      const std::string& table, const std::vector<ImportKey>& keys) override {
    if (table == kConfigurationsTable) {
      return FindKeyed(tables_.configurations, keys);
    }
    if (table == kThreadContextsTable) return FindKeyed(tables_.threads, keys);
    if (table == kBusinessGoalsTable) return FindKeyed(tables_.goals, keys);
    if (table == kAppSettingsTable) return FindKeyed(tables_.settings, keys);
    if (table == kUserPreferencesTable) {
      return FindKeyed(tables_.preferences, keys);
    }
    if (table == kAuditTable) {
      return FindById<AuditEntry>(kAuditEntryColumns, kAuditTable,
                                  &ReadAuditEntry, keys);
    }
    if (table == kPerformanceMetricsTable) {
      return FindById<PerformanceMetric>(kPerformanceMetricColumns,
                                         kPerformanceMetricsTable,
                                         &ReadPerformanceMetric, keys);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("table_name: unknown table '", table, "'"));
  }

 private:
  // Rows per multi-row INSERT into the append-only tables (audit entries
  // and metrics): a round trip per row dominated the import of a large
  // metrics table (bench/README.md). Fixed, so that each connection
  // prepares one such statement per table; shorter runs go row by row.
  static constexpr size_t kInsertChunk = 100;

  // "INSERT INTO table (columns) VALUES ($1, ..), .. (.., $N) ON CONFLICT
  // DO NOTHING RETURNING id" for kInsertChunk rows of `width` columns.
  static std::string MultiRowInsert(const char* table, const char* columns,
                                    int width) {
    std::string sql =
        absl::StrCat("INSERT INTO ", table, " (", columns, ") VALUES ");
    int number = 0;
    for (size_t row = 0; row < kInsertChunk; ++row) {
      absl::StrAppend(&sql, row == 0 ? "(" : ", (");
      for (int column = 0; column < width; ++column) {
        absl::StrAppend(&sql, column == 0 ? "$" : ", $", ++number);
      }
      absl::StrAppend(&sql, ")");
    }
    absl::StrAppend(&sql, " ON CONFLICT DO NOTHING RETURNING id");
    return sql;
  }

  // How many rows from `begin` on belong to the same append-only table,
  // up to kInsertChunk; 0 for a keyed table.
  static size_t AppendOnlyRun(const std::vector<ImportedRow>& rows,
                              size_t begin) {
    const size_t kind = rows[begin].record.index();
    if (!std::holds_alternative<AuditEntry>(rows[begin].record) &&
        !std::holds_alternative<PerformanceMetric>(rows[begin].record)) {
      return 0;
    }
    size_t end = begin;
    while (end < rows.size() && end - begin < kInsertChunk &&
           rows[end].record.index() == kind) {
      ++end;
    }
    return end - begin;
  }

  // Inserts the kInsertChunk append-only rows from `begin` in one
  // statement, as ImportOne would one by one: each keeps its legacy id,
  // and one whose id is stored already is left alone (imported false).
  absl::Status InsertChunk(Transaction& tx,
                           const std::vector<ImportedRow>& rows, size_t begin,
                           std::vector<bool>* imported) {
    const bool metrics =
        std::holds_alternative<PerformanceMetric>(rows[begin].record);
    std::vector<Param> params;
    for (size_t i = begin; i < begin + kInsertChunk; ++i) {
      if (rows[i].legacy_id <= 0) {
        return absl::InvalidArgumentError("legacy_id: must be positive");
      }
      std::vector<Param> row_params;
      if (metrics) {
        PerformanceMetric copy = std::get<PerformanceMetric>(rows[i].record);
        copy.id = rows[i].legacy_id;
        copy.time = Micros(copy.time);
        row_params = PerformanceMetricParams(copy);
      } else {
        AuditEntry copy = std::get<AuditEntry>(rows[i].record);
        copy.id = rows[i].legacy_id;
        copy.change_time = Micros(copy.change_time);
        row_params = AuditEntryParams(copy);
      }
      params.insert(params.end(), std::make_move_iterator(row_params.begin()),
                    std::make_move_iterator(row_params.end()));
    }

    OPSBRAIN_ASSIGN_OR_RETURN(
        ResultSet result,
        tx.Execute(metrics ? metric_chunk_sql_ : audit_chunk_sql_, params));
    absl::flat_hash_set<int64_t> inserted;
    for (int row = 0; row < result.num_rows(); ++row) {
      RowReader reader(result, row);
      inserted.insert(reader.Int64(0));
      OPSBRAIN_RETURN_IF_ERROR(reader.status());
    }
    // A legacy id twice in one chunk: only its first row was written.
    for (size_t i = begin; i < begin + kInsertChunk; ++i) {
      (*imported)[i] = inserted.erase(rows[i].legacy_id) > 0;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<bool> ImportOne(Transaction& tx, const ImportedRow& row,
                                 bool* appended_ids) {
    const auto& record = row.record;
    if (const auto* config = std::get_if<Configuration>(&record)) {
      Configuration copy = *config;
      NormaliseTimes(copy);
      return tables_.configurations.InsertIfAbsent(tx, copy);
    }
    if (const auto* thread = std::get_if<ThreadContext>(&record)) {
      ThreadContext copy = *thread;
      NormaliseTimes(copy);
      copy.expire_time = Micros(copy.expire_time);
      return tables_.threads.InsertIfAbsent(tx, copy);
    }
    if (const auto* goal = std::get_if<BusinessGoal>(&record)) {
      BusinessGoal copy = *goal;
      NormaliseTimes(copy);
      return tables_.goals.InsertIfAbsent(tx, copy);
    }
    if (const auto* setting = std::get_if<AppSetting>(&record)) {
      AppSetting copy = *setting;
      NormaliseTimes(copy);
      return tables_.settings.InsertIfAbsent(tx, copy);
    }
    if (const auto* preference = std::get_if<UserPreference>(&record)) {
      UserPreference copy = *preference;
      NormaliseTimes(copy);
      return tables_.preferences.InsertIfAbsent(tx, copy);
    }
    *appended_ids = true;
    if (const auto* entry = std::get_if<AuditEntry>(&record)) {
      AuditEntry copy = *entry;
      copy.id = row.legacy_id;
      copy.change_time = Micros(copy.change_time);
      return InsertWithId(tx,
                          "INSERT INTO config_audit (id, table_name, "
                          "record_id, action, old_values, new_values, "
                          "changed_by, changed_at) VALUES ($1, $2, $3, $4, "
                          "$5, $6, $7, $8) ON CONFLICT DO NOTHING",
                          AuditEntryParams(copy));
    }
    PerformanceMetric copy = std::get<PerformanceMetric>(record);
    copy.id = row.legacy_id;
    copy.time = Micros(copy.time);
    return InsertWithId(tx,
                        "INSERT INTO performance_metrics (id, metric_name, "
                        "metric_value, metric_unit, \"timestamp\", "
                        "additional_data) VALUES ($1, $2, $3, $4, $5, $6) "
                        "ON CONFLICT DO NOTHING",
                        PerformanceMetricParams(copy));
  }

  static absl::StatusOr<bool> InsertWithId(Transaction& tx,
                                           absl::string_view sql,
                                           const std::vector<Param>& params) {
    if (!std::holds_alternative<int64_t>(params.front()) ||
        std::get<int64_t>(params.front()) <= 0) {
      return absl::InvalidArgumentError("legacy_id: must be positive");
    }
    OPSBRAIN_ASSIGN_OR_RETURN(ResultSet result, tx.Execute(sql, params));
    return result.rows_affected() > 0;
  }

  absl::Status ResetSequences(Transaction& tx) {
    for (const char* table : {kAuditTable, kPerformanceMetricsTable}) {
      std::string sql = ResetIdSequenceSql(db_.dialect(), table);
      if (!sql.empty()) OPSBRAIN_RETURN_IF_ERROR(tx.Execute(sql, {}).status());
    }
    return absl::OkStatus();
  }

  template <typename Record>
  absl::Status VisitKeyed(
      const KeyedTable<Record>& table,
      const std::function<void(const ImportedRow&)>& visit) {
    return db_.RunInTransaction(
        TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
          OPSBRAIN_ASSIGN_OR_RETURN(ResultSet result, table.SelectAll(tx));
          for (int row = 0; row < result.num_rows(); ++row) {
            OPSBRAIN_ASSIGN_OR_RETURN(Record record,
                                      table.spec().read(result, row));
            visit(ImportedRow{0, std::move(record)});
          }
          return absl::OkStatus();
        });
  }

  // Reads an append-only table in id order, a chunk per query, all in one
  // read transaction so the checksum sees one snapshot.
  template <typename Record>
  absl::Status VisitById(const char* columns, const char* table,
                         absl::StatusOr<Record> (*read)(const ResultSet&, int),
                         const std::function<void(const ImportedRow&)>& visit) {
    std::string sql = absl::StrCat("SELECT ", columns, " FROM ", table,
                                   " WHERE id > $1 ORDER BY id LIMIT $2");
    return db_.RunInTransaction(
        TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
          int64_t last_id = 0;
          while (true) {
            std::vector<Param> params = {last_id, kReadChunk};
            OPSBRAIN_ASSIGN_OR_RETURN(ResultSet result,
                                      tx.Execute(sql, params));
            for (int row = 0; row < result.num_rows(); ++row) {
              OPSBRAIN_ASSIGN_OR_RETURN(Record record, read(result, row));
              last_id = record.id;
              visit(ImportedRow{record.id, std::move(record)});
            }
            if (result.num_rows() < kReadChunk) return absl::OkStatus();
          }
        });
  }

  // A few queries for all the keys, kFindChunk keys per query ("key IN
  // ($1, ..)", or "(user_id, key) IN (($1, $2), ..)" for preferences): a
  // round trip per key made the verification of 20 000 thread contexts
  // take seconds (bench/README.md). The last chunk is padded with its last
  // key, so that every query has the same text and is prepared once.
  template <typename Record>
  absl::StatusOr<std::vector<std::optional<ImportedRow>>> FindKeyed(
      const KeyedTable<Record>& table, const std::vector<ImportKey>& keys) {
    const int width = table.spec().key_columns;
    const std::vector<std::string> names =
        absl::StrSplit(table.spec().columns, ", ");
    std::string tuples;
    int number = 0;
    for (size_t i = 0; i < kFindChunk; ++i) {
      absl::StrAppend(&tuples, i == 0 ? "" : ", ", width == 2 ? "(" : "");
      for (int column = 0; column < width; ++column) {
        absl::StrAppend(&tuples, column == 0 ? "$" : ", $", ++number);
      }
      if (width == 2) absl::StrAppend(&tuples, ")");
    }
    const std::string key_terms =
        width == 2 ? absl::StrCat("(", names[0], ", ", names[1], ")")
                   : names[0];
    const std::string sql = absl::StrCat(
        "SELECT ", table.spec().columns, " FROM ", table.spec().table,
        " WHERE ", key_terms, " IN (", tuples, ")");
    // The natural key as one string: user_id and key joined by a NUL, which
    // neither may contain.
    const auto joined = [width](absl::string_view user_id,
                                absl::string_view key) {
      return width == 2 ? absl::StrCat(user_id, absl::string_view("\0", 1), key)
                        : std::string(key);
    };

    std::vector<std::optional<ImportedRow>> found(keys.size());
    OPSBRAIN_RETURN_IF_ERROR(db_.RunInTransaction(
        TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
          for (size_t start = 0; start < keys.size(); start += kFindChunk) {
            const size_t end = std::min(keys.size(), start + kFindChunk);
            std::vector<Param> params;
            params.reserve(kFindChunk * width);
            for (size_t i = 0; i < kFindChunk; ++i) {
              const ImportKey& key = keys[std::min(start + i, end - 1)];
              if (width == 2) params.push_back(key.user_id);
              params.push_back(key.key);
            }
            OPSBRAIN_ASSIGN_OR_RETURN(ResultSet result,
                                      tx.Execute(sql, params));
            absl::flat_hash_map<std::string, ImportedRow> rows;
            for (int row = 0; row < result.num_rows(); ++row) {
              RowReader reader(result, row);
              const std::string first = reader.String(0);
              const std::string stored_key =
                  width == 2 ? joined(first, reader.String(1))
                             : joined("", first);
              OPSBRAIN_RETURN_IF_ERROR(reader.status());
              OPSBRAIN_ASSIGN_OR_RETURN(Record record,
                                        table.spec().read(result, row));
              rows.emplace(stored_key, ImportedRow{0, std::move(record)});
            }
            for (size_t i = start; i < end; ++i) {
              const auto it = rows.find(joined(keys[i].user_id, keys[i].key));
              if (it != rows.end()) found[i] = it->second;
            }
          }
          return absl::OkStatus();
        }));
    return found;
  }

  // A few queries for all the keys: a verification batch of the metrics
  // table is thousands of ids, and a round trip per id dominated the
  // import's time (bench/README.md). kFindChunk ids per query ("id IN
  // ($1, ..)"); the last chunk is padded with its last id, so that every
  // query has the same text and is prepared once.
  template <typename Record>
  absl::StatusOr<std::vector<std::optional<ImportedRow>>> FindById(
      const char* columns, const char* table,
      absl::StatusOr<Record> (*read)(const ResultSet&, int),
      const std::vector<ImportKey>& keys) {
    std::string placeholders;
    for (size_t i = 1; i <= kFindChunk; ++i) {
      absl::StrAppend(&placeholders, i == 1 ? "" : ", ", "$", i);
    }
    const std::string sql = absl::StrCat("SELECT ", columns, " FROM ", table,
                                         " WHERE id IN (", placeholders, ")");
    std::vector<std::optional<ImportedRow>> found(keys.size());
    OPSBRAIN_RETURN_IF_ERROR(db_.RunInTransaction(
        TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
          for (size_t start = 0; start < keys.size(); start += kFindChunk) {
            const size_t end = std::min(keys.size(), start + kFindChunk);
            std::vector<Param> params;
            params.reserve(kFindChunk);
            for (size_t i = 0; i < kFindChunk; ++i) {
              params.push_back(keys[std::min(start + i, end - 1)].legacy_id);
            }
            OPSBRAIN_ASSIGN_OR_RETURN(ResultSet result,
                                      tx.Execute(sql, params));
            absl::flat_hash_map<int64_t, ImportedRow> rows;
            for (int row = 0; row < result.num_rows(); ++row) {
              OPSBRAIN_ASSIGN_OR_RETURN(Record record, read(result, row));
              const int64_t id = record.id;
              rows.emplace(id, ImportedRow{id, std::move(record)});
            }
            for (size_t i = start; i < end; ++i) {
              const auto it = rows.find(keys[i].legacy_id);
              if (it != rows.end()) found[i] = it->second;
            }
          }
          return absl::OkStatus();
        }));
    return found;
  }

  Database& db_;
  const StoreTables tables_;
  const std::string audit_chunk_sql_;
  const std::string metric_chunk_sql_;
};

}  // namespace

std::unique_ptr<Importer> NewSqlImporter(Database* database) {
  return std::make_unique<SqlImporter>(database);
}

}  // namespace opsbrain::sql
