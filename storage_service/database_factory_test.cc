#include "storage_service/database_factory.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct UrlCase {
  const char* url;
  sql::Dialect dialect;
  const char* location;
};

class ParseDatabaseUrlTest : public ::testing::TestWithParam<UrlCase> {};

TEST_P(ParseDatabaseUrlTest, PicksDriverAndLocation) {
  absl::StatusOr<DatabaseTarget> target = ParseDatabaseUrl(GetParam().url);
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->dialect, GetParam().dialect);
  EXPECT_EQ(target->location, GetParam().location);
}

INSTANTIATE_TEST_SUITE_P(
    Schemes, ParseDatabaseUrlTest,
    ::testing::Values(UrlCase{"", sql::Dialect::kSqlite, "opsbrain-store.db"},
                      UrlCase{"sqlite://data/store.db", sql::Dialect::kSqlite,
                              "data/store.db"},
                      UrlCase{"sqlite:///var/lib/store.db",
                              sql::Dialect::kSqlite, "/var/lib/store.db"},
                      UrlCase{"postgres://u@127.0.0.1/db",
                              sql::Dialect::kPostgres,
                              "postgres://u@127.0.0.1/db"},
                      UrlCase{"postgresql://u@127.0.0.1/db?sslmode=disable",
                              sql::Dialect::kPostgres,
                              "postgresql://u@127.0.0.1/db?sslmode=disable"}));

TEST(ParseDatabaseUrlTest, UnknownSchemeIsRejectedWithoutEchoingTheUrl) {
  absl::StatusOr<DatabaseTarget> target =
      ParseDatabaseUrl("mysql://root:hunter2@db/opsbrain");
  ASSERT_EQ(target.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(target.status().message()), HasSubstr("postgres://"));
  EXPECT_THAT(std::string(target.status().message()),
              Not(HasSubstr("hunter2")));
}

TEST(ParseDatabaseUrlTest, SqliteWithoutPathIsRejected) {
  EXPECT_EQ(ParseDatabaseUrl("sqlite://").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParseDatabaseUrlTest, DisplayFormHidesThePassword) {
  absl::StatusOr<DatabaseTarget> target =
      ParseDatabaseUrl("postgres://app:s3cret@127.0.0.1:5432/opsbrain");
  ASSERT_TRUE(target.ok());
  EXPECT_THAT(target->display, Not(HasSubstr("s3cret")));
  EXPECT_THAT(target->display, HasSubstr("127.0.0.1"));
}

}  // namespace
}  // namespace opsbrain
