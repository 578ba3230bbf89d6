// The migrator's schema commands against the real storage_service binary:
// the dry run, validate against an edited history, a migration that fails
// (rolled back, recorded, retried once fixed), the baseline of a schema
// the old app created, and two migrators at once.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/records.pb.h"
#include "storage_service/database_factory.h"
#include "storage_service/sql/database.h"
#include "tests/conformance/test_store.h"
#include "tests/migrator/migrator_env.h"
#include "tests/migrator/record_source.h"
#include "tests/storage_service/storage_process.h"
#include "tests/util/subprocess.h"

namespace opsbrain::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// migrator/exit_codes.h
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitSchemaHistory = 7;

absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone());
}

int64_t Seconds(const google::protobuf::Timestamp& time) {
  return time.seconds();
}

// Occurrences of `needle` in `text`.
int Count(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

class MigratorSchemaTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = NewDatabaseUrl(GetParam());
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
    absl::StatusOr<DatabaseTarget> target = ParseDatabaseUrl(url_);
    ASSERT_TRUE(target.ok()) << target.status();
    absl::StatusOr<std::unique_ptr<sql::Database>> database =
        OpenDatabase(*target);
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    absl::StatusOr<std::unique_ptr<StorageProcess>> storage =
        StorageProcess::Start(url_);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = *std::move(storage);
  }

  bool postgres() const { return GetParam() == Backend::kPostgres; }

  MigratorRun Migrator(const std::vector<std::string>& args) {
    return RunMigrator(args, absl::StrCat("127.0.0.1:", storage_->port()));
  }

  // Runs a script on the store's database, behind the service's back.
  absl::Status Exec(const std::string& script) {
    return database_->RunInTransaction(
        sql::TransactionMode::kReadWrite,
        [&](sql::Transaction& tx) { return tx.ExecuteScript(script); });
  }

  // The legacy schema as the old app created it on this backend.
  std::string LegacySchema() {
    return ReadFileOrEmpty(RunfilePath(
        postgres() ? "tests/migrator/testdata/legacy_postgres_schema.sql"
                   : "tests/migrator/testdata/original_schema.sql"));
  }

  std::string url_;
  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<StorageProcess> storage_;
};

TEST_P(MigratorSchemaTest, DryRunPrintsThePlanAndTheSqlAndChangesNothing) {
  MigratorRun run = Migrator({"up", "--dry-run"});
  ASSERT_EQ(run.exit_code, kExitOk) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Schema version 0 of 3 (behind"));
  EXPECT_THAT(run.output,
              HasSubstr("Dry run, nothing changed. `migrator up` would apply, "
                        "in order, each in its own transaction:\n  1  legacy "
                        "schema  sha256 "));
  EXPECT_THAT(run.output, HasSubstr("-- Migration 1 (legacy schema), sha256 "));
  EXPECT_THAT(run.output, HasSubstr("CREATE TABLE configurations ("));
  EXPECT_THAT(run.output, HasSubstr("-- Migration 2 (current shape)"));
  EXPECT_THAT(run.output, HasSubstr("ADD COLUMN etag"));

  MigratorRun status = Migrator({"status"});
  EXPECT_THAT(status.output, HasSubstr("Schema version 0 of 3 (behind"));
  EXPECT_THAT(status.output, HasSubstr("Applied: none"));
  EXPECT_FALSE(Exec("SELECT 1 FROM configurations").ok());

  ASSERT_EQ(Migrator({"up"}).exit_code, kExitOk);
  run = Migrator({"up", "--dry-run"});
  EXPECT_EQ(run.exit_code, kExitOk) << run.output;
  EXPECT_THAT(run.output, HasSubstr("nothing would be applied"));
}

TEST_P(MigratorSchemaTest,
       ValidateRefusesAnEditedMigrationAndUpAppliesNothing) {
  ASSERT_EQ(Migrator({"up"}).exit_code, kExitOk);
  MigratorRun run = Migrator({"validate"});
  EXPECT_EQ(run.exit_code, kExitOk) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Validated: the 3 applied migrations are "
                                    "the storage service's own"));

  // Someone edited migration 2 after it ran (here: its recorded checksum).
  ASSERT_TRUE(Exec("UPDATE schema_migrations SET checksum = "
                   "'0123456789abcdef' WHERE version = 2")
                  .ok());
  run = Migrator({"validate"});
  EXPECT_EQ(run.exit_code, kExitSchemaHistory) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Validation FAILED (1):\n  migration 2 "
                                    "(current shape) was edited after it was "
                                    "applied: its recorded checksum is "
                                    "0123456789ab..."));
  run = Migrator({"up"});
  EXPECT_EQ(run.exit_code, kExitSchemaHistory) << run.output;
  EXPECT_THAT(run.output, HasSubstr("nothing was applied"));
  run = Migrator({"status"});
  EXPECT_EQ(run.exit_code, kExitOk) << run.output;
  EXPECT_THAT(run.output, HasSubstr("history has problems"));

  // A history with a version missing below an applied one.
  ASSERT_TRUE(Exec("DELETE FROM schema_migrations WHERE version = 1").ok());
  run = Migrator({"validate"});
  EXPECT_EQ(run.exit_code, kExitSchemaHistory) << run.output;
  EXPECT_THAT(run.output, HasSubstr("migration 1 (legacy schema) is not "
                                    "applied, but migration 3 after it is"));
}

