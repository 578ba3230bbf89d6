// The migrator against the real storage_service binary on each backend:
// `up`, `status`, `import` of the legacy fixture (ANCHOR=now) with every
// record read back through the Repository API, a second import that
// changes nothing, and a verification after the store swept the expired
// threads.
//
// The imported records are read back through both doors of the store, with
// the same checks (legacy_checks.h): the Repository gRPC service, and the
// real gateway binary's HTTP/JSON routes with bearer tokens.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/internal.grpc.pb.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "tests/conformance/test_store.h"
#include "tests/gateway/gateway_process.h"
#include "tests/gateway_production/production_stack.h"
#include "tests/migrator/http_record_source.h"
#include "tests/migrator/legacy_checks.h"
#include "tests/migrator/migrator_env.h"
#include "tests/migrator/record_source.h"
#include "tests/storage_service/storage_process.h"

namespace opsbrain::testing {
namespace {

using ::opsbrain::gateway::testing::GatewayProcess;
using ::opsbrain::gateway::testing::MakeToken;
using ::opsbrain::gateway::testing::TestToken;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

class MigratorEndToEndTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = NewDatabaseUrl(GetParam());
    ASSERT_TRUE(url.ok()) << url.status();
    absl::StatusOr<std::unique_ptr<StorageProcess>> storage =
        StorageProcess::Start(*url);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = *std::move(storage);
    dir_ = NewTempDir();
    legacy_path_ = absl::StrCat(dir_, "/opsbrain.db");
  }

  // The archived legacy file, or "" when there is none.
  std::string Archive() {
    for (const std::string& name : ListDir(dir_, "opsbrain.db.migrated-")) {
      if (!absl::EndsWith(name, ".report.txt")) {
        return absl::StrCat(dir_, "/", name);
      }
    }
    return "";
  }

  std::string StorageAddress() const {
    return absl::StrCat("127.0.0.1:", storage_->port());
  }

  MigratorRun Migrator(const std::vector<std::string>& args) {
    return RunMigrator(args, StorageAddress());
  }

  // Starts the gateway binary in front of the storage service, knowing two
  // tokens made by its own --new_token, and returns a source that reads
  // through it as "read" or as "read,secrets".
  absl::StatusOr<std::unique_ptr<RecordSource>> StartGatewaySource() {
    OPSBRAIN_ASSIGN_OR_RETURN(const TestToken reader,
                              MakeToken("migrator-reader", "read"));
    OPSBRAIN_ASSIGN_OR_RETURN(
        const TestToken keeper,
        MakeToken("migrator-secret-keeper", "read,secrets"));
    // No rate limit: the checks read in one burst.
    OPSBRAIN_ASSIGN_OR_RETURN(
        gateway_,
        GatewayProcess::Start(
            "gateway/gateway",
            {absl::StrCat("--storage=", StorageAddress()),
             "--storage_plaintext", "--log_format=text", "--rate_limit=0",
             absl::StrCat("--auth_tokens=", reader.file_line, ";",
                          keeper.file_line)}));
    return NewHttpRecordSource(
        gateway_->port(),
        {{"read", reader.token}, {"read,secrets", keeper.token}});
  }

