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
#include "gtest/gtest.h"
#include "opsbrain/v1/internal.grpc.pb.h"
#include "storage_service/schema.h"
#include "tests/util/in_process_grpc.h"

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
  // What the last ApplyPending or Baseline was asked to wait for the lock.
  absl::Duration lock_timeout = absl::ZeroDuration();
  std::vector<MigrationFailure> failures;
  std::vector<SchemaProblem> problems;

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
      MigrationInfo pending = Migration(2, std::nullopt);
      pending.sql = "ALTER TABLE a ADD COLUMN b TEXT;";
      status.pending.push_back(pending);
      status.current_version = 1;
    }
    status.failures = failures;
    status.problems = problems;
    return status;
  }

  absl::StatusOr<std::vector<MigrationInfo>> ApplyPending(
      absl::Time now, const MigrationRunOptions& options) override {
    lock_timeout = options.lock_timeout;
    if (applied_at != absl::InfinitePast()) {
      return std::vector<MigrationInfo>();
    }
    applied_at = now;
    return std::vector<MigrationInfo>{Migration(2, now)};
  }

  absl::StatusOr<BaselineOutcome> Baseline(
      absl::Time /*now*/, const MigrationRunOptions& options) override {
    lock_timeout = options.lock_timeout;
    if (!fail.ok()) return fail;
    return BaselineOutcome{true};
  }
};

class SchemaServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<SchemaService>(
        &schema_, [] { return absl::FromUnixNanos(5000001999); });
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    testutil::AddCallOrderInterceptor(&builder);
    server_ = builder.BuildAndStart();
    stub_ = v1::Schema::NewStub(testutil::InProcessChannel(server_.get()));
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

TEST_F(SchemaServiceTest, StatusCarriesSqlOnlyWhenAsked) {
  v1::SchemaStatus status;
  grpc::ClientContext plain;
  ASSERT_TRUE(
      stub_->GetSchemaStatus(&plain, v1::GetSchemaStatusRequest(), &status)
          .ok());
  ASSERT_EQ(status.pending_size(), 1);
  EXPECT_EQ(status.pending(0).sql(), "");

  v1::GetSchemaStatusRequest request;
  request.set_include_sql(true);
  grpc::ClientContext with_sql;
  ASSERT_TRUE(stub_->GetSchemaStatus(&with_sql, request, &status).ok());
  ASSERT_EQ(status.pending_size(), 1);
  EXPECT_EQ(status.pending(0).sql(), "ALTER TABLE a ADD COLUMN b TEXT;");
  EXPECT_EQ(status.applied(0).sql(), "");
}

TEST_F(SchemaServiceTest, StatusCarriesFailuresAndProblems) {
  schema_.failures.push_back(
      {2, "step 2", "ab12", "relation exists", absl::FromUnixSeconds(300)});
  schema_.problems.push_back({SchemaProblem::Kind::kChecksumMismatch, 1,
                              "migration 1 (step 1) was edited"});
  grpc::ClientContext context;
  v1::SchemaStatus status;
  ASSERT_TRUE(
      stub_->GetSchemaStatus(&context, v1::GetSchemaStatusRequest(), &status)
          .ok());
  ASSERT_EQ(status.failures_size(), 1);
  EXPECT_EQ(status.failures(0).version(), 2);
  EXPECT_EQ(status.failures(0).error(), "relation exists");
  EXPECT_EQ(status.failures(0).failed_time().seconds(), 300);
  ASSERT_EQ(status.problems_size(), 1);
  EXPECT_EQ(status.problems(0).kind(), v1::SchemaProblem::CHECKSUM_MISMATCH);
  EXPECT_EQ(status.problems(0).version(), 1);
  EXPECT_EQ(status.problems(0).message(), "migration 1 (step 1) was edited");
}

TEST_F(SchemaServiceTest, LockTimeoutComesFromTheRequestOrDefaults) {
  struct Case {
    std::optional<int64_t> seconds;
    absl::Duration want;
  };
  for (const Case& c : std::vector<Case>{
           {std::nullopt, absl::Seconds(60)},
           {5, absl::Seconds(5)},
           {0, absl::ZeroDuration()},
           {7200, kMaxLockTimeout},
       }) {
    schema_.applied_at = absl::InfinitePast();
    v1::ApplyMigrationsRequest request;
    if (c.seconds.has_value()) {
      request.mutable_lock_timeout()->set_seconds(*c.seconds);
    }
    grpc::ClientContext context;
    v1::ApplyMigrationsResponse response;
    ASSERT_TRUE(stub_->ApplyMigrations(&context, request, &response).ok());
    EXPECT_EQ(schema_.lock_timeout, c.want);
  }

  v1::ApplyMigrationsRequest negative;
  negative.mutable_lock_timeout()->set_seconds(-1);
  grpc::ClientContext context;
  v1::ApplyMigrationsResponse response;
  EXPECT_EQ(stub_->ApplyMigrations(&context, negative, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(SchemaServiceTest, BaselineReportsWhetherItRecorded) {
  v1::BaselineSchemaRequest request;
  request.mutable_lock_timeout()->set_seconds(3);
  grpc::ClientContext context;
  v1::BaselineSchemaResponse response;
  ASSERT_TRUE(stub_->BaselineSchema(&context, request, &response).ok());
  EXPECT_TRUE(response.recorded());
  EXPECT_EQ(response.status().current_version(), 1);
  EXPECT_EQ(schema_.lock_timeout, absl::Seconds(3));

  schema_.fail = absl::FailedPreconditionError(
      "the existing tables differ from migration 1");
  grpc::ClientContext refused;
  const grpc::Status status =
      stub_->BaselineSchema(&refused, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "the existing tables differ from migration 1");
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
