// A legacy file that an older app version wrote over months, with every
// kind of messy value the conversion rules name (legacy_conversions.h),
// imported through the real binaries and read back through the Repository
// API: what was kept, in what form, and what was reported.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/records.pb.h"
#include "tests/conformance/test_store.h"
#include "tests/migrator/migrator_env.h"
#include "tests/migrator/record_source.h"
#include "tests/storage_service/storage_process.h"

namespace opsbrain::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr int kExitOk = 0;

// "café", precomposed (NFC) and decomposed (NFD).
constexpr char kCafeNfc[] = "caf\xc3\xa9";
constexpr char kCafeNfd[] = "cafe\xcc\x81";

int64_t Seconds(absl::CivilSecond civil) {
  return absl::ToUnixSeconds(absl::FromCivil(civil, absl::UTCTimeZone()));
}

// The schema of an older app version: no NOT NULL constraints, no
// is_sensitive or updated_at on configurations, timestamps of settings as
// TEXT, untyped goal numbers, and no user_preferences or
// performance_metrics tables at all.
constexpr char kOlderSchema[] = R"sql(
CREATE TABLE configurations (id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT UNIQUE, value TEXT, category TEXT, description TEXT,
    created_at TIMESTAMP);
CREATE TABLE thread_contexts (id INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_key TEXT UNIQUE, channel_id TEXT, thread_ts TEXT, messages TEXT,
    created_at TIMESTAMP, updated_at TIMESTAMP, expires_at TIMESTAMP);
CREATE TABLE business_goals (id TEXT PRIMARY KEY, title TEXT,
    description TEXT, area TEXT, status TEXT, priority, target_date DATE,
    progress, weekly_actions TEXT, daily_actions TEXT, success_metrics TEXT,
    notes TEXT, created_at TIMESTAMP, updated_at TIMESTAMP);
CREATE TABLE app_settings (id INTEGER PRIMARY KEY AUTOINCREMENT,
    setting_key TEXT UNIQUE, setting_value TEXT, setting_type TEXT,
    description TEXT, created_at TEXT, updated_at TEXT);
CREATE TABLE config_audit (id INTEGER PRIMARY KEY AUTOINCREMENT,
    table_name TEXT, record_id TEXT, action TEXT, old_values TEXT,
    new_values TEXT, changed_by TEXT, changed_at TIMESTAMP);
)sql";

// The rows, each with its rule.
std::string MessyRows() {
  std::string sql = absl::StrCat(
      // Keys that differ only in normalisation or letter case; timestamps
      // in every accepted form; a NULL value; text that is not UTF-8.
      "INSERT INTO configurations (key, value, category, created_at) VALUES "
      "('",
      kCafeNfc, "', 'nfc', 'General', '2025-08-20 12:00:41'), ('", kCafeNfd,
      "', 'nfd', NULL, '2025-08-20T12:00:41.250Z'), "
      "('Key', 'upper', 'api', '2025-08-20T14:00:41+02:00'), "
      "('key', NULL, 'api', 1756000000), "
      "('KEY', 'all upper', 'api', 1756000000123), "
      "('date_only', 'd', 'api', '2025-08-20'), "
      "('bad_utf8', CAST(X'6361666ce9' AS TEXT), 'api', "
      "'2025-08-20 12:00:41');");

  // A thread of 16 messages of 64 KiB: 1 MiB, the store's limit.
  std::string messages = "'['";
  for (int i = 0; i < 16; ++i) {
    absl::StrAppend(&messages, i == 0 ? "" : " || ','", " || '\"User: ' || ",
                    "printf('%.65530c', '", std::string(1, 'a' + i),
                    "') || '\"'");
  }
  messages += " || ']'";
  absl::StrAppend(
      &sql,
      "INSERT INTO thread_contexts (thread_key, channel_id, messages, "
      "created_at, updated_at, expires_at) VALUES ('C1', 'C1', ",
      messages,
      ", '2025-09-01 11:00:00', '2025-09-01 11:00:00', "
      "'2099-01-01 00:00:00');"
      // A NULL channel and messages that are not JSON.
      "INSERT INTO thread_contexts (thread_key, channel_id, thread_ts, "
      "messages, created_at, updated_at, expires_at) VALUES ('C2:1.5', "
      "NULL, '1.5', '[\"x\", NaN]', '2025-09-01 11:00:00', "
      "'2025-09-01 11:00:00', '2099-01-01T00:00:00Z');"
      // Goal ids that differ in case; integers as text; area and status in
      // any case; success_metrics that is not JSON.
      "INSERT INTO business_goals (id, title, description, area, status, "
      "priority, target_date, progress, weekly_actions, success_metrics, "
      "created_at, updated_at) VALUES ('Sales_1', 'Grow', 'd', 'SALES', "
      "'In_Progress', '3', '', ' 40 ', '[\"Call\"]', '{\"ratio\": NaN}', "
      "'2025-08-20 12:00:40', '2025-08-20 12:00:40'), ('sales_1', 'Other', "
      "'d', 'sales', 'not_started', 2, '2025-12-31', 0, NULL, NULL, "
      "'2025-08-20 12:00:40', NULL);"
      // Booleans as yes/no; a Unix time as TEXT.
      "INSERT INTO app_settings (setting_key, setting_value, setting_type, "
      "description, created_at, updated_at) VALUES ('flag', 'yes', "
      "'boolean', 'a flag', '1756000000', '1756000000');"
      // Python's repr instead of JSON; a NULL record id.
      "INSERT INTO config_audit (table_name, record_id, action, old_values, "
      "new_values, changed_by, changed_at) VALUES ('configurations', NULL, "
      "'update', '{''value'': None}', '{\"value\": \"b\"}', 'U1', "
      "'2025-08-26 11:00:00.5');");
  return sql;
}

