#include "storage_service/migrations/sql_schema_manager.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/utf8.h"
#include "storage_service/migrations/migrations.h"
#include "storage_service/sql/dialect_sql.h"

namespace opsbrain::migrations {
namespace {

using sql::Param;
using sql::ResultSet;
using sql::RowReader;
using sql::Transaction;
using sql::TransactionMode;

constexpr char kHistoryTable[] = "schema_migrations";
constexpr char kFailuresTable[] = "schema_migration_failures";
// The longest database reason kept in a failure row.
constexpr size_t kMaxErrorBytes = 2048;

// A duration in PostgreSQL's syntax, in whole milliseconds and at least 1
// (0 would mean no limit).
std::string PostgresMillis(absl::Duration duration) {
  return absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(duration)),
                      "ms");
}

std::string Short(const std::string& checksum) {
  return checksum.substr(0, 12);
}

// The status a failed migration script turns into: its transient codes
// stay (the caller may retry as it is); every other code means the
// database is not in a state the migration can run in, which is
// FAILED_PRECONDITION, with the database's reason, so that it reaches the
// migrator.
absl::Status MigrationFailed(const Migration& migration,
                             const absl::Status& cause, int current_version) {
  const std::string message = absl::StrCat(
      "migration ", migration.version, " (", migration.description,
      ") failed and was rolled back; the schema stays at version ",
      current_version,
      " and the failure is recorded (`migrator status`); fix the cause and "
      "run `migrator up` again: ",
      cause.message());
  switch (cause.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
      return absl::Status(cause.code(), message);
    default:
      return absl::FailedPreconditionError(message);
  }
}

class SqlSchemaManager final : public SchemaManager {
 public:
  SqlSchemaManager(sql::Database* database,
                   const std::vector<Migration>& migrations)
      : db_(*database),
        dialect_(sql::SqlFor(database->dialect())),
        known_(migrations) {}

