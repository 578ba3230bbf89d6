#include "storage_service/migrations/migrations.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::migrations {
namespace {

using ::testing::HasSubstr;

class MigrationsTest : public ::testing::TestWithParam<sql::Dialect> {};

TEST_P(MigrationsTest, VersionsStartAtOneWithoutGaps) {
  const std::vector<Migration>& migrations = MigrationsFor(GetParam());
  ASSERT_GE(migrations.size(), 2u);
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
    EXPECT_EQ(migrations[i].checksum.size(), 64u);
    EXPECT_FALSE(migrations[i].sql.empty());
  }
}

TEST_P(MigrationsTest, FirstMigrationIsTheLegacySchemaWithoutSeedRows) {
  const Migration& first = MigrationsFor(GetParam()).front();
  EXPECT_EQ(first.description, "legacy schema");
  for (const char* table :
       {"configurations", "thread_contexts", "business_goals", "app_settings",
        "user_preferences", "config_audit", "performance_metrics"}) {
    EXPECT_THAT(first.sql, HasSubstr(std::string("CREATE TABLE ") + table));
  }
  EXPECT_THAT(first.sql, ::testing::Not(HasSubstr("INSERT INTO")));
}

INSTANTIATE_TEST_SUITE_P(BothDialects, MigrationsTest,
                         ::testing::Values(sql::Dialect::kSqlite,
                                           sql::Dialect::kPostgres));

TEST(MigrationChecksumTest, IgnoresLineEndingStyle) {
  EXPECT_EQ(MigrationChecksum("CREATE TABLE a (x INT);\nSELECT 1;\n"),
            MigrationChecksum("CREATE TABLE a (x INT);\r\nSELECT 1;\r\n"));
}

TEST(MigrationChecksumTest, ChangesWithContent) {
  EXPECT_NE(MigrationChecksum("SELECT 1;"), MigrationChecksum("SELECT 2;"));
}

}  // namespace
}  // namespace opsbrain::migrations
