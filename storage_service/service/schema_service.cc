#include "storage_service/service/schema_service.h"

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

void MigrationInfoToProto(const MigrationInfo& info, v1::Migration* proto) {
  proto->set_version(info.version);
  proto->set_description(info.description);
  proto->set_checksum(info.checksum);
  if (info.applied_time.has_value()) {
    TimeToProto(*info.applied_time, proto->mutable_applied_time());
  } else {
    proto->clear_applied_time();
  }
}

void SchemaStatusToProto(const SchemaStatus& status, v1::SchemaStatus* proto) {
  proto->set_dialect(status.dialect);
  proto->set_current_version(status.current_version);
  proto->set_latest_version(status.latest_version);
  proto->clear_applied();
  for (const MigrationInfo& info : status.applied) {
    MigrationInfoToProto(info, proto->add_applied());
  }
  proto->clear_pending();
  for (const MigrationInfo& info : status.pending) {
    MigrationInfoToProto(info, proto->add_pending());
  }
}

SchemaService::SchemaService(SchemaManager* schema,
                             std::function<absl::Time()> clock)
    : schema_(schema),
      clock_(std::move(clock)),
      runner_("opsbrain.v1.Schema", nullptr) {}

grpc::Status SchemaService::GetSchemaStatus(
    grpc::ServerContext* context, const v1::GetSchemaStatusRequest* /*request*/,
    v1::SchemaStatus* response) {
  return runner_.Run(*context, "GetSchemaStatus",
                     [&](const RequestContext&) -> absl::Status {
                       OPSBRAIN_ASSIGN_OR_RETURN(const SchemaStatus status,
                                                 schema_->GetStatus());
                       SchemaStatusToProto(status, response);
                       return absl::OkStatus();
                     });
}

grpc::Status SchemaService::ApplyMigrations(
    grpc::ServerContext* context, const v1::ApplyMigrationsRequest* /*request*/,
    v1::ApplyMigrationsResponse* response) {
  return runner_.Run(
      *context, "ApplyMigrations",
      [&](const RequestContext& caller) -> absl::Status {
        const absl::Time now =
            absl::FromUnixMicros(absl::ToUnixMicros(clock_()));
        OPSBRAIN_ASSIGN_OR_RETURN(const std::vector<MigrationInfo> applied,
                                  schema_->ApplyPending(now));
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

}  // namespace opsbrain::service