TEST(MigratorMessyDataTest, KeepsReportsOrRejectsEveryMessyValueByItsRule) {
  absl::StatusOr<std::string> url = NewDatabaseUrl(Backend::kSqlite);
  ASSERT_TRUE(url.ok()) << url.status();
  absl::StatusOr<std::unique_ptr<StorageProcess>> storage =
      StorageProcess::Start(*url);
  ASSERT_TRUE(storage.ok()) << storage.status();
  const std::string address = absl::StrCat("127.0.0.1:", (*storage)->port());
  ASSERT_EQ(RunMigrator({"up"}, address).exit_code, kExitOk);

  const std::string dir = NewTempDir();
  const std::string legacy = absl::StrCat(dir, "/older.db");
  const std::string report = absl::StrCat(dir, "/report.json");
  ASSERT_TRUE(ExecSqlite(legacy, absl::StrCat(kOlderSchema, MessyRows())).ok());

  MigratorRun run = RunMigrator(
      {"import", "--from", legacy, "--skip-bad-rows", "--keep",
       "--progress=json", "--progress-interval=10ms", "--report", report},
      address);
  ASSERT_EQ(run.exit_code, kExitOk) << run.output;

  // What the summary says.
  EXPECT_THAT(run.output, HasSubstr("Not in the legacy file: user_preferences, "
                                    "performance_metrics"));
  EXPECT_THAT(run.output,
              HasSubstr("read as NULL: configurations.is_sensitive, "
                        "configurations.updated_at"));
  EXPECT_THAT(run.output,
              HasSubstr("Rejected rows (1):\n  configurations 'bad_utf8' "
                        "(legacy id 7): value: is not valid UTF-8"));
  EXPECT_THAT(run.output, HasSubstr("Rows kept with warnings (6):"));
  EXPECT_THAT(run.output,
              HasSubstr("configurations 'key' (legacy id 4): value: NULL "
                        "where the legacy schema says NOT NULL: read as ''"));
  EXPECT_THAT(run.output, HasSubstr("thread_contexts 'C2:1.5' (legacy id 2): "
                                    "channel_id: NULL"));
  EXPECT_THAT(run.output,
              HasSubstr("thread_contexts 'C2:1.5' (legacy id 2): messages: "
                        "not a JSON array of strings (NaN is not JSON"));
  EXPECT_THAT(run.output, HasSubstr("business_goals 'Sales_1': "
                                    "success_metrics: not a JSON object"));
  EXPECT_THAT(run.output, HasSubstr("config_audit '1' (legacy id 1): "
                                    "old_values: not a JSON object"));
  EXPECT_THAT(run.output, HasSubstr("Verification passed"));
  // Progress went out as JSON lines (stderr is not a terminal here).
  EXPECT_THAT(run.output,
              HasSubstr(R"({"event":"progress","phase":"import","table":)"
                        R"("thread_contexts","rows":0,"total":2,)"));

  // And the JSON report, which lists every row.
  const std::string json = ReadFileOrEmpty(report);
  EXPECT_THAT(json, HasSubstr("\"exit_code\": 0"));
  EXPECT_THAT(json, HasSubstr("\"reason\": \"value: is not valid UTF-8\""));
  EXPECT_THAT(json, HasSubstr("\"key\": \"C2:1.5\""));
  EXPECT_THAT(json, HasSubstr("\"missing_columns\": [\n        "
                              "\"is_sensitive\",\n        \"updated_at\"\n"));

  // What the store holds, through the Repository API.
  std::unique_ptr<v1::Repository::Stub> stub = (*storage)->Repository();
  std::unique_ptr<RecordSource> records = NewGrpcRecordSource(stub.get());

  absl::StatusOr<std::vector<v1::Configuration>> configs =
      records->ListConfigurations("read,secrets");
  ASSERT_TRUE(configs.ok()) << configs.status();
  std::map<std::string, v1::Configuration> by_key;
  for (const v1::Configuration& config : *configs)
    by_key[config.key()] = config;
  ASSERT_THAT(by_key, SizeIs(6));  // Not bad_utf8.
  EXPECT_EQ(by_key[kCafeNfc].value(), "nfc");
  EXPECT_EQ(by_key[kCafeNfc].category(), "general");
  EXPECT_EQ(by_key[kCafeNfd].value(), "nfd");
  EXPECT_EQ(by_key["Key"].value(), "upper");
  EXPECT_EQ(by_key["key"].value(), "");
  EXPECT_EQ(by_key["KEY"].value(), "all upper");
  EXPECT_FALSE(by_key["Key"].is_sensitive());
  EXPECT_EQ(by_key[kCafeNfc].create_time().seconds(),
            Seconds(absl::CivilSecond(2025, 8, 20, 12, 0, 41)));
  EXPECT_EQ(by_key[kCafeNfd].create_time().nanos(), 250000000);
  EXPECT_EQ(by_key["Key"].create_time().seconds(),
            Seconds(absl::CivilSecond(2025, 8, 20, 12, 0, 41)));
  EXPECT_EQ(by_key["key"].create_time().seconds(), 1756000000);
  EXPECT_EQ(by_key["KEY"].create_time().seconds(), 1756000000);
  EXPECT_EQ(by_key["KEY"].create_time().nanos(), 123000000);
  EXPECT_EQ(by_key["date_only"].create_time().seconds(),
            Seconds(absl::CivilSecond(2025, 8, 20, 0, 0, 0)));
  EXPECT_EQ(by_key["date_only"].update_time().seconds(),
            by_key["date_only"].create_time().seconds());

  absl::StatusOr<v1::ThreadContext> big = records->GetThreadContext("C1");
  ASSERT_TRUE(big.ok()) << big.status();
  ASSERT_EQ(big->messages_size(), 16);
  size_t total = 0;
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(big->messages(i),
              absl::StrCat("User: ", std::string(65530, 'a' + i)));
    total += big->messages(i).size();
  }
  EXPECT_EQ(total, size_t{1 << 20});
  absl::StatusOr<v1::ThreadContext> kept = records->GetThreadContext("C2:1.5");
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->channel_id(), "C2");
  EXPECT_THAT(kept->messages(), ElementsAre("[\"x\", NaN]"));

  absl::StatusOr<std::vector<v1::BusinessGoal>> goals =
      records->ListBusinessGoals("", "");
  ASSERT_TRUE(goals.ok()) << goals.status();
  std::map<std::string, v1::BusinessGoal> goal_by_id;
  for (const v1::BusinessGoal& goal : *goals) goal_by_id[goal.id()] = goal;
  ASSERT_THAT(goal_by_id, SizeIs(2));
  const v1::BusinessGoal& sales = goal_by_id["Sales_1"];
  EXPECT_EQ(sales.area(), "sales");
  EXPECT_EQ(sales.status(), "in_progress");
  EXPECT_EQ(sales.priority(), 3);
  EXPECT_EQ(sales.progress(), 40);
  EXPECT_FALSE(sales.has_target_date());
  EXPECT_EQ(sales.success_metrics().fields().at("_invalid_json").string_value(),
            "{\"ratio\": NaN}");
  EXPECT_EQ(goal_by_id["sales_1"].title(), "Other");
  EXPECT_EQ(goal_by_id["sales_1"].target_date().day(), 31);

  absl::StatusOr<std::vector<v1::AppSetting>> settings =
      records->ListAppSettings();
  ASSERT_TRUE(settings.ok()) << settings.status();
  ASSERT_THAT(*settings, SizeIs(1));
  EXPECT_EQ((*settings)[0].type(), v1::AppSetting::BOOLEAN);
  EXPECT_EQ((*settings)[0].value(), "true");
  EXPECT_EQ((*settings)[0].create_time().seconds(), 1756000000);

  absl::StatusOr<std::vector<v1::AuditEntry>> audit =
      records->ListAuditEntries();
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_THAT(*audit, SizeIs(1));
  EXPECT_EQ((*audit)[0].record_id(), "");
  EXPECT_EQ((*audit)[0].action(), v1::AuditEntry::UPDATE);
  EXPECT_EQ(
      (*audit)[0].old_values().fields().at("_invalid_json").string_value(),
      "{'value': None}");
  EXPECT_EQ((*audit)[0].change_time().nanos(), 500000000);

  // A second run adds nothing, and archives the file this time.
  run = RunMigrator(
      {"import", "--from", legacy, "--skip-bad-rows", "--progress=none"},
      address);
  ASSERT_EQ(run.exit_code, kExitOk) << run.output;
  // Of 13 rows, 1 rejected, 0 imported, 12 already present.
  EXPECT_THAT(run.output,
              HasSubstr("total                    13        1        0      "
                        "12"));
  EXPECT_THAT(run.output, HasSubstr("Legacy file archived as"));
}

}  // namespace
}  // namespace opsbrain::testing
