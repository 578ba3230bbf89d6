#include "storage_service/sql/sql_importer.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage_service/sql/etag.h"
#include "storage_service/sql/row_codec.h"
#include "storage_service/sql/store_tables.h"

namespace opsbrain::sql {
namespace {

// Rows per query when reading the append-only tables back, so that a table
// of millions of metrics is never held in memory at once.
constexpr int64_t kReadChunk = 5000;

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
      : db_(*database), tables_(database->dialect()) {}

  absl::StatusOr<ImportOutcome> ImportBatch(
      const std::vector<ImportedRow>& rows) override {
    ImportOutcome outcome;
    OPSBRAIN_RETURN_IF_ERROR(db_.RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
          outcome.imported.assign(rows.size(), false);
          bool appended_ids = false;
          for (size_t i = 0; i < rows.size(); ++i) {
            OPSBRAIN_ASSIGN_OR_RETURN(outcome.imported[i],
                                      ImportOne(tx, rows[i], &appended_ids));
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

  // One lookup per key: the keyed statements are prepared once per
  // connection, and a verification batch is a few thousand keys at most.
  template <typename Record>
  absl::StatusOr<std::vector<std::optional<ImportedRow>>> FindKeyed(
      const KeyedTable<Record>& table, const std::vector<ImportKey>& keys) {
    std::vector<std::optional<ImportedRow>> found(keys.size());
    OPSBRAIN_RETURN_IF_ERROR(db_.RunInTransaction(
        TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
          for (size_t i = 0; i < keys.size(); ++i) {
            std::vector<Param> key;
            if (table.spec().key_columns == 2) key.push_back(keys[i].user_id);
            key.push_back(keys[i].key);
            OPSBRAIN_ASSIGN_OR_RETURN(std::optional<Record> record,
                                      table.Find(tx, key, false));
            if (record.has_value()) {
              found[i] = ImportedRow{0, *std::move(record)};
            }
          }
          return absl::OkStatus();
        }));
    return found;
  }

  template <typename Record>
  absl::StatusOr<std::vector<std::optional<ImportedRow>>> FindById(
      const char* columns, const char* table,
      absl::StatusOr<Record> (*read)(const ResultSet&, int),
      const std::vector<ImportKey>& keys) {
    const std::string sql =
        absl::StrCat("SELECT ", columns, " FROM ", table, " WHERE id = $1");
    std::vector<std::optional<ImportedRow>> found(keys.size());
    OPSBRAIN_RETURN_IF_ERROR(db_.RunInTransaction(
        TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
          for (size_t i = 0; i < keys.size(); ++i) {
            std::vector<Param> params = {keys[i].legacy_id};
            OPSBRAIN_ASSIGN_OR_RETURN(ResultSet result,
                                      tx.Execute(sql, params));
            if (result.num_rows() == 0) continue;
            OPSBRAIN_ASSIGN_OR_RETURN(Record record, read(result, 0));
            const int64_t id = record.id;
            found[i] = ImportedRow{id, std::move(record)};
          }
          return absl::OkStatus();
        }));
    return found;
  }

  Database& db_;
  const StoreTables tables_;
};

}  // namespace

std::unique_ptr<Importer> NewSqlImporter(Database* database) {
  return std::make_unique<SqlImporter>(database);
}

}  // namespace opsbrain::sql