TEST_P(MigratorSchemaTest, FailedMigrationIsRolledBackRecordedAndRetried) {
  // A legacy database in which someone made an object that migration 2
  // creates too.
  ASSERT_TRUE(Exec(absl::StrCat(LegacySchema(),
                                "CREATE TABLE idx_business_goals_order "
                                "(x INTEGER);"))
                  .ok());
  ASSERT_EQ(Migrator({"baseline"}).exit_code, kExitOk);

  MigratorRun run = Migrator({"up"});
  EXPECT_EQ(run.exit_code, kExitFailure) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("migration 2 (current shape) failed and was rolled "
                        "back; the schema stays at version 1 and the failure "
                        "is recorded"));
  EXPECT_THAT(run.output, HasSubstr("idx_business_goals_order"));
  // Nothing of migration 2 stayed.
  EXPECT_FALSE(Exec("SELECT etag FROM configurations").ok());

  run = Migrator({"status"});
  EXPECT_THAT(run.output, HasSubstr("Schema version 1 of 3 (behind"));
  EXPECT_THAT(run.output, HasSubstr("Failed attempts, rolled back (the next "
                                    "`migrator up` retries):\n  2  current "
                                    "shape  failed "));

  // The cause removed, the next run applies it and the failure is resolved.
  ASSERT_TRUE(Exec("DROP TABLE idx_business_goals_order").ok());
  run = Migrator({"up"});
  EXPECT_EQ(run.exit_code, kExitOk) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Applied migration 2 (current shape)"));
  run = Migrator({"status"});
  EXPECT_THAT(run.output, HasSubstr("Schema version 3 of 3 (current"));
  EXPECT_THAT(run.output, Not(HasSubstr("Failed attempts")));
  EXPECT_TRUE(Exec("SELECT etag FROM configurations").ok());
}

TEST_P(MigratorSchemaTest, BaselineRefusesTablesThatDifferFromMigrationOne) {
  MigratorRun run = Migrator({"baseline"});
  EXPECT_EQ(run.exit_code, kExitFailure) << run.output;
  EXPECT_THAT(run.output, HasSubstr("none of the tables of migration 1"));

  ASSERT_TRUE(Exec(absl::StrCat(LegacySchema(),
                                "ALTER TABLE performance_metrics DROP COLUMN "
                                "additional_data;"))
                  .ok());
  run = Migrator({"baseline"});
  EXPECT_EQ(run.exit_code, kExitFailure) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("the existing tables differ from migration 1 (the "
                        "legacy schema), so they cannot be recorded as version "
                        "1: column performance_metrics.additional_data is "
                        "missing"));
  EXPECT_THAT(Migrator({"status"}).output, HasSubstr("Applied: none"));
}

