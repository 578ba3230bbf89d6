#include "storage_service/service/schema_service.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/channel_arguments.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/internal.grpc.pb.h"
#include "storage_service/schema.h"

namespace opsbrain::service {
namespace {

MigrationInfo Migration(int version, std::optional<absl::Time> applied) {
  MigrationInfo info;
  info.version = version;
  info.description = "step " + std::to_string(version);
  info.checksum = "ab12";
  info.applied_time = applied;
  return info;
}

// Two migrations, the first applied; ApplyPending applies the second.
class FakeSchema : public SchemaManager {
 public:
  absl::Time applied_at = absl::InfinitePast();
  absl::Status fail;

  absl::StatusOr<SchemaStatus> GetStatus() override {
    if (!fail.ok()) return fail;
    SchemaStatus status;
    status.dialect = "sqlite";
    status.latest_version = 2;
    status.applied.push_back(Migration(1, absl::FromUnixSeconds(100)));
    if (applied_at != absl::InfinitePast()) {
      status.applied.push_back(Migration(2, applied_at));
      status.current_version = 2;
    } else {
      status.pending.push_back(Migration(2, std::nullopt));
      status.current_version = 1;
    }
    return status;
  }

  absl::StatusOr<std::vector<MigrationInfo>> ApplyPending(
      absl::Time now) override {
    if (applied_at != absl::InfinitePast()) {
      return std::vector<MigrationInfo>();
    }
    applied_at = now;
    return std::vector<MigrationInfo>{Migration(2, now)};
  }
};

class SchemaServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<SchemaService>(
        &schema_, [] { return absl::FromUnixNanos(5000001999); });
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::Schema::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  FakeSchema schema_;
  std::unique_ptr<SchemaService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Schema::Stub> stub_;
};

TEST_F(SchemaServiceTest, StatusListsAppliedAndPending) {
  grpc::ClientContext context;
  v1::SchemaStatus status;
  ASSERT_TRUE(
      stub_->GetSchemaStatus(&context, v1::GetSchemaStatusRequest(), &status)
          .ok());
  EXPECT_EQ(status.dialect(), "sqlite");
  EXPECT_EQ(status.current_version(), 1);
  EXPECT_EQ(status.latest_version(), 2);
  ASSERT_EQ(status.applied_size(), 1);
  EXPECT_EQ(status.applied(0).applied_time().seconds(), 100);
  ASSERT_EQ(status.pending_size(), 1);
  EXPECT_EQ(status.pending(0).version(), 2);
  EXPECT_EQ(status.pending(0).description(), "step 2");
  EXPECT_FALSE(status.pending(0).has_applied_time());
}

TEST_F(SchemaServiceTest, ApplyMigrationsReportsWhatItApplied) {
  grpc::ClientContext context;
  v1::ApplyMigrationsResponse response;
  ASSERT_TRUE(
      stub_->ApplyMigrations(&context, v1::ApplyMigrationsRequest(), &response)
          .ok());
  ASSERT_EQ(response.applied_size(), 1);
  EXPECT_EQ(response.applied(0).version(), 2);
  // The clock is truncated to microseconds.
  EXPECT_EQ(response.applied(0).applied_time().seconds(), 5);
  EXPECT_EQ(response.applied(0).applied_time().nanos(), 1000);
  EXPECT_EQ(response.status().current_version(), 2);
  EXPECT_EQ(response.status().pending_size(), 0);

  grpc::ClientContext again;
  ASSERT_TRUE(
      stub_->ApplyMigrations(&again, v1::ApplyMigrationsRequest(), &response)
          .ok());
  EXPECT_EQ(response.applied_size(), 0);
}

TEST_F(SchemaServiceTest, SchemaErrorsPassThrough) {
  schema_.fail = absl::FailedPreconditionError(
      "migration 1 checksum differs from the compiled-in one");
  grpc::ClientContext context;
  v1::SchemaStatus status;
  const grpc::Status result =
      stub_->GetSchemaStatus(&context, v1::GetSchemaStatusRequest(), &status);
  EXPECT_EQ(result.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(result.error_message(),
            "migration 1 checksum differs from the compiled-in one");
}

}  // namespace
}  // namespace opsbrain::service
