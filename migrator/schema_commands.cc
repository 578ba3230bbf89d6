#include "migrator/schema_commands.h"

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "migrator/exit_codes.h"
#include "migrator/store_client.h"
#include "opsbrain/v1/internal.pb.h"

namespace opsbrain::migrator {
namespace {

ExitCode Failure(const absl::Status& status, std::ostream& err) {
  err << "migrator: " << status.message() << "\n";
  const bool unreachable = status.code() == absl::StatusCode::kUnavailable ||
                           status.code() == absl::StatusCode::kDeadlineExceeded;
  return unreachable ? kExitUnavailable : kExitFailure;
}

std::string Utc(const google::protobuf::Timestamp& time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(time.seconds()),
                          absl::UTCTimeZone());
}

void PrintMigration(const v1::Migration& migration, std::ostream& out) {
  out << "  " << migration.version() << "  " << migration.description();
  if (migration.has_applied_time()) {
    out << "  applied " << Utc(migration.applied_time());
  }
  out << "  sha256 " << migration.checksum().substr(0, 12) << "\n";
}

void PrintSchema(const v1::SchemaStatus& schema, std::ostream& out) {
  const char* state = schema.problems_size() > 0   ? "history has problems"
                      : schema.pending_size() == 0 ? "current"
                                                   : "behind";
  out << "Schema version " << schema.current_version() << " of "
      << schema.latest_version() << " (" << state << ", " << schema.dialect()
      << ")\n";
}

void PrintFailures(const v1::SchemaStatus& schema, std::ostream& out) {
  if (schema.failures_size() == 0) return;
  out << "Failed attempts, rolled back (the next `migrator up` retries):\n";
  for (const v1::MigrationFailure& failure : schema.failures()) {
    out << "  " << failure.version() << "  " << failure.description()
        << "  failed " << Utc(failure.failed_time()) << ": " << failure.error()
        << "\n";
  }
}

void PrintProblems(const v1::SchemaStatus& schema, std::ostream& out) {
  if (schema.problems_size() == 0) return;
  out << "Problems (nothing is applied until they are fixed):\n";
  for (const v1::SchemaProblem& problem : schema.problems()) {
    out << "  " << problem.message() << "\n";
  }
}

ExitCode DryRun(StoreClient& store, std::ostream& out, std::ostream& err) {
  absl::StatusOr<v1::SchemaStatus> schema =
      store.GetSchemaStatus(/*include_sql=*/true);
  if (!schema.ok()) return Failure(schema.status(), err);
  PrintSchema(*schema, out);
  PrintFailures(*schema, out);
  if (schema->problems_size() > 0) {
    PrintProblems(*schema, out);
    err << "migrator: `migrator up` would refuse: the schema history does "
           "not match the storage service's migrations\n";
    return kExitSchemaHistory;
  }
  if (schema->pending_size() == 0) {
    out << "Dry run: nothing would be applied; no pending migrations.\n";
    return kExitOk;
  }
  out << "Dry run, nothing changed. `migrator up` would apply, in order, "
         "each in its own transaction:\n";
  for (const v1::Migration& migration : schema->pending()) {
    PrintMigration(migration, out);
  }
  for (const v1::Migration& migration : schema->pending()) {
    out << "\n-- Migration " << migration.version() << " ("
        << migration.description() << "), sha256 " << migration.checksum()
        << "\n"
        << migration.sql();
    if (!migration.sql().empty() && migration.sql().back() != '\n') {
      out << "\n";
    }
  }
  return kExitOk;
}

}  // namespace

ExitCode RunStatusCommand(StoreClient& store, std::ostream& out,
                          std::ostream& err) {
  absl::StatusOr<v1::SchemaStatus> schema = store.GetSchemaStatus();
  if (!schema.ok()) return Failure(schema.status(), err);
  PrintSchema(*schema, out);
  out << "Applied:" << (schema->applied_size() == 0 ? " none" : "") << "\n";
  for (const v1::Migration& migration : schema->applied()) {
    PrintMigration(migration, out);
  }
  out << "Pending:" << (schema->pending_size() == 0 ? " none" : "") << "\n";
  for (const v1::Migration& migration : schema->pending()) {
    PrintMigration(migration, out);
  }
  PrintFailures(*schema, out);
  PrintProblems(*schema, out);
  return kExitOk;
}

ExitCode RunUpCommand(StoreClient& store, const SchemaCommandOptions& options,
                      std::ostream& out, std::ostream& err) {
  if (options.dry_run) return DryRun(store, out, err);
  absl::StatusOr<v1::ApplyMigrationsResponse> response =
      store.ApplyMigrations(options.lock_timeout);
  if (!response.ok()) {
    const ExitCode code = Failure(response.status(), err);
    // Say where the schema stands now, when the service can tell.
    absl::StatusOr<v1::SchemaStatus> schema = store.GetSchemaStatus();
    if (schema.ok()) {
      PrintSchema(*schema, out);
      PrintFailures(*schema, out);
      PrintProblems(*schema, out);
      if (schema->problems_size() > 0) return kExitSchemaHistory;
    }
    return code;
  }
  if (response->applied_size() == 0) {
    out << "Nothing to do: no pending migrations.\n";
  }
  for (const v1::Migration& migration : response->applied()) {
    out << "Applied migration " << migration.version() << " ("
        << migration.description() << ")\n";
  }
  PrintSchema(response->status(), out);
  return kExitOk;
}

ExitCode RunValidateCommand(StoreClient& store, std::ostream& out,
                            std::ostream& err) {
  absl::StatusOr<v1::SchemaStatus> schema = store.GetSchemaStatus();
  if (!schema.ok()) return Failure(schema.status(), err);
  PrintSchema(*schema, out);
  PrintFailures(*schema, out);
  if (schema->problems_size() > 0) {
    out << "Validation FAILED (" << schema->problems_size() << "):\n";
    for (const v1::SchemaProblem& problem : schema->problems()) {
      out << "  " << problem.message() << "\n";
    }
    err << "migrator: the schema history does not match the storage "
           "service's migrations\n";
    return kExitSchemaHistory;
  }
  out << "Validated: the " << schema->applied_size()
      << " applied migrations are the storage service's own (checksums "
         "equal, in order)";
  if (schema->pending_size() > 0) {
    out << "; " << schema->pending_size() << " pending (run `migrator up`)";
  }
  out << ".\n";
  return kExitOk;
}

ExitCode RunBaselineCommand(StoreClient& store,
                            const SchemaCommandOptions& options,
                            std::ostream& out, std::ostream& err) {
  absl::StatusOr<v1::BaselineSchemaResponse> response =
      store.BaselineSchema(options.lock_timeout);
  if (!response.ok()) return Failure(response.status(), err);
  if (response->recorded()) {
    out << "Recorded the existing legacy schema as migration 1: its tables "
           "and columns match. Run `migrator up` to upgrade it in place.\n";
  } else {
    out << "Nothing to do: the database already has a migration history.\n";
  }
  PrintSchema(response->status(), out);
  return kExitOk;
}

}  // namespace opsbrain::migrator