INSTANTIATE_TEST_SUITE_P(Backends, MigratorSchemaTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

class MigratorOnPostgresTest : public MigratorSchemaTest {};

TEST_P(MigratorOnPostgresTest, TwoMigratorsAtOnceApplyEachMigrationOnce) {
  const std::string address = absl::StrCat("127.0.0.1:", storage_->port());
  std::vector<std::unique_ptr<Subprocess>> migrators;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
        {RunfilePath("migrator/migrator"), "up", "--lock-timeout=60s"},
        {{"STORAGE_ADDR", address}});
    ASSERT_TRUE(process.ok()) << process.status();
    migrators.push_back(*std::move(process));
  }
  std::string outputs;
  for (const std::unique_ptr<Subprocess>& migrator : migrators) {
    absl::StatusOr<int> code = migrator->Wait(absl::Seconds(120));
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, kExitOk) << migrator->output();
    outputs += migrator->output();
  }

  // One applied both; the other waited for the lock and found nothing.
  EXPECT_EQ(Count(outputs, "Applied migration 1 (legacy schema)"), 1)
      << outputs;
  EXPECT_EQ(Count(outputs, "Applied migration 2 (current shape)"), 1)
      << outputs;
  EXPECT_EQ(Count(outputs, "Nothing to do: no pending migrations."), 1)
      << outputs;
  const std::string log = storage_->process().output();
  EXPECT_EQ(Count(log, "applied migration 1 (legacy schema) for migrator"), 1)
      << log;
  EXPECT_EQ(Count(log, "applied migration 2 (current shape) for migrator"), 1)
      << log;

  // The history holds each version once.
  std::vector<int64_t> versions;
  ASSERT_TRUE(database_
                  ->RunInTransaction(
                      sql::TransactionMode::kReadOnly,
                      [&](sql::Transaction& tx) -> absl::Status {
                        absl::StatusOr<sql::ResultSet> rows = tx.Execute(
                            "SELECT version FROM schema_migrations ORDER BY "
                            "version",
                            {});
                        if (!rows.ok()) return rows.status();
                        for (int row = 0; row < rows->num_rows(); ++row) {
                          sql::RowReader reader(*rows, row);
                          versions.push_back(reader.Int64(0));
                        }
                        return absl::OkStatus();
                      })
                  .ok());
  EXPECT_THAT(versions, ElementsAre(1, 2, 3));
}

// The old app's PostgreSQL database, with rows: baseline, up, and every row
// read back through the Repository API.
constexpr char kLegacyRows[] = R"sql(
INSERT INTO configurations (key, value, category, description, is_sensitive,
    created_at, updated_at) VALUES
  ('app_name', 'OpsBrain', 'general', 'Display name', FALSE,
   '2025-08-20 12:00:41', '2025-08-21 09:30:00'),
  ('openai_api_key', 'sk-FAKE-1', 'openai', NULL, TRUE,
   '2025-08-20 12:00:41', '2025-08-20 12:00:41');
INSERT INTO thread_contexts (thread_key, channel_id, thread_ts, messages,
    created_at, updated_at, expires_at) VALUES
  ('C0123:1756640395.361477', 'C0123', '1756640395.361477',
   '["User: how are sales?", "OpsBrain: 3 deals \ud83c\udfaf"]',
   '2025-09-01 11:00:00', '2025-09-01 11:05:00', '2099-01-01 00:00:00');
INSERT INTO business_goals (id, title, description, area, status, priority,
    target_date, progress, weekly_actions, daily_actions, success_metrics,
    notes, created_at, updated_at) VALUES
  ('sales_1', 'Lead pipeline', 'Build it', 'SALES', 'in_progress', 3,
   '2025-12-31', 40, '["Call 10 leads"]', '[]', '{"deals_closed": 5}',
   'on track', '2025-08-20 12:00:40', '2025-08-22 08:00:00');
INSERT INTO app_settings (setting_key, setting_value, setting_type,
    description, created_at, updated_at) VALUES
  ('max_digest_items', '5', 'integer', 'Items per digest',
   '2025-08-20 12:00:41', '2025-08-20 12:00:41');
INSERT INTO user_preferences (user_id, preference_key, preference_value,
    created_at, updated_at) VALUES
  ('U0123ABCD', 'timezone', 'Europe/Paris', '2025-08-25 10:00:00',
   '2025-08-25 10:00:00');
