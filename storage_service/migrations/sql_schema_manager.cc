#include "storage_service/migrations/sql_schema_manager.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "storage_service/migrations/migrations.h"
#include "storage_service/sql/dialect_sql.h"

namespace opsbrain::migrations {
namespace {

using sql::Param;
using sql::ResultSet;
using sql::RowReader;
using sql::Transaction;
using sql::TransactionMode;

class SqlSchemaManager final : public SchemaManager {
 public:
  explicit SqlSchemaManager(sql::Database* database)
      : db_(*database), known_(MigrationsFor(database->dialect())) {}

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
      absl::Time now) override {
    std::vector<MigrationInfo> applied;
    for (const Migration& migration : known_) {
      bool ran = false;
      OPSBRAIN_RETURN_IF_ERROR(db_.RunInTransaction(
          TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
            ran = false;
            // Another migrator may have got here first; under the lock,
            // look again.
            const char* lock = sql::SqlFor(db_.dialect()).migration_lock;
            if (*lock != '\0') {
              OPSBRAIN_RETURN_IF_ERROR(tx.Execute(lock, {}).status());
            }
            OPSBRAIN_RETURN_IF_ERROR(CreateHistory(tx));
            OPSBRAIN_ASSIGN_OR_RETURN(SchemaStatus status, ReadStatus(tx));
            if (migration.version <= status.current_version) {
              return absl::OkStatus();
            }

            absl::Status result = tx.ExecuteScript(migration.sql);
            if (!result.ok()) {
              return absl::Status(result.code(),
                                  absl::StrCat("migration ", migration.version,
                                               " (", migration.description,
                                               ") failed: ", result.message()));
            }
            std::vector<Param> row = {int64_t{migration.version},
                                      migration.description, migration.checksum,
                                      now};
            OPSBRAIN_RETURN_IF_ERROR(
                tx.Execute("INSERT INTO schema_migrations (version, "
                           "description, checksum, applied_at) "
                           "VALUES ($1, $2, $3, $4)",
                           row)
                    .status());
            ran = true;
            return absl::OkStatus();
          }));
      if (ran) {
        OPSBRAIN_LOG(INFO) << "applied migration " << migration.version << " ("
                           << migration.description << ")";
        applied.push_back(MigrationInfo{
            migration.version, migration.description, migration.checksum, now});
      }
    }
    return applied;
  }

 private:
  absl::Status CreateHistory(Transaction& tx) {
    // The history table is the one piece of schema that precedes versioning.
    return tx
        .Execute(absl::StrCat("CREATE TABLE IF NOT EXISTS schema_migrations ("
                              "version INTEGER PRIMARY KEY, "
                              "description TEXT NOT NULL, "
                              "checksum TEXT NOT NULL, applied_at ",
                              sql::SqlFor(db_.dialect()).timestamp_type,
                              " NOT NULL)"),
                 {})
        .status();
  }

  absl::StatusOr<SchemaStatus> ReadStatus(Transaction& tx) {
    SchemaStatus status;
    status.dialect = std::string(sql::DialectName(db_.dialect()));
    status.latest_version = static_cast<int>(known_.size());

    OPSBRAIN_ASSIGN_OR_RETURN(
        ResultSet exists,
        tx.Execute(sql::SqlFor(db_.dialect()).history_exists, {}));
    if (exists.num_rows() > 0) {
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
        OPSBRAIN_RETURN_IF_ERROR(CheckApplied(info, row + 1));
        status.applied.push_back(std::move(info));
      }
    }
    status.current_version = static_cast<int>(status.applied.size());
    for (size_t i = status.applied.size(); i < known_.size(); ++i) {
      status.pending.push_back(MigrationInfo{
          known_[i].version, known_[i].description, known_[i].checksum, {}});
    }
    return status;
  }

  // An applied migration must be the compiled-in one of the same version.
  absl::Status CheckApplied(const MigrationInfo& info, int expected_version) {
    if (info.version != expected_version) {
      return absl::FailedPreconditionError(absl::StrCat(
          "schema history is not contiguous: found version ", info.version,
          " where ", expected_version, " was expected"));
    }
    if (info.version > static_cast<int>(known_.size())) {
      return absl::FailedPreconditionError(
          absl::StrCat("the database is at schema version ", info.version,
                       ", newer than this binary knows (", known_.size(),
                       "); deploy a newer storage service"));
    }
    const Migration& known = known_[info.version - 1];
    if (known.checksum != info.checksum) {
      return absl::FailedPreconditionError(absl::StrCat(
          "applied migration ", info.version, " (", info.description,
          ") differs from the compiled-in one: checksum ", info.checksum,
          " != ", known.checksum));
    }
    return absl::OkStatus();
  }

  sql::Database& db_;
  const std::vector<Migration>& known_;
};

}  // namespace

std::unique_ptr<SchemaManager> NewSqlSchemaManager(sql::Database* database) {
  return std::make_unique<SqlSchemaManager>(database);
}

}  // namespace opsbrain::migrations
