#include "migrator/legacy_reader.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::migrator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kConfigurations[] =
    "CREATE TABLE configurations (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "key TEXT UNIQUE NOT NULL, value TEXT NOT NULL, category TEXT NOT NULL "
    "DEFAULT 'general', description TEXT, is_sensitive BOOLEAN DEFAULT "
    "FALSE, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at "
    "TIMESTAMP DEFAULT CURRENT_TIMESTAMP);";
constexpr char kMetrics[] =
    "CREATE TABLE performance_metrics (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " metric_name TEXT NOT NULL, metric_value REAL NOT NULL, metric_unit "
    "TEXT, timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP, additional_data "
    "TEXT);";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

class LegacyReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(
        tmp != nullptr ? tmp : "/tmp", "/reader-",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    mkdir(dir_.c_str(), 0755);
  }

  // A new SQLite file `name` made by `sql`.
  std::string MakeDb(const std::string& name, const std::string& sql) {
    const std::string path = absl::StrCat(dir_, "/", name);
    std::remove(path.c_str());
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error),
              SQLITE_OK)
        << (error != nullptr ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
    return path;
  }

  std::string dir_;
};

TEST_F(LegacyReaderTest, ReadsCellsAsStoredInRowidOrder) {
  const std::string path = MakeDb(
      "legacy.db",
      absl::StrCat(kConfigurations, kMetrics,
                   "INSERT INTO configurations (key, value, is_sensitive, "
                   "created_at) VALUES ('b', 'v', 1, '2025-08-20 12:00:41'),"
                   "('a', '10', 'true', 1756728000);"
                   "INSERT INTO performance_metrics (metric_name, "
                   "metric_value, metric_unit) VALUES ('m', 12, NULL);"));
  absl::StatusOr<std::unique_ptr<LegacyFile>> file = LegacyFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT((*file)->tables(),
              ElementsAre("configurations", "performance_metrics"));
  EXPECT_FALSE((*file)->HasTable("thread_contexts"));

  std::vector<std::string> keys;
  std::vector<LegacyValue::Type> sensitive_types;
  ASSERT_TRUE((*file)
                  ->ForEachRow("configurations",
                               [&](const LegacyRow& row) {
                                 keys.push_back(row.Get("key").text);
                                 sensitive_types.push_back(
                                     row.Get("is_sensitive").type);
                                 return absl::OkStatus();
                               })
                  .ok());
  EXPECT_THAT(keys, ElementsAre("b", "a"));
  // BOOLEAN has NUMERIC affinity: 1 stays an integer, 'true' stays text.
  EXPECT_THAT(sensitive_types, ElementsAre(LegacyValue::Type::kInteger,
                                           LegacyValue::Type::kText));

  ASSERT_TRUE((*file)
                  ->ForEachRow("performance_metrics",
                               [&](const LegacyRow& row) {
                                 // REAL affinity turned 12 into 12.0.
                                 EXPECT_EQ(row.Get("metric_value").type,
                                           LegacyValue::Type::kReal);
                                 EXPECT_EQ(row.Get("metric_value").text,
                                           "12.0");
                                 EXPECT_TRUE(row.Get("metric_unit").is_null());
                                 EXPECT_TRUE(row.Get("no_such").is_null());
                                 return absl::OkStatus();
                               })
                  .ok());
}

TEST_F(LegacyReaderTest, LeavesTheFileUnchangedAndBlocksWriters) {
  const std::string path = MakeDb(
      "legacy.db", absl::StrCat(kConfigurations,
                                "INSERT INTO configurations (key, value) "
                                "VALUES ('a', 'v');"));
  const std::string before = ReadAll(path);
  {
    absl::StatusOr<std::unique_ptr<LegacyFile>> file = LegacyFile::Open(path);
    ASSERT_TRUE(file.ok()) << file.status();

    // The read transaction holds a shared lock: the legacy app cannot
    // commit while the migrator reads.
    sqlite3* writer = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &writer), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(writer,
                           "INSERT INTO configurations (key, value) "
                           "VALUES ('b', 'v')",
                           nullptr, nullptr, nullptr),
              SQLITE_BUSY);
    sqlite3_close(writer);
  }
  EXPECT_EQ(ReadAll(path), before);
}

