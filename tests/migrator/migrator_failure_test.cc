// The migrator's failure paths against the real storage_service binary:
// an unreachable service, a schema that is behind, unusable legacy files,
// rows that cannot be imported, and a verification that finds the store
// holding something else. Each one must say what is wrong, exit with its
// code (migrator/exit_codes.h), write nothing it should not, and leave the
// legacy file where it is.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/internal.grpc.pb.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "tests/conformance/test_store.h"
#include "tests/migrator/migrator_env.h"
#include "tests/storage_service/storage_process.h"
#include "tests/util/subprocess.h"

namespace opsbrain::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// migrator/exit_codes.h
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitBadRows = 3;
constexpr int kExitVerificationFailed = 4;
constexpr int kExitUnavailable = 5;
constexpr int kExitLegacyFileUnusable = 6;

// A loopback port nobody listens on: bound, then closed.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

TEST(MigratorUnreachableTest, EveryCommandSaysTheServiceIsUnreachable) {
  const std::string address = absl::StrCat("127.0.0.1:", ClosedPort());
  const std::string legacy = absl::StrCat(NewTempDir(), "/opsbrain.db");
  ASSERT_TRUE(CopyLegacyFixture(legacy, nullptr).ok());
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"status"}, {"up"}, {"import", "--from", legacy}}) {
    std::vector<std::string> with_timeout = args;
    with_timeout.push_back("--connect-timeout=1s");
    MigratorRun run = RunMigrator(with_timeout, address);
    EXPECT_EQ(run.exit_code, kExitUnavailable) << run.output;
    EXPECT_THAT(run.output,
                HasSubstr(absl::StrCat("cannot reach the storage service at ",
                                       address)));
  }
  EXPECT_TRUE(FileExists(legacy));
}

class MigratorFailureTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = NewDatabaseUrl(GetParam());
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
    absl::StatusOr<std::unique_ptr<StorageProcess>> storage =
        StorageProcess::Start(url_);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = *std::move(storage);
    dir_ = NewTempDir();
    legacy_path_ = absl::StrCat(dir_, "/opsbrain.db");
  }

  MigratorRun Migrator(const std::vector<std::string>& args) {
    return RunMigrator(args, absl::StrCat("127.0.0.1:", storage_->port()));
  }

  // A legacy file: the legacy schema with its seed rows (8 configurations,
  // 5 settings), then `sql`.
  void MakeLegacyFile(const std::string& sql) {
    const std::string schema = ReadFileOrEmpty(
        RunfilePath("tests/migrator/testdata/original_schema.sql"));
    ASSERT_FALSE(schema.empty());
    ASSERT_TRUE(ExecSqlite(legacy_path_, absl::StrCat(schema, sql)).ok());
  }

  // Stored rows per table.
  std::map<std::string, int64_t> StoredRows() {
    grpc::ClientContext context;
    Prepare(&context);
    v1::GetTableChecksumsResponse response;
    grpc::Status status = v1::Import::NewStub(storage_->channel())
                              ->GetTableChecksums(&context, {}, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::map<std::string, int64_t> rows;
    for (const v1::TableChecksum& table : response.tables()) {
      rows[table.table_name()] = table.row_count();
    }
    return rows;
  }

  void ExpectStoreEmpty() {
    for (const auto& [table, rows] : StoredRows()) {
      EXPECT_EQ(rows, 0) << table;
    }
  }

  // Files beside the legacy file that an import would have added.
  std::vector<std::string> Archives() { return ListDir(dir_, "opsbrain.db."); }

  std::string url_;
  std::unique_ptr<StorageProcess> storage_;
  std::string dir_;
  std::string legacy_path_;
};

TEST_P(MigratorFailureTest, ImportBeforeUpAsksForTheMigrations) {
  ASSERT_TRUE(CopyLegacyFixture(legacy_path_, nullptr).ok());
  MigratorRun run = Migrator({"import", "--from", legacy_path_});
  EXPECT_EQ(run.exit_code, kExitFailure) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("schema is at version 0 of 3: run `migrator up`"));
  EXPECT_TRUE(FileExists(legacy_path_));
  EXPECT_THAT(Archives(), IsEmpty());
}

