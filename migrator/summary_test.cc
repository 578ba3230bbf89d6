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

}  // namespace
}  // namespace opsbrain::migrator