INSERT INTO config_audit (table_name, record_id, action, old_values,
    new_values, changed_by, changed_at) VALUES
  ('configurations', 'app_name', 'UPDATE', '{"value": "Ops"}',
   '{"value": "OpsBrain"}', 'U0123ABCD', '2025-08-21 09:30:00');
INSERT INTO performance_metrics (metric_name, metric_value, metric_unit,
    timestamp, additional_data) VALUES
  ('slack_response_time', 1.2500, 'seconds', '2025-09-01 11:52:01',
   '{"channel": "C0123"}'),
  ('openai_tokens', 340, 'count', '2025-09-01 11:53:00', NULL);
)sql";

TEST_P(MigratorOnPostgresTest, BaselineAndUpUpgradeTheOldAppsDatabase) {
  ASSERT_TRUE(Exec(absl::StrCat(LegacySchema(), kLegacyRows)).ok());

  // `up` alone tries to create the tables again, fails, and says why.
  MigratorRun run = Migrator({"status"});
  EXPECT_THAT(run.output, HasSubstr("Schema version 0 of 3"));
  run = Migrator({"up"});
  EXPECT_EQ(run.exit_code, kExitFailure) << run.output;
  EXPECT_THAT(run.output, HasSubstr("the database already holds tables of the "
                                    "legacy schema: if the old app created "
                                    "them, run `migrator baseline` first"));
  EXPECT_THAT(Migrator({"status"}).output,
              HasSubstr("Failed attempts, rolled back"));

  // The baseline records version 1 and resolves that failure.
  run = Migrator({"baseline"});
  ASSERT_EQ(run.exit_code, kExitOk) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Recorded the existing legacy schema as "
                                    "migration 1"));
  EXPECT_THAT(run.output, HasSubstr("Schema version 1 of 3 (behind"));
  run = Migrator({"up"});
  ASSERT_EQ(run.exit_code, kExitOk) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Applied migration 2 (current shape)"));
  EXPECT_THAT(run.output, Not(HasSubstr("Applied migration 1")));
  EXPECT_EQ(Migrator({"validate"}).exit_code, kExitOk);
  EXPECT_THAT(Migrator({"status"}).output, Not(HasSubstr("Failed attempts")));
  EXPECT_THAT(Migrator({"baseline"}).output,
              HasSubstr("Nothing to do: the database already has a migration "
                        "history"));

  // Every old row, through the Repository API.
  std::unique_ptr<v1::Repository::Stub> stub = storage_->Repository();
  std::unique_ptr<RecordSource> records = NewGrpcRecordSource(stub.get());

  absl::StatusOr<std::vector<v1::Configuration>> configs =
      records->ListConfigurations("read,secrets");
  ASSERT_TRUE(configs.ok()) << configs.status();
  ASSERT_EQ(configs->size(), 2u);
  const v1::Configuration& app_name = (*configs)[0];
  EXPECT_EQ(app_name.key(), "app_name");
  EXPECT_EQ(app_name.value(), "OpsBrain");
  EXPECT_EQ(app_name.category(), "general");
  EXPECT_EQ(app_name.description(), "Display name");
  EXPECT_FALSE(app_name.is_sensitive());
  EXPECT_EQ(Seconds(app_name.create_time()),
            absl::ToUnixSeconds(Utc(2025, 8, 20, 12, 0, 41)));
  EXPECT_EQ(Seconds(app_name.update_time()),
            absl::ToUnixSeconds(Utc(2025, 8, 21, 9, 30, 0)));
  EXPECT_FALSE(app_name.etag().empty());
  const v1::Configuration& key = (*configs)[1];
  EXPECT_EQ(key.key(), "openai_api_key");
  EXPECT_EQ(key.value(), "sk-FAKE-1");
  EXPECT_TRUE(key.is_sensitive());
  EXPECT_EQ(key.description(), "");

  absl::StatusOr<v1::ThreadContext> thread =
      records->GetThreadContext("C0123:1756640395.361477");
  ASSERT_TRUE(thread.ok()) << thread.status();
  EXPECT_EQ(thread->channel_id(), "C0123");
  EXPECT_EQ(thread->thread_ts(), "1756640395.361477");
  EXPECT_THAT(thread->messages(),
              ElementsAre("User: how are sales?",
                          "OpsBrain: 3 deals \xF0\x9F\x8E\xAF"));
  EXPECT_EQ(Seconds(thread->expire_time()),
            absl::ToUnixSeconds(Utc(2099, 1, 1, 0, 0, 0)));

  // The goal's area folded to the lower case the API filters on.
  absl::StatusOr<std::vector<v1::BusinessGoal>> goals =
      records->ListBusinessGoals("sales", "");
  ASSERT_TRUE(goals.ok()) << goals.status();
  ASSERT_EQ(goals->size(), 1u);
  const v1::BusinessGoal& goal = (*goals)[0];
  EXPECT_EQ(goal.id(), "sales_1");
  EXPECT_EQ(goal.title(), "Lead pipeline");
  EXPECT_EQ(goal.area(), "sales");
  EXPECT_EQ(goal.status(), "in_progress");
  EXPECT_EQ(goal.priority(), 3);
  EXPECT_EQ(goal.progress(), 40);
  EXPECT_EQ(goal.target_date().year(), 2025);
  EXPECT_EQ(goal.target_date().month(), 12);
  EXPECT_EQ(goal.target_date().day(), 31);
  EXPECT_THAT(goal.weekly_actions(), ElementsAre("Call 10 leads"));
  EXPECT_EQ(goal.success_metrics().fields().at("deals_closed").number_value(),
            5);
  EXPECT_EQ(goal.notes(), "on track");

  absl::StatusOr<std::vector<v1::AppSetting>> settings =
      records->ListAppSettings();
  ASSERT_TRUE(settings.ok()) << settings.status();
  ASSERT_EQ(settings->size(), 1u);
  EXPECT_EQ((*settings)[0].key(), "max_digest_items");
  EXPECT_EQ((*settings)[0].value(), "5");
  EXPECT_EQ((*settings)[0].type(), v1::AppSetting::INTEGER);

  absl::StatusOr<v1::UserPreference> preference =
      records->GetUserPreference("U0123ABCD", "timezone");
  ASSERT_TRUE(preference.ok()) << preference.status();
  EXPECT_EQ(preference->value(), "Europe/Paris");

  absl::StatusOr<std::vector<v1::AuditEntry>> audit =
      records->ListAuditEntries();
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].record_id(), "app_name");
  EXPECT_EQ((*audit)[0].action(), v1::AuditEntry::UPDATE);
  EXPECT_EQ((*audit)[0].actor(), "U0123ABCD");
  EXPECT_EQ((*audit)[0].new_values().fields().at("value").string_value(),
            "OpsBrain");

  absl::StatusOr<std::vector<v1::PerformanceMetric>> metrics =
      records->ListPerformanceMetrics(std::nullopt, std::nullopt);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  ASSERT_EQ(metrics->size(), 2u);  // Newest first.
  EXPECT_EQ((*metrics)[0].name(), "openai_tokens");
  EXPECT_EQ((*metrics)[0].value(), 340);
  EXPECT_FALSE((*metrics)[0].has_additional_data());
  EXPECT_EQ((*metrics)[1].name(), "slack_response_time");
  EXPECT_EQ((*metrics)[1].value(), 1.25);
  EXPECT_EQ((*metrics)[1].unit(), "seconds");
  EXPECT_EQ(Seconds((*metrics)[1].time()),
            absl::ToUnixSeconds(Utc(2025, 9, 1, 11, 52, 1)));

  // And the store takes new records on the upgraded tables.
  v1::UpdateConfigurationRequest update;
  update.mutable_configuration()->set_key("new_key");
  update.mutable_configuration()->set_value("v");
  update.set_allow_missing(true);
  grpc::ClientContext context;
  Prepare(&context, "read,write");
  v1::Configuration created;
  const grpc::Status status =
      stub->UpdateConfiguration(&context, update, &created);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

INSTANTIATE_TEST_SUITE_P(Postgres, MigratorOnPostgresTest,
                         ::testing::Values(Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

}  // namespace
}  // namespace opsbrain::testing