TEST_P(MigratorFailureTest, UnusableLegacyFilesAreRefusedAndNothingIsWritten) {
  ASSERT_EQ(Migrator({"up"}).exit_code, kExitOk);
  // A file of another application, a text file, a damaged copy of the
  // fixture, and the store's own SQLite file.
  ASSERT_TRUE(ExecSqlite(absl::StrCat(dir_, "/other.db"),
                         "CREATE TABLE notes (body TEXT);")
                  .ok());
  ASSERT_TRUE(CopyLegacyFixture(absl::StrCat(dir_, "/good.db"), nullptr).ok());
  const std::string good = ReadFileOrEmpty(absl::StrCat(dir_, "/good.db"));
  {
    std::ofstream(absl::StrCat(dir_, "/text.db")) << "id,key,value\n1,a,b\n";
    std::string damaged = good;
    for (size_t i = 4096 * 3; i < 4096 * 3 + 512; ++i) damaged[i] = '\xff';
    std::ofstream(absl::StrCat(dir_, "/damaged.db"), std::ios::binary)
        << damaged;
  }
  ASSERT_TRUE(ExecSqlite(absl::StrCat(dir_, "/store-copy.db"),
                         "CREATE TABLE schema_migrations (version INTEGER);"
                         "CREATE TABLE configurations (key TEXT);")
                  .ok());
  ASSERT_TRUE(CopyFile(absl::StrCat(dir_, "/good.db"),
                       absl::StrCat(dir_, "/opsbrain-store.db"))
                  .ok());

  struct Case {
    const char* file;
    const char* message;
  };
  std::vector<Case> cases = {
      {"missing.db", "missing.db: no such file"},
      {"other.db",
       "is not a legacy OpsBrain database: it has none of the "
       "tables"},
      {"text.db", "text.db is not a SQLite database"},
      {"damaged.db", "damaged.db is corrupt"},
      {"store-copy.db",
       "has a schema_migrations table: it is the storage "
       "service's own database"},
      {"opsbrain-store.db", "named like the storage service's own database"},
  };
  // On SQLite, the store's real file, while the service has it open.
  const std::string store_file = absl::StrReplaceAll(url_, {{"sqlite://", ""}});
  if (GetParam() == Backend::kSqlite) {
    cases.push_back({store_file.c_str(), "has a schema_migrations table"});
  }

  for (const Case& c : cases) {
    const std::string path = c.file[0] == '/' ? std::string(c.file)
                                              : absl::StrCat(dir_, "/", c.file);
    MigratorRun run = Migrator({"import", "--from", path});
    EXPECT_EQ(run.exit_code, kExitLegacyFileUnusable) << c.file << run.output;
    EXPECT_THAT(run.output, HasSubstr(c.message)) << c.file;
    EXPECT_THAT(run.output, Not(HasSubstr("Legacy file:"))) << c.file;
  }
  ExpectStoreEmpty();
  EXPECT_EQ(ReadFileOrEmpty(absl::StrCat(dir_, "/good.db")), good);
  EXPECT_THAT(ListDir(dir_, "damaged.db."), IsEmpty());
}

// Rows the legacy app accepted but the store cannot hold. (Invalid JSON is
// not among them: it is kept as text, with a warning.)
constexpr char kBadRows[] =
    "INSERT INTO configurations (key, value) VALUES ('', 'empty key');"
    "INSERT INTO business_goals (id, title, description, area) VALUES "
    "('bad_goal', 't', 'd', 'marketing');"
    "INSERT INTO thread_contexts (thread_key, channel_id, messages, "
    "expires_at) VALUES ('C1', 'C2', '[]', '2030-01-01 00:00:00');"
    "INSERT INTO business_goals (id, title, description, area) VALUES "
    "('good_goal', 'Grow', 'd', 'SALES');";

TEST_P(MigratorFailureTest, UnconvertibleRowsFailTheImportAndWriteNothing) {
  ASSERT_EQ(Migrator({"up"}).exit_code, kExitOk);
  MakeLegacyFile(kBadRows);
  const std::string original = ReadFileOrEmpty(legacy_path_);

  MigratorRun run = Migrator({"import", "--from", legacy_path_});
  EXPECT_EQ(run.exit_code, kExitBadRows) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("configurations '' (legacy id 9): key: is empty (the "
                        "legacy app allowed '')"));
  EXPECT_THAT(run.output, HasSubstr("business_goals 'bad_goal': area: "
                                    "'marketing' is not one of sales"));
  EXPECT_THAT(run.output,
              HasSubstr("thread_contexts 'C1' (legacy id 1): channel_id: 'C2' "
                        "does not agree with thread_key 'C1'"));
  EXPECT_THAT(run.output, HasSubstr("3 legacy rows cannot be imported"));
  EXPECT_THAT(run.output, HasSubstr("--skip-bad-rows"));

  // No table partly imported, the file where it was, unchanged.
  ExpectStoreEmpty();
  EXPECT_EQ(ReadFileOrEmpty(legacy_path_), original);
  EXPECT_THAT(Archives(), IsEmpty());
}