TEST_F(LegacyReaderTest, OlderFileWithoutSomeColumnsReadsThemAsNull) {
  // An older app version: no category, is_sensitive or updated_at yet, and
  // no metrics table at all.
  const std::string path = MakeDb(
      "older.db",
      "CREATE TABLE configurations (id INTEGER PRIMARY KEY, key TEXT, value "
      "TEXT, description TEXT, created_at TIMESTAMP);"
      "INSERT INTO configurations (key, value, description, created_at) "
      "VALUES ('a', 'v', 'd', '2025-01-01 00:00:00');"
      "INSERT INTO configurations (key, value) VALUES ('b', 'w');");
  absl::StatusOr<std::unique_ptr<LegacyFile>> file = LegacyFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT((*file)->tables(), ElementsAre("configurations"));
  EXPECT_THAT((*file)->MissingColumns("configurations"),
              ElementsAre("category", "is_sensitive", "updated_at"));
  EXPECT_THAT((*file)->MissingColumns("performance_metrics"),
              ::testing::IsEmpty());
  absl::StatusOr<int64_t> count = (*file)->CountRows("configurations");
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(*count, 2);

  std::vector<std::string> keys;
  ASSERT_TRUE((*file)
                  ->ForEachRow("configurations",
                               [&](const LegacyRow& row) {
                                 EXPECT_TRUE(row.Get("category").is_null());
                                 EXPECT_TRUE(row.Get("updated_at").is_null());
                                 keys.push_back(row.Get("key").text);
                                 return absl::OkStatus();
                               })
                  .ok());
  EXPECT_THAT(keys, ElementsAre("a", "b"));
}

TEST_F(LegacyReaderTest, RefusesFilesThatAreNotLegacyOpsBrainDatabases) {
  struct Case {
    const char* name;
    std::string path;
    absl::StatusCode code;
    const char* message;
  };
  std::ofstream(absl::StrCat(dir_, "/text.db")) << "not a database at all, "
                                                   "just some text";
  const std::string full =
      MakeDb("full.db", absl::StrCat(kConfigurations,
                                     "INSERT INTO configurations "
                                     "(key, value) VALUES ('a', "
                                     "'v');"));
  std::string corrupt = ReadAll(full);
  corrupt.resize(corrupt.size() / 2);
  std::ofstream(absl::StrCat(dir_, "/corrupt.db"), std::ios::binary)
      << corrupt.substr(0, 100) << std::string(corrupt.size() - 100, 'x');

  // Damage inside a data page: the schema still reads, quick_check finds it.
  const std::string damaged = MakeDb(
      "damaged.db",
      "PRAGMA page_size=4096; CREATE TABLE configurations (id INTEGER "
      "PRIMARY KEY, key TEXT, value TEXT); WITH RECURSIVE r(i) AS (SELECT 1 "
      "UNION ALL SELECT i + 1 FROM r WHERE i < 300) INSERT INTO "
      "configurations SELECT i, 'k' || i, printf('%.200c', 'x') FROM r;");
  {
    std::fstream file(damaged, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4096 * 3 + 8);
    file << std::string(64, '\xff');
  }

  const Case cases[] = {
      {"missing", absl::StrCat(dir_, "/nothere.db"),
       absl::StatusCode::kNotFound, "no such file"},
      {"store by name", MakeDb("opsbrain-store.db", kConfigurations),
       absl::StatusCode::kFailedPrecondition,
       "named like the storage service's own database"},
      {"store by table",
       MakeDb("store.db", absl::StrCat(kConfigurations,
                                       "CREATE TABLE schema_migrations "
                                       "(version INTEGER);")),
       absl::StatusCode::kFailedPrecondition, "has a schema_migrations table"},
      {"not sqlite", absl::StrCat(dir_, "/text.db"),
       absl::StatusCode::kFailedPrecondition, "is not a SQLite database"},
      {"corrupt", absl::StrCat(dir_, "/corrupt.db"),
       absl::StatusCode::kDataLoss, "is corrupt"},
      {"damaged page", damaged, absl::StatusCode::kDataLoss, "is corrupt"},
      {"other tables", MakeDb("other.db", "CREATE TABLE notes (x TEXT);"),
       absl::StatusCode::kFailedPrecondition, "has none of the tables"},
      {"empty file", MakeDb("empty.db", ""),
       absl::StatusCode::kFailedPrecondition, "has none of the tables"},
      {"missing key column",
       MakeDb("column.db",
              "CREATE TABLE configurations (id INTEGER PRIMARY KEY, value "
              "TEXT);"),
       absl::StatusCode::kFailedPrecondition,
       "its table configurations lacks the column(s) key, which identify its "
       "rows"},
      {"directory", dir_, absl::StatusCode::kFailedPrecondition,
       "not a regular file"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::unique_ptr<LegacyFile>> file = LegacyFile::Open(c.path);
    ASSERT_FALSE(file.ok()) << c.name;
    EXPECT_EQ(file.status().code(), c.code) << c.name << ": " << file.status();
    EXPECT_THAT(std::string(file.status().message()), HasSubstr(c.message))
        << c.name;
  }
}

}  // namespace
}  // namespace opsbrain::migrator
