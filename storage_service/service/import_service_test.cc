// The import layer's own logic, in process, over a hand-written fake
// Importer: rejection and counting per table, one batch per message, the
// message size limit, and checksums of what was stored.
#include "storage_service/service/import_service.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/row_digest.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/internal.grpc.pb.h"
#include "storage_service/importer.h"
#include "storage_service/service/import_rows.h"
#include "tests/util/in_process_grpc.h"

namespace opsbrain::service {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

// Stores rows by table and natural key; a row whose key is stored is left
// alone, as the real importer does.
class FakeImporter : public Importer {
 public:
  int batches = 0;

  absl::StatusOr<ImportOutcome> ImportBatch(
      const std::vector<ImportedRow>& rows) override {
    ++batches;
    ImportOutcome outcome;
    for (const ImportedRow& row : rows) {
      v1::ImportedRow proto;
      if (absl::Status status = ImportedRowToProto(row, &proto); !status.ok()) {
        return status;
      }
      const auto [it, inserted] =
          rows_[TableOf(row)].emplace(ReportKeyOf(proto), row);
      outcome.imported.push_back(inserted);
    }
    return outcome;
  }

  absl::Status ForEachRow(
      const std::string& table,
      const std::function<void(const ImportedRow&)>& visit) override {
    for (const auto& [key, row] : rows_[table]) visit(row);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::optional<ImportedRow>>> FindRows(
      const std::string& table, const std::vector<ImportKey>& keys) override {
    std::vector<std::optional<ImportedRow>> found;
    for (const ImportKey& key : keys) {
      // The same spelling as ReportKeyOf, which ImportBatch stores under.
      std::string report_key = key.key;
      if (!key.user_id.empty()) report_key = key.user_id + "/" + key.key;
      if (key.legacy_id != 0) report_key = std::to_string(key.legacy_id);
      auto it = rows_[table].find(report_key);
      found.push_back(it == rows_[table].end()
                          ? std::nullopt
                          : std::optional<ImportedRow>(it->second));
    }
    return found;
  }

 private:
  std::map<std::string, std::map<std::string, ImportedRow>> rows_;
};

v1::ImportedRow ParseRow(const std::string& json) {
  v1::ImportedRow row;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &row).ok())
      << json;
  return row;
}

v1::ImportedRow Config(const std::string& key) {
  return ParseRow(R"({"configuration": {"key": ")" + key +
                  R"(", "value": "v", "category": "general",
                      "createTime": "2025-08-20T12:00:41Z",
                      "updateTime": "2025-08-20T12:00:41Z"}})");
}

v1::ImportedRow Metric(int id) {
  return ParseRow(R"({"legacyId": ")" + std::to_string(id) +
                  R"(", "performanceMetric": {"name": "m", "value": 1.5,
                      "unit": "", "time": "2025-08-25T12:00:00Z"}})");
}

class ImportServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<ImportService>(&importer_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    testutil::AddCallOrderInterceptor(&builder);
    server_ = builder.BuildAndStart();
    stub_ = v1::Import::NewStub(testutil::InProcessChannel(server_.get()));
  }

  void TearDown() override { server_->Shutdown(); }

  grpc::Status Import(const std::vector<std::vector<v1::ImportedRow>>& messages,
                      v1::ImportRowsResponse* response,
                      bool validate_only = false) {
    grpc::ClientContext context;
    auto writer = stub_->ImportRows(&context, response);
    for (const auto& rows : messages) {
      v1::ImportRowsRequest request;
      request.set_validate_only(validate_only);
      for (const v1::ImportedRow& row : rows) *request.add_rows() = row;
      if (!writer->Write(request)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  static const v1::TableImportCounts& Counts(
      const v1::ImportRowsResponse& response, const std::string& table) {
    for (const v1::TableImportCounts& counts : response.tables()) {
      if (counts.table_name() == table) return counts;
    }
    ADD_FAILURE() << "no counts for " << table;
    return v1::TableImportCounts::default_instance();
  }

  FakeImporter importer_;
  std::unique_ptr<ImportService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Import::Stub> stub_;
};

TEST_F(ImportServiceTest, CountsImportedPresentAndRejectedRowsPerTable) {
  v1::ImportRowsResponse response;
  const grpc::Status status = Import(
      {
          {Config("a"), Config("b"), Config(""), v1::ImportedRow()},
          {Config("a"), Metric(1)},
      },
      &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  const v1::TableImportCounts& configs = Counts(response, "configurations");
  EXPECT_EQ(configs.received(), 4);
  EXPECT_EQ(configs.imported(), 2);
  EXPECT_EQ(configs.already_present(), 1);
  EXPECT_EQ(configs.rejected(), 1);
  const v1::TableImportCounts& metrics =
      Counts(response, "performance_metrics");
  EXPECT_EQ(metrics.received(), 1);
  EXPECT_EQ(metrics.imported(), 1);

  ASSERT_THAT(response.rejected(), SizeIs(2));
  EXPECT_EQ(response.rejected(0).table_name(), "configurations");
  EXPECT_EQ(response.rejected(0).key(), "");
  EXPECT_EQ(response.rejected(0).reason(),
            "configuration.key: must not be empty");
  EXPECT_EQ(response.rejected(1).table_name(), "");
  EXPECT_EQ(response.rejected(1).reason(), "record: must be set");

  EXPECT_EQ(importer_.batches, 2);  // One per message.
}

TEST_F(ImportServiceTest, RejectedRowsCarryTheirPositionInTheStream) {
  v1::ImportRowsResponse response;
  ASSERT_TRUE(
      Import({{Config("a"), Config("")}, {Metric(1), Config("")}}, &response)
          .ok());
  ASSERT_THAT(response.rejected(), SizeIs(2));
  EXPECT_EQ(response.rejected(0).stream_index(), 1);
  EXPECT_EQ(response.rejected(1).stream_index(), 3);
}

TEST_F(ImportServiceTest, ValidateOnlyCountsAndRejectsButWritesNothing) {
  v1::ImportRowsResponse response;
  ASSERT_TRUE(Import({{Config("a"), Config("")}, {Metric(1)}}, &response,
                     /*validate_only=*/true)
                  .ok());
  EXPECT_EQ(importer_.batches, 0);
  const v1::TableImportCounts& configs = Counts(response, "configurations");
  EXPECT_EQ(configs.received(), 2);
  EXPECT_EQ(configs.imported(), 0);
  EXPECT_EQ(configs.already_present(), 0);
  EXPECT_EQ(configs.rejected(), 1);
  ASSERT_THAT(response.rejected(), SizeIs(1));
  EXPECT_EQ(response.rejected(0).stream_index(), 1);
}

TEST_F(ImportServiceTest, EmptyStreamReportsSevenEmptyTables) {
  v1::ImportRowsResponse response;
  ASSERT_TRUE(Import({}, &response).ok());
  ASSERT_THAT(response.tables(), SizeIs(7));
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(response.tables(i).table_name(), kImportTables[i]);
    EXPECT_EQ(response.tables(i).received(), 0);
  }
  EXPECT_THAT(response.rejected(), IsEmpty());
  EXPECT_EQ(importer_.batches, 0);
}

TEST_F(ImportServiceTest, MessageOfOnlyRejectedRowsWritesNothing) {
  v1::ImportRowsResponse response;
  ASSERT_TRUE(Import({{Config("")}}, &response).ok());
  EXPECT_EQ(importer_.batches, 0);
  EXPECT_EQ(Counts(response, "configurations").rejected(), 1);
}

TEST_F(ImportServiceTest, OversizedMessageIsRejected) {
  std::vector<v1::ImportedRow> rows(kMaxRowsPerImportMessage + 1, Metric(1));
  v1::ImportRowsResponse response;
  const grpc::Status status = Import({rows}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "rows: must hold at most 5000 rows per message, got 5001");
  EXPECT_EQ(importer_.batches, 0);
}

TEST_F(ImportServiceTest, ChecksumsMatchTheDigestOfTheRowsSent) {
  const std::vector<v1::ImportedRow> configs = {Config("a"), Config("b"),
                                                Config("c")};
  v1::ImportRowsResponse import_response;
  ASSERT_TRUE(Import({configs, {Metric(7)}}, &import_response).ok());

  TableDigest expected;
  for (auto it = configs.rbegin(); it != configs.rend(); ++it) {
    expected.Add(*it);
  }

  grpc::ClientContext context;
  v1::GetTableChecksumsRequest request;
  request.add_table_names("configurations");
  v1::GetTableChecksumsResponse response;
  ASSERT_TRUE(stub_->GetTableChecksums(&context, request, &response).ok());
  ASSERT_THAT(response.tables(), SizeIs(1));
  EXPECT_EQ(response.tables(0).table_name(), "configurations");
  EXPECT_EQ(response.tables(0).row_count(), 3);
  EXPECT_EQ(response.tables(0).checksum(), expected.Checksum());
}

TEST_F(ImportServiceTest, NoTableNamesMeansAllSeven) {
  grpc::ClientContext context;
  v1::GetTableChecksumsResponse response;
  ASSERT_TRUE(stub_
                  ->GetTableChecksums(&context, v1::GetTableChecksumsRequest(),
                                      &response)
                  .ok());
  ASSERT_THAT(response.tables(), SizeIs(7));
  EXPECT_EQ(response.tables(6).table_name(), "performance_metrics");
  EXPECT_EQ(response.tables(6).row_count(), 0);
  EXPECT_EQ(response.tables(6).checksum(), "0000000000000000");
}

TEST_F(ImportServiceTest, UnknownTableIsRejected) {
  grpc::ClientContext context;
  v1::GetTableChecksumsRequest request;
  request.add_table_names("configurations");
  request.add_table_names("schema_migrations");
  v1::GetTableChecksumsResponse response;
  const grpc::Status status =
      stub_->GetTableChecksums(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "table_names[1]: unknown table 'schema_migrations'");
}

TEST_F(ImportServiceTest, RowDigestsAnswerEachKeyInRequestOrder) {
  const v1::ImportedRow config = Config("a");
  const v1::ImportedRow metric = Metric(7);
  v1::ImportRowsResponse import_response;
  ASSERT_TRUE(Import({{config, metric}}, &import_response).ok());

  grpc::ClientContext context;
  v1::GetRowDigestsRequest request;
  request.set_table_name("configurations");
  request.add_keys()->set_key("missing");
  request.add_keys()->set_key("a");
  v1::GetRowDigestsResponse response;
  ASSERT_TRUE(stub_->GetRowDigests(&context, request, &response).ok());
  ASSERT_THAT(response.rows(), SizeIs(2));
  EXPECT_FALSE(response.rows(0).found());
  EXPECT_EQ(response.rows(0).digest(), "");
  EXPECT_TRUE(response.rows(1).found());
  EXPECT_EQ(response.rows(1).digest(), RowDigest(config));

  grpc::ClientContext metric_context;
  v1::GetRowDigestsRequest metric_request;
  metric_request.set_table_name("performance_metrics");
  metric_request.add_keys()->set_legacy_id(7);
  ASSERT_TRUE(
      stub_->GetRowDigests(&metric_context, metric_request, &response).ok());
  ASSERT_THAT(response.rows(), SizeIs(1));
  EXPECT_EQ(response.rows(0).digest(), RowDigest(metric));
}

TEST_F(ImportServiceTest, RowDigestsRefuseBadRequests) {
  struct Case {
    const char* name;
    v1::GetRowDigestsRequest request;
    const char* message;
  };
  std::vector<Case> cases(3);
  cases[0].name = "unknown table";
  cases[0].request.set_table_name("schema_migrations");
  cases[0].message = "table_name: unknown table 'schema_migrations'";
  cases[1].name = "too many keys";
  cases[1].request.set_table_name("configurations");
  for (int i = 0; i <= kMaxRowDigestKeys; ++i) {
    cases[1].request.add_keys()->set_key("k");
  }
  cases[1].message = "keys: at most 5000 per request, got 5001";
  cases[2].name = "key with NUL";
  cases[2].request.set_table_name("configurations");
  cases[2].request.add_keys()->set_key(std::string("a\0b", 3));
  cases[2].message = "keys[0].key: must not contain NUL characters";

  for (const Case& c : cases) {
    grpc::ClientContext context;
    v1::GetRowDigestsResponse response;
    const grpc::Status status =
        stub_->GetRowDigests(&context, c.request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.name;
    EXPECT_EQ(status.error_message(), c.message) << c.name;
  }
}

}  // namespace
}  // namespace opsbrain::service