TEST_P(MigratorFailureTest, SkipBadRowsImportsTheRestAndReportsTheOthers) {
  ASSERT_EQ(Migrator({"up"}).exit_code, kExitOk);
  MakeLegacyFile(kBadRows);

  MigratorRun run =
      Migrator({"import", "--from", legacy_path_, "--skip-bad-rows"});
  ASSERT_EQ(run.exit_code, kExitOk) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Rejected rows (3)"));
  EXPECT_THAT(run.output, HasSubstr("Verification passed"));
  EXPECT_FALSE(FileExists(legacy_path_));

  // The report beside the archive lists the rejected rows too.
  std::string report;
  for (const std::string& name : Archives()) {
    if (absl::EndsWith(name, ".report.txt")) {
      report = ReadFileOrEmpty(absl::StrCat(dir_, "/", name));
    }
  }
  EXPECT_THAT(report, HasSubstr("configurations '' (legacy id 9)"));
  EXPECT_THAT(report, HasSubstr("business_goals 'bad_goal'"));
  EXPECT_THAT(report, HasSubstr("thread_contexts 'C1'"));

  const std::map<std::string, int64_t> rows = StoredRows();
  EXPECT_EQ(rows.at("configurations"), 8);  // The seeds, not ''.
  EXPECT_EQ(rows.at("business_goals"), 1);  // good_goal only.
  EXPECT_EQ(rows.at("thread_contexts"), 0);
  EXPECT_EQ(rows.at("app_settings"), 5);
}

TEST_P(MigratorFailureTest, RowsTheStoreRefusesAreFoundBeforeAnyWrite) {
  ASSERT_EQ(Migrator({"up"}).exit_code, kExitOk);
  // Converts, but titles are limited to 1 KiB by the store's rules.
  MakeLegacyFile(absl::StrCat(
      "INSERT INTO business_goals (id, title, description, area) VALUES "
      "('long', '",
      std::string(2000, 't'), "', 'd', 'team');"));

  MigratorRun run = Migrator({"import", "--from", legacy_path_});
  EXPECT_EQ(run.exit_code, kExitBadRows) << run.output;
  EXPECT_THAT(run.output, HasSubstr("business_goals 'long': "
                                    "business_goal.title: must be at most "
                                    "1024 bytes"));
  EXPECT_THAT(run.output, HasSubstr("[refused by the store]"));
  ExpectStoreEmpty();
  EXPECT_TRUE(FileExists(legacy_path_));
}

TEST_P(MigratorFailureTest, BadRowsDeepInALargeTableAreReportedByTheirKeys) {
  ASSERT_EQ(Migrator({"up"}).exit_code, kExitOk);
  // 2 500 goals, more than one preflight chunk and one validation stream
  // hold: g1500 does not convert, g2222 converts but the store refuses it.
  MakeLegacyFile(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
      "WHERE i < 2500) INSERT INTO business_goals (id, title, description, "
      "area) SELECT 'g' || i, CASE WHEN i = 2222 THEN printf('%.2000c', 't') "
      "ELSE 'Goal ' || i END, 'd', CASE WHEN i = 1500 THEN 'marketing' "
      "ELSE 'sales' END FROM n;");

  MigratorRun run =
      Migrator({"import", "--from", legacy_path_, "--skip-bad-rows"});
  ASSERT_EQ(run.exit_code, kExitOk) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Rejected rows (2)"));
  EXPECT_THAT(run.output, HasSubstr("business_goals 'g1500': area: "
                                    "'marketing' is not one of sales"));
  EXPECT_THAT(run.output, HasSubstr("business_goals 'g2222': "
                                    "business_goal.title: must be at most "
                                    "1024 bytes"));
  EXPECT_THAT(run.output, HasSubstr("Verification passed"));
  EXPECT_EQ(StoredRows().at("business_goals"), 2498);
}

TEST_P(MigratorFailureTest, StoredRowThatDiffersFailsVerificationByKey) {
  ASSERT_EQ(Migrator({"up"}).exit_code, kExitOk);
  MakeLegacyFile("");
  ASSERT_EQ(Migrator({"import", "--from", legacy_path_, "--keep"}).exit_code,
            kExitOk);

  // Someone changes a record through the API before the next run.
  v1::UpdateConfigurationRequest update;
  update.mutable_configuration()->set_key("app_name");
  update.mutable_configuration()->set_value("OpsBrain (edited)");
  update.mutable_update_mask()->add_paths("value");
  grpc::ClientContext context;
  Prepare(&context, "read,write");
  v1::Configuration updated;
  grpc::Status status =
      storage_->Repository()->UpdateConfiguration(&context, update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();

  MigratorRun run = Migrator({"import", "--from", legacy_path_});
  EXPECT_EQ(run.exit_code, kExitVerificationFailed) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Verification FAILED (1 rows)"));
  EXPECT_THAT(run.output, HasSubstr("configurations 'app_name': the stored "
                                    "row differs from the legacy row"));
  EXPECT_THAT(run.output, HasSubstr("stays in place"));
  EXPECT_TRUE(FileExists(legacy_path_));
  EXPECT_THAT(ListDir(dir_, "opsbrain.db.migrated-"), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Backends, MigratorFailureTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

}  // namespace
}  // namespace opsbrain::testing
