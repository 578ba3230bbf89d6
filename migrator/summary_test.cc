#include "migrator/summary.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "migrator/job_report.h"

namespace opsbrain::migrator {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

JobReport TwoTables() {
  JobReport report;
  report.legacy_path = "opsbrain.db";
  TableReport configs;
  configs.table = "configurations";
  configs.in_legacy_file = true;
  configs.read = 55;
  configs.imported = 54;
  configs.rejected = 1;
  configs.verification.verified = 54;
  configs.verification.legacy_checksum = "00000000000000aa";
  configs.verification.store_checksum = "00000000000000aa";
  TableReport goals;
  goals.table = "business_goals";
  goals.in_legacy_file = true;
  goals.read = 10;
  goals.imported = 10;
  goals.verification.verified = 10;
  goals.notes["area folded to lower case"] = 8;
  TableReport threads;
  threads.table = "thread_contexts";
  threads.in_legacy_file = true;
  threads.read = 40;
  threads.imported = 22;
  threads.expired_skipped = 18;
  threads.verification.verified = 22;
  threads.verification.expired_removed = 18;
  TableReport audit;
  audit.table = "config_audit";
  report.tables = {configs, threads, goals, audit};
  report.rejected.push_back({"configurations", "", 61,
                             "key: is empty (the legacy app allowed '')",
                             false});
  report.imported = true;
  report.verified = true;
  return report;
}

TEST(SummaryTest, ListsCountsTotalsNotesAndRejectedRows) {
  const std::string summary = FormatSummary(TwoTables());
  EXPECT_THAT(summary, HasSubstr("Legacy file: opsbrain.db\n"));
  EXPECT_THAT(summary,
              HasSubstr("configurations           55        1       54"));
  EXPECT_THAT(summary, HasSubstr("total                   105        1"));
  EXPECT_THAT(summary,
              HasSubstr("Not imported, already expired: thread_contexts 18"));
  EXPECT_THAT(summary, HasSubstr("Not in the legacy file: config_audit"));
  EXPECT_THAT(summary,
              HasSubstr("business_goals       area folded to lower case: 8"));
  EXPECT_THAT(summary,
              HasSubstr("configurations '' (legacy id 61): key: is empty"));
  EXPECT_THAT(summary, HasSubstr("Verification passed"));
  EXPECT_THAT(summary, Not(HasSubstr("Nothing added")));
}

TEST(SummaryTest, SaysWhenNothingChanged) {
  JobReport report = TwoTables();
  report.rejected.clear();
  for (TableReport& table : report.tables) {
    table.already_present = table.imported;
    table.imported = 0;
    table.rejected = 0;
  }
  EXPECT_THAT(FormatSummary(report),
              HasSubstr("Nothing added or changed: every row was already in "
                        "the store."));
}

TEST(SummaryTest, NamesEveryVerificationProblem) {
  JobReport report = TwoTables();
  report.problems.push_back({"configurations", "app_name",
                             "the stored row differs from the legacy row"});
  report.tables[0].verification.store_checksum = "00000000000000bb";
  const std::string summary = FormatSummary(report);
  EXPECT_THAT(summary, HasSubstr("Verification FAILED (1 rows)"));
  EXPECT_THAT(summary, HasSubstr("configurations 'app_name': the stored row "
                                 "differs"));
  EXPECT_THAT(summary, HasSubstr("DIFFER"));
}

TEST(SummaryTest, PhasesThatDidNotRunShowDashes) {
  JobReport report = TwoTables();
  report.imported = false;
  report.verified = false;
  const std::string summary = FormatSummary(report);
  EXPECT_THAT(summary, HasSubstr("configurations           55        1        "
                                 "-       -        -"));
  EXPECT_THAT(summary, Not(HasSubstr("Verification")));
}

TEST(SummaryTest, ListsWarningsAbsentColumnsAndTheStoreTables) {
  JobReport report = TwoTables();
  report.tables[0].missing_columns = {"is_sensitive", "updated_at"};
  report.warnings.push_back(
      {"business_goals", "sales_1", 0,
       "success_metrics: not a JSON object (NaN is not JSON at byte 10): kept "
       "as {\"_invalid_json\": <the legacy text>}"});
  TableVerification& configs = report.tables[0].verification;
  configs.expected_rows = 54;
  configs.store_table_rows = 54;
  configs.store_table_checksum = "00000000000000aa";
  TableVerification& goals = report.tables[2].verification;
  goals.expected_rows = 10;
  goals.legacy_checksum = "00000000000000cc";
  goals.store_table_rows = 12;
  goals.store_table_checksum = "00000000000000dd";

  const std::string summary = FormatSummary(report);
  EXPECT_THAT(summary, HasSubstr("read as NULL: configurations.is_sensitive, "
                                 "configurations.updated_at"));
  EXPECT_THAT(summary, HasSubstr("Rows kept with warnings (1):\n  "
                                 "business_goals 'sales_1': success_metrics: "
                                 "not a JSON object"));
  EXPECT_THAT(summary, HasSubstr("configurations             54 "
                                 "00000000000000aa exactly the legacy rows"));
  EXPECT_THAT(summary, HasSubstr("business_goals             12 "
                                 "00000000000000dd 2 rows more than the "
                                 "legacy file"));
}

TEST(SummaryTest, StoreTablesSayHowTheyDifferFromTheLegacyFile) {
  JobReport report = TwoTables();
  TableVerification& configs = report.tables[0].verification;
  configs.expected_rows = 54;
  configs.legacy_checksum = "00000000000000aa";
  configs.store_table_rows = 54;
  configs.store_table_checksum = "00000000000000ab";
  TableVerification& goals = report.tables[2].verification;
  goals.expected_rows = 10;
  goals.legacy_checksum = "00000000000000cc";
  goals.store_table_rows = 7;
  goals.store_table_checksum = "00000000000000dd";

  const std::string summary = FormatSummary(report);
  EXPECT_THAT(summary, HasSubstr("configurations             54 "
                                 "00000000000000ab as many rows as the legacy "
                                 "file, with other content"));
  EXPECT_THAT(summary, HasSubstr("business_goals              7 "
                                 "00000000000000dd FEWER rows than the legacy "
                                 "file (3 fewer)"));
}

TEST(SummaryTest, ManyWarningsAreCutShortInTheText) {
  JobReport report = TwoTables();
  for (int i = 0; i < kMaxSummaryWarnings + 5; ++i) {
    report.warnings.push_back(
        {"config_audit", "k", i + 1, "record_id: NULL ... read as ''"});
  }
  EXPECT_THAT(FormatSummary(report),
              HasSubstr("... and 5 more (--report FILE lists them all)"));
}

TEST(JsonReportTest, HoldsEveryCountRowAndTheOutcome) {
  JobReport report = TwoTables();
  report.warnings.push_back({"config_audit", "k\\xFF", 3, "w"});
  report.tables[0].verification.store_table_rows = 54;
  report.tables[0].verification.store_table_checksum = "00000000000000aa";
  const std::string json =
      FormatJsonReport(report, 3, "1 legacy rows cannot be imported");
  EXPECT_THAT(json, HasSubstr(R"("legacy_path": "opsbrain.db")"));
  EXPECT_THAT(json, HasSubstr(R"("exit_code": 3)"));
  EXPECT_THAT(json,
              HasSubstr(R"("error": "1 legacy rows cannot be imported")"));
  EXPECT_THAT(json, HasSubstr(R"("table": "configurations",
      "in_legacy_file": true,
      "missing_columns": [],
      "read": 55,
      "rejected": 1,
      "warned": 0,
      "imported": 54,)"));
  EXPECT_THAT(json, HasSubstr(R"("store_table_rows": 54,
        "store_table_checksum": "00000000000000aa")"));
  EXPECT_THAT(json, HasSubstr(R"("area folded to lower case": 8)"));
  EXPECT_THAT(
      json,
      HasSubstr(
          R"json("reason": "key: is empty (the legacy app allowed '')")json"));
  EXPECT_THAT(json, HasSubstr(R"("key": "k\\xFF")"));
  EXPECT_EQ(json.back(), '\n');
}

}  // namespace
}  // namespace opsbrain::migrator