  absl::StatusOr<SchemaStatus> GetStatus() override {
    SchemaStatus status;
    OPSBRAIN_RETURN_IF_ERROR(db_.RunInTransaction(
        TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
          OPSBRAIN_ASSIGN_OR_RETURN(status, ReadStatus(tx));
          return absl::OkStatus();
        }));
    return status;
  }

  absl::StatusOr<std::vector<MigrationInfo>> ApplyPending(
      absl::Time now, const MigrationRunOptions& options) override {
    OPSBRAIN_RETURN_IF_ERROR(BeginRun(options.lock_timeout));
    RunGuard guard(this);
    std::vector<MigrationInfo> applied;
    OPSBRAIN_RETURN_IF_ERROR(WithMigrationLock(
        options.lock_timeout, [&] { return ApplyAll(now, &applied); }));
    return applied;
  }

  absl::StatusOr<BaselineOutcome> Baseline(
      absl::Time now, const MigrationRunOptions& options) override {
    OPSBRAIN_RETURN_IF_ERROR(BeginRun(options.lock_timeout));
    RunGuard guard(this);
    BaselineOutcome outcome;
    OPSBRAIN_RETURN_IF_ERROR(WithMigrationLock(options.lock_timeout, [&] {
      return db_.RunInTransaction(
          TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
            outcome.recorded = false;
            OPSBRAIN_ASSIGN_OR_RETURN(const SchemaStatus status,
                                      ReadStatus(tx));
            if (!status.applied.empty()) return absl::OkStatus();
            OPSBRAIN_RETURN_IF_ERROR(CheckLegacyCatalog(tx));
            OPSBRAIN_RETURN_IF_ERROR(CreateHistory(tx));
            OPSBRAIN_RETURN_IF_ERROR(RecordApplied(tx, known_.front(), now));
            outcome.recorded = true;
            return absl::OkStatus();
          });
    }));
    if (outcome.recorded) {
      OPSBRAIN_LOG(INFO) << "recorded the existing legacy schema as migration "
                            "1 ("
                         << known_.front().description << ") (baseline)";
    }
    return outcome;
  }

 private:
  // Ends the in-process run when destroyed.
  class RunGuard {
   public:
    explicit RunGuard(SqlSchemaManager* manager) : manager_(*manager) {}
    RunGuard(const RunGuard&) = delete;
    RunGuard& operator=(const RunGuard&) = delete;
    ~RunGuard() {
      absl::MutexLock lock(&manager_.run_mu_);
      manager_.idle_ = true;
    }

   private:
    SqlSchemaManager& manager_;
  };

  // Waits up to `timeout` for this process's other run to end.
  absl::Status BeginRun(absl::Duration timeout) {
    const bool free =
        run_mu_.LockWhenWithTimeout(absl::Condition(&idle_), timeout);
    if (free) idle_ = false;
    run_mu_.Unlock();
    if (!free) {
      return absl::AbortedError(absl::StrCat(
          "another migration run of this storage service still holds the "
          "migration lock after ",
          absl::FormatDuration(timeout), "; try again later"));
    }
    return absl::OkStatus();
  }

  // Runs `body` holding the migration lock (see the header). Where the
  // dialect has no lock of its own, each write transaction of `body`
  // excludes the other writers.
  template <typename Body>
  absl::Status WithMigrationLock(absl::Duration timeout, Body body) {
    if (*dialect_.migration_lock == '\0') return body();
    return db_.RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& lock) -> absl::Status {
          const std::vector<Param> limit = {PostgresMillis(timeout)};
          OPSBRAIN_RETURN_IF_ERROR(
              lock.Execute(dialect_.migration_lock_timeout, limit).status());
          absl::Status locked =
              lock.Execute(dialect_.migration_lock, {}).status();
          if (absl::IsAborted(locked)) {
            return absl::AbortedError(absl::StrCat(
                "another migration run holds the migration lock; gave up "
                "waiting after ",
                absl::FormatDuration(timeout), " (", locked.message(), ")"));
          }
          OPSBRAIN_RETURN_IF_ERROR(locked);
          return body();
        });
  }

  absl::Status ApplyAll(absl::Time now, std::vector<MigrationInfo>* applied) {
    for (const Migration& migration : known_) {
      bool ran = false;
      bool script_failed = false;
      int version_before = 0;
      absl::Status status = db_.RunInTransaction(
          TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
            ran = false;
            script_failed = false;
            OPSBRAIN_RETURN_IF_ERROR(CreateHistory(tx));
            OPSBRAIN_ASSIGN_OR_RETURN(const SchemaStatus status,
                                      ReadStatus(tx));
            OPSBRAIN_RETURN_IF_ERROR(RefuseProblems(status));
            version_before = status.current_version;
            if (migration.version <= status.current_version) {
              return absl::OkStatus();
            }

            absl::Status script = tx.ExecuteScript(migration.sql);
            if (!script.ok()) {
              script_failed = true;
              return script;
            }
            OPSBRAIN_RETURN_IF_ERROR(RecordApplied(tx, migration, now));
            ran = true;
            return absl::OkStatus();
          });
      if (!status.ok()) {
        if (!script_failed) return status;
        RecordFailure(migration, status, now);
        absl::Status failed =
            MigrationFailed(migration, status, version_before);
        if (migration.version == 1 && HoldsLegacyTables()) {
          failed = absl::Status(
              failed.code(),
              absl::StrCat(failed.message(),
                           " (the database already holds tables of the "
                           "legacy schema: if the old app created them, run "
                           "`migrator baseline` first)"));
        }
        return failed;
      }
      if (ran) {
        OPSBRAIN_LOG(INFO) << "applied migration " << migration.version << " ("
                           << migration.description << ")";
        MigrationInfo info;
        info.version = migration.version;
        info.description = migration.description;
        info.checksum = migration.checksum;
        info.applied_time = now;
        applied->push_back(std::move(info));
      }
    }
    return absl::OkStatus();
  }

  // Writes the failure after the attempt's rollback. A failure to write it
  // (the database went away, say) is logged: the attempt's own error is
  // what the caller needs.
  void RecordFailure(const Migration& migration, const absl::Status& cause,
                     absl::Time now) {
    const absl::Status recorded = db_.RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
          OPSBRAIN_RETURN_IF_ERROR(CreateHistory(tx));
          const std::vector<Param> row = {
              int64_t{migration.version}, migration.description,
              migration.checksum, Excerpt(cause.message(), kMaxErrorBytes),
              now};
          return tx
              .Execute(
                  "INSERT INTO schema_migration_failures (version, "
                  "description, checksum, error, failed_at) VALUES ($1, $2, "
                  "$3, $4, $5)",
                  row)
              .status();
        });
    OPSBRAIN_LOG(ERROR) << "migration " << migration.version << " ("
                        << migration.description
                        << ") failed and was rolled back: " << cause.message();
    if (!recorded.ok()) {
      OPSBRAIN_LOG(ERROR) << "cannot record the failure of migration "
                          << migration.version << ": " << recorded.message();
    }
  }

  // The history row of `migration`, and the earlier failed attempts at it
  // marked resolved.
  // Whether any table of migration 1 exists (a database the old app made).
  bool HoldsLegacyTables() {
    bool found = false;
    const absl::Status status = db_.RunInTransaction(
        TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
          for (const CatalogTable& table : LegacySchemaCatalog()) {
            OPSBRAIN_ASSIGN_OR_RETURN(found, TableExists(tx, table.name));
            if (found) break;
          }
          return absl::OkStatus();
        });
    return status.ok() && found;
  }

  absl::Status RecordApplied(Transaction& tx, const Migration& migration,
                             absl::Time now) {
    const std::vector<Param> row = {int64_t{migration.version},
                                    migration.description, migration.checksum,
                                    now};
    OPSBRAIN_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO schema_migrations (version, description, "
                   "checksum, applied_at) VALUES ($1, $2, $3, $4)",
                   row)
            .status());
    const std::vector<Param> resolve = {now, int64_t{migration.version}};
    return tx
        .Execute(
            "UPDATE schema_migration_failures SET resolved_at = $1 WHERE "
            "version = $2 AND resolved_at IS NULL",
            resolve)
        .status();
  }

  absl::Status CreateHistory(Transaction& tx) {
    // The history tables are the one piece of schema that precedes
    // versioning.
    const char* const time_type = dialect_.timestamp_type;
    OPSBRAIN_RETURN_IF_ERROR(
        tx.Execute(absl::StrCat("CREATE TABLE IF NOT EXISTS schema_migrations ("
                                "version INTEGER PRIMARY KEY, "
                                "description TEXT NOT NULL, "
                                "checksum TEXT NOT NULL, applied_at ",
                                time_type, " NOT NULL)"),
                   {})
            .status());
    return tx
        .Execute(
            absl::StrCat("CREATE TABLE IF NOT EXISTS schema_migration_failures "
                         "(version INTEGER NOT NULL, "
                         "description TEXT NOT NULL, "
                         "checksum TEXT NOT NULL, error TEXT NOT NULL, "
                         "failed_at ",
                         time_type, " NOT NULL, resolved_at ", time_type, ")"),
            {})
        .status();
  }

  absl::StatusOr<bool> TableExists(Transaction& tx, const char* table) {
    const std::vector<Param> name = {std::string(table)};
    OPSBRAIN_ASSIGN_OR_RETURN(ResultSet rows,
                              tx.Execute(dialect_.table_exists, name));
    return rows.num_rows() > 0;
  }

  absl::StatusOr<SchemaStatus> ReadStatus(Transaction& tx) {
    SchemaStatus status;
    status.dialect = std::string(sql::DialectName(db_.dialect()));
    status.latest_version = static_cast<int>(known_.size());

    // The history, each row checked against the compiled-in migration.
    std::set<int> versions;
    OPSBRAIN_ASSIGN_OR_RETURN(const bool has_history,
                              TableExists(tx, kHistoryTable));
    if (has_history) {
      OPSBRAIN_ASSIGN_OR_RETURN(
          ResultSet rows,
          tx.Execute("SELECT version, description, checksum, applied_at "
                     "FROM schema_migrations ORDER BY version",
                     {}));
      for (int row = 0; row < rows.num_rows(); ++row) {
        RowReader reader(rows, row);
        MigrationInfo info;
        info.version = static_cast<int>(reader.Int64(0));
        info.description = reader.String(1);
        info.checksum = reader.String(2);
        info.applied_time = reader.Time(3);
        OPSBRAIN_RETURN_IF_ERROR(reader.status());
        CheckApplied(info, &status.problems);
        versions.insert(info.version);
        status.applied.push_back(std::move(info));
      }
    }

    // Applied in order: 1..current, and nothing known missing below the
    // highest applied version.
    while (status.current_version < status.latest_version &&
           versions.count(status.current_version + 1) > 0) {
      ++status.current_version;
    }
    const int highest = versions.empty() ? 0 : *versions.rbegin();
    for (const Migration& migration : known_) {
      if (versions.count(migration.version) > 0) continue;
      if (migration.version < highest) {
        status.problems.push_back(
            {SchemaProblem::Kind::kOutOfOrder, migration.version,
             absl::StrCat("migration ", migration.version, " (",
                          migration.description,
                          ") is not applied, but migration ", highest,
                          " after it is: migrations apply in version order, "
                          "so it cannot be applied now; restore the database "
                          "or its history from a backup")});
      }
      MigrationInfo info;
      info.version = migration.version;
      info.description = migration.description;
      info.checksum = migration.checksum;
      info.sql = migration.sql;
      status.pending.push_back(std::move(info));
    }

    // Failed attempts that no later success resolved.
    OPSBRAIN_ASSIGN_OR_RETURN(const bool has_failures,
                              TableExists(tx, kFailuresTable));
    if (has_failures) {
      OPSBRAIN_ASSIGN_OR_RETURN(
          ResultSet rows,
          tx.Execute("SELECT version, description, checksum, error, "
                     "failed_at FROM schema_migration_failures WHERE "
                     "resolved_at IS NULL ORDER BY failed_at, version",
                     {}));
      for (int row = 0; row < rows.num_rows(); ++row) {
        RowReader reader(rows, row);
        MigrationFailure failure;
        failure.version = static_cast<int>(reader.Int64(0));
        failure.description = reader.String(1);
        failure.checksum = reader.String(2);
        failure.error = reader.String(3);
        failure.failed_time = reader.Time(4);
        OPSBRAIN_RETURN_IF_ERROR(reader.status());
        status.failures.push_back(std::move(failure));
      }
    }
    return status;
  }

  // An applied migration must be the compiled-in one of the same version.
  void CheckApplied(const MigrationInfo& info,
                    std::vector<SchemaProblem>* problems) const {
    if (info.version < 1 || info.version > static_cast<int>(known_.size())) {
      problems->push_back(
          {SchemaProblem::Kind::kUnknownVersion, info.version,
           absl::StrCat("migration ", info.version, " (", info.description,
                        ") is applied, but this binary knows migrations 1 to ",
                        known_.size(),
                        " only: a newer version applied it; deploy that "
                        "version or a newer one")});
      return;
    }
    const Migration& known = known_[info.version - 1];
    if (known.checksum != info.checksum) {
      problems->push_back(
          {SchemaProblem::Kind::kChecksumMismatch, info.version,
           absl::StrCat("migration ", info.version, " (", info.description,
                        ") was edited after it was applied: its recorded "
                        "checksum is ",
                        Short(info.checksum), "..., the compiled-in one's is ",
                        Short(known.checksum),
                        "...; restore the migration as it was applied and put "
                        "the change in a new migration")});
    }
  }

  static absl::Status RefuseProblems(const SchemaStatus& status) {
    if (status.problems.empty()) return absl::OkStatus();
    std::vector<std::string> messages;
    for (const SchemaProblem& problem : status.problems) {
      messages.push_back(problem.message);
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "the schema history does not match this binary's migrations, so "
        "nothing was applied: ",
        absl::StrJoin(messages, "; ")));
  }

  // The tables of migration 1, as the catalog has them, must be exactly
  // LegacySchemaCatalog().
  absl::Status CheckLegacyCatalog(Transaction& tx) {
    std::vector<std::string> differences;
    int present = 0;
    for (const CatalogTable& table : LegacySchemaCatalog()) {
      const std::vector<Param> name = {std::string(table.name)};
      OPSBRAIN_ASSIGN_OR_RETURN(ResultSet rows,
                                tx.Execute(dialect_.table_columns, name));
      if (rows.num_rows() == 0) {
        differences.push_back(
            absl::StrCat("table ", table.name, " is missing"));
        continue;
      }
      ++present;
      std::vector<std::pair<std::string, std::string>> actual;
      for (int row = 0; row < rows.num_rows(); ++row) {
        RowReader reader(rows, row);
        std::string column = reader.String(0);
        std::string type = reader.String(1);
        OPSBRAIN_RETURN_IF_ERROR(reader.status());
        actual.emplace_back(std::move(column), std::move(type));
      }
      for (const CatalogColumn& column : table.columns) {
        const std::string expected_type =
            db_.dialect() == sql::Dialect::kPostgres ? column.postgres_type
                                                     : column.sqlite_type;
        const auto found = std::find_if(
            actual.begin(), actual.end(),
            [&](const auto& entry) { return entry.first == column.name; });
        if (found == actual.end()) {
          differences.push_back(absl::StrCat("column ", table.name, ".",
                                             column.name, " is missing"));
        } else if (!absl::EqualsIgnoreCase(found->second, expected_type)) {
          differences.push_back(
              absl::StrCat("column ", table.name, ".", column.name, " is ",
                           Excerpt(found->second), ", not ", expected_type));
        }
      }
      for (const auto& [column, type] : actual) {
        const bool known = std::any_of(
            table.columns.begin(), table.columns.end(),
            [&](const CatalogColumn& c) { return column == c.name; });
        if (!known) {
          differences.push_back(absl::StrCat("column ", table.name, ".",
                                             Excerpt(column),
                                             " is not in migration 1"));
        }
      }
    }
    if (present == 0) {
      return absl::FailedPreconditionError(
          "the database has none of the tables of migration 1 (the legacy "
          "schema), so there is nothing to baseline; run `migrator up` to "
          "create the schema");
    }
    if (!differences.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the existing tables differ from migration 1 (the legacy schema), "
          "so they cannot be recorded as version 1: ",
          absl::StrJoin(differences, "; ")));
    }
    return absl::OkStatus();
  }

  sql::Database& db_;
  const sql::DialectSql& dialect_;
  const std::vector<Migration>& known_;

  absl::Mutex run_mu_;
  bool idle_ ABSL_GUARDED_BY(run_mu_) = true;
};

}  // namespace

std::unique_ptr<SchemaManager> NewSqlSchemaManager(sql::Database* database) {
  return std::make_unique<SqlSchemaManager>(database,
                                            MigrationsFor(database->dialect()));
}

std::unique_ptr<SchemaManager> NewSqlSchemaManagerForTest(
    sql::Database* database, const std::vector<Migration>* migrations) {
  return std::make_unique<SqlSchemaManager>(database, *migrations);
}

}  // namespace opsbrain::migrations