  v1::GetTableChecksumsResponse Checksums() {
    grpc::ClientContext context;
    Prepare(&context);
    v1::GetTableChecksumsResponse response;
    grpc::Status status = v1::Import::NewStub(storage_->channel())
                              ->GetTableChecksums(&context, {}, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::unique_ptr<StorageProcess> storage_;
  // Declared after storage_, so that it stops first.
  std::unique_ptr<GatewayProcess> gateway_;
  std::string dir_;
  std::string legacy_path_;
};

TEST_P(MigratorEndToEndTest, MigratesUpTwiceAndReportsStatus) {
  MigratorRun before = Migrator({"status"});
  EXPECT_EQ(before.exit_code, 0) << before.output;
  EXPECT_THAT(before.output, HasSubstr("Schema version 0 of 3 (behind"));

  MigratorRun up = Migrator({"up"});
  EXPECT_EQ(up.exit_code, 0) << up.output;
  EXPECT_THAT(up.output, HasSubstr("Applied migration 1 (legacy schema)"));
  EXPECT_THAT(up.output, HasSubstr("Applied migration 2"));

  MigratorRun again = Migrator({"up"});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("Nothing to do"));

  MigratorRun after = Migrator({"status"});
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_THAT(after.output, HasSubstr("Schema version 3 of 3 (current"));
  EXPECT_THAT(after.output, HasSubstr("Pending: none"));
}

TEST_P(MigratorEndToEndTest, ImportsEveryLegacyRecordAndArchivesTheFile) {
  ASSERT_EQ(Migrator({"up"}).exit_code, 0);
  absl::Time anchor;
  ASSERT_TRUE(CopyLegacyFixture(legacy_path_, &anchor).ok());
  absl::StatusOr<std::map<std::string, std::vector<LegacyRecord>>> legacy =
      ReadLegacy(legacy_path_);
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  const std::string original = ReadFileOrEmpty(legacy_path_);

  MigratorRun import = Migrator({"import", "--from", legacy_path_});
  ASSERT_EQ(import.exit_code, 0) << import.output;
  // Columns: read, rejected, imported, present, verified, expired, missing,
  // differing. 18 threads are expired and not imported, 19 once the one
  // that lives 30 s after the fixture's anchor has expired too.
  EXPECT_THAT(import.output,
              ContainsRegex("thread_contexts +40 +0 +2[12] +0 +2[12] +1[89] "
                            "+0 +0\n"));
  EXPECT_THAT(import.output,
              ContainsRegex("total +650 +0 +63[12] +0 +63[12] +1[89] +0 "
                            "+0\n"));
  EXPECT_THAT(import.output, HasSubstr("Verification passed"));
  EXPECT_THAT(import.output, HasSubstr("area folded to lower case: 8"));
  EXPECT_THAT(import.output, HasSubstr("target_date '' read as unset: 1"));
  EXPECT_THAT(import.output, HasSubstr("expires_at read as UTC"));
  EXPECT_THAT(import.output, Not(HasSubstr("sk-FAKE")));

  // Archived, byte for byte, with the report beside it; nothing deleted.
  EXPECT_FALSE(FileExists(legacy_path_));
  const std::string archive = Archive();
  ASSERT_FALSE(archive.empty()) << import.output;
  EXPECT_EQ(ReadFileOrEmpty(archive), original);
  EXPECT_THAT(ReadFileOrEmpty(archive + ".report.txt"),
              HasSubstr("Verification passed"));

  // Every record, through each door of the store.
  std::unique_ptr<v1::Repository::Stub> stub = storage_->Repository();
  std::unique_ptr<RecordSource> grpc_source = NewGrpcRecordSource(stub.get());
  absl::StatusOr<std::unique_ptr<RecordSource>> http_source =
      StartGatewaySource();
  ASSERT_TRUE(http_source.ok()) << http_source.status();
  const std::pair<const char*, RecordSource*> kSources[] = {
      {"gRPC", grpc_source.get()},
      {"HTTP through the gateway", http_source->get()},
  };
  for (const auto& [door, source] : kSources) {
    SCOPED_TRACE(door);
    ExpectStoreHoldsLegacyFile(*source, *legacy, anchor);
  }
}

TEST_P(MigratorEndToEndTest, SecondImportOfTheSameFileChangesNothing) {
  ASSERT_EQ(Migrator({"up"}).exit_code, 0);
  ASSERT_TRUE(CopyLegacyFixture(legacy_path_, nullptr).ok());
  ASSERT_EQ(Migrator({"import", "--from", legacy_path_}).exit_code, 0);
  const v1::GetTableChecksumsResponse before = Checksums();

  const std::string copy = absl::StrCat(dir_, "/copy.db");
  ASSERT_TRUE(CopyFile(Archive(), copy).ok());
  MigratorRun again = Migrator({"import", "--from", copy});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output,
              ContainsRegex("total +650 +0 +0 +63[12] +63[12] +1[89] +0 "
                            "+0\n"));
  EXPECT_THAT(again.output, HasSubstr("Nothing added or changed"));
  EXPECT_FALSE(FileExists(copy));

  // Same rows, same content, no audit rows added.
  const v1::GetTableChecksumsResponse after = Checksums();
  ASSERT_EQ(after.tables_size(), 7);
  for (int i = 0; i < after.tables_size(); ++i) {
    EXPECT_EQ(after.tables(i).row_count(), before.tables(i).row_count())
        << after.tables(i).table_name();
    EXPECT_EQ(after.tables(i).checksum(), before.tables(i).checksum())
        << after.tables(i).table_name();
  }
  EXPECT_EQ(after.tables(5).table_name(), "config_audit");
  EXPECT_EQ(after.tables(5).row_count(), 16);
}

TEST_P(MigratorEndToEndTest, VerifyFindsRowsDeletedSinceTheImport) {
  ASSERT_EQ(Migrator({"up"}).exit_code, 0);
  ASSERT_TRUE(CopyLegacyFixture(legacy_path_, nullptr).ok());
  ASSERT_EQ(Migrator({"import", "--from", legacy_path_, "--keep"}).exit_code,
            0);
  EXPECT_TRUE(FileExists(legacy_path_));
  EXPECT_THAT(ListDir(dir_, "opsbrain.db.import-"), SizeIs(1));

  MigratorRun clean = Migrator({"verify", "--from", legacy_path_});
  ASSERT_EQ(clean.exit_code, 0) << clean.output;
  EXPECT_THAT(clean.output, HasSubstr("Verification passed"));

  // A live thread deleted through the API is missing, not expired.
  grpc::ClientContext context;
  Prepare(&context);
  v1::DeleteThreadContextRequest request;
  request.set_thread_key("C04OPSBRAIN");
  google::protobuf::Empty empty;
  ASSERT_TRUE(storage_->Repository()
                  ->DeleteThreadContext(&context, request, &empty)
                  .ok());
  MigratorRun verify = Migrator({"verify", "--from", legacy_path_});
  EXPECT_EQ(verify.exit_code, 4) << verify.output;
  EXPECT_THAT(verify.output,
              ContainsRegex("thread_contexts +40 +0 +- +- +2[01] +1[89] +1 "
                            "+0\n"));
  EXPECT_THAT(verify.output, HasSubstr("thread_contexts 'C04OPSBRAIN': the "
                                       "store has no row with this key"));

  // Verification writes and renames nothing.
  EXPECT_TRUE(FileExists(legacy_path_));
  EXPECT_THAT(ListDir(dir_, "opsbrain.db.migrated-"), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Backends, MigratorEndToEndTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

}  // namespace
}  // namespace opsbrain::testing
