#include "storage_service/service/schema_service.h"

#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "opsbrain/v1/internal.grpc.pb.h"
#include "storage_service/schema.h"
#include "storage_service/service/conversions.h"
#include "storage_service/service/request_context.h"

namespace opsbrain::service {

void MigrationInfoToProto(const MigrationInfo& info, v1::Migration* proto,
                          bool include_sql) {
  proto->set_version(info.version);
  proto->set_description(info.description);
  proto->set_checksum(info.checksum);
  if (info.applied_time.has_value()) {
    TimeToProto(*info.applied_time, proto->mutable_applied_time());
  } else {
    proto->clear_applied_time();
  }
  if (include_sql) {
    proto->set_sql(info.sql);
  } else {
    proto->clear_sql();
  }
}

namespace {

v1::SchemaProblem::Kind KindToProto(SchemaProblem::Kind kind) {
  switch (kind) {
    case SchemaProblem::Kind::kChecksumMismatch:
      return v1::SchemaProblem::CHECKSUM_MISMATCH;
    case SchemaProblem::Kind::kUnknownVersion:
      return v1::SchemaProblem::UNKNOWN_VERSION;
    case SchemaProblem::Kind::kOutOfOrder:
      return v1::SchemaProblem::OUT_OF_ORDER;
  }
  return v1::SchemaProblem::KIND_UNSPECIFIED;
}

}  // namespace

void SchemaStatusToProto(const SchemaStatus& status, v1::SchemaStatus* proto,
                         bool include_sql) {
  proto->set_dialect(status.dialect);
  proto->set_current_version(status.current_version);
  proto->set_latest_version(status.latest_version);
  proto->clear_applied();
  for (const MigrationInfo& info : status.applied) {
    MigrationInfoToProto(info, proto->add_applied());
  }
  proto->clear_pending();
  for (const MigrationInfo& info : status.pending) {
    MigrationInfoToProto(info, proto->add_pending(), include_sql);
  }
  proto->clear_failures();
  for (const MigrationFailure& failure : status.failures) {
    v1::MigrationFailure* out = proto->add_failures();
    out->set_version(failure.version);
    out->set_description(failure.description);
    out->set_checksum(failure.checksum);
    out->set_error(failure.error);
    TimeToProto(failure.failed_time, out->mutable_failed_time());
  }
  proto->clear_problems();
  for (const SchemaProblem& problem : status.problems) {
    v1::SchemaProblem* out = proto->add_problems();
    out->set_kind(KindToProto(problem.kind));
    out->set_version(problem.version);
    out->set_message(problem.message);
  }
}

absl::StatusOr<absl::Duration> LockTimeoutFromProto(
    const google::protobuf::Duration& proto, bool is_set) {
  if (!is_set) return MigrationRunOptions().lock_timeout;
  if (proto.seconds() < 0 || proto.nanos() < 0 || proto.nanos() > 999999999) {
    return absl::InvalidArgumentError(
        "lock_timeout: must be a non-negative duration");
  }
  const absl::Duration timeout =
      absl::Seconds(proto.seconds()) + absl::Nanoseconds(proto.nanos());
  return std::min(timeout, kMaxLockTimeout);
}

SchemaService::SchemaService(SchemaManager* schema,
                             std::function<absl::Time()> clock)
    : schema_(schema),
      clock_(std::move(clock)),
      runner_("opsbrain.v1.Schema", nullptr) {}

grpc::Status SchemaService::GetSchemaStatus(
    grpc::ServerContext* context, const v1::GetSchemaStatusRequest* request,
    v1::SchemaStatus* response) {
  return runner_.Run(
      *context, "GetSchemaStatus", [&](const RequestContext&) -> absl::Status {
        OPSBRAIN_ASSIGN_OR_RETURN(const SchemaStatus status,
                                  schema_->GetStatus());
        SchemaStatusToProto(status, response, request->include_sql());
        return absl::OkStatus();
      });
}

grpc::Status SchemaService::ApplyMigrations(
    grpc::ServerContext* context, const v1::ApplyMigrationsRequest* request,
    v1::ApplyMigrationsResponse* response) {
  return runner_.Run(
      *context, "ApplyMigrations",
      [&](const RequestContext& caller) -> absl::Status {
        MigrationRunOptions options;
        OPSBRAIN_ASSIGN_OR_RETURN(
            options.lock_timeout,
            LockTimeoutFromProto(request->lock_timeout(),
                                 request->has_lock_timeout()));
        const absl::Time now =
            absl::FromUnixMicros(absl::ToUnixMicros(clock_()));
        OPSBRAIN_ASSIGN_OR_RETURN(const std::vector<MigrationInfo> applied,
                                  schema_->ApplyPending(now, options));
        for (const MigrationInfo& info : applied) {
          OPSBRAIN_LOG(INFO) << "applied migration " << info.version << " ("
                             << info.description << ") for " << caller.actor;
          MigrationInfoToProto(info, response->add_applied());
        }
        OPSBRAIN_ASSIGN_OR_RETURN(const SchemaStatus status,
                                  schema_->GetStatus());
        SchemaStatusToProto(status, response->mutable_status());
        return absl::OkStatus();
      });
}

grpc::Status SchemaService::BaselineSchema(
    grpc::ServerContext* context, const v1::BaselineSchemaRequest* request,
    v1::BaselineSchemaResponse* response) {
  return runner_.Run(
      *context, "BaselineSchema",
      [&](const RequestContext& caller) -> absl::Status {
        MigrationRunOptions options;
        OPSBRAIN_ASSIGN_OR_RETURN(
            options.lock_timeout,
            LockTimeoutFromProto(request->lock_timeout(),
                                 request->has_lock_timeout()));
        const absl::Time now =
            absl::FromUnixMicros(absl::ToUnixMicros(clock_()));
        OPSBRAIN_ASSIGN_OR_RETURN(const BaselineOutcome outcome,
                                  schema_->Baseline(now, options));
        if (outcome.recorded) {
          OPSBRAIN_LOG(INFO) << "baseline recorded for " << caller.actor;
        }
        response->set_recorded(outcome.recorded);
        OPSBRAIN_ASSIGN_OR_RETURN(const SchemaStatus status,
                                  schema_->GetStatus());
        SchemaStatusToProto(status, response->mutable_status());
        return absl::OkStatus();
      });
}

}  // namespace opsbrain::service
