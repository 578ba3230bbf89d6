// The opsbrain.v1.Schema gRPC service (internal; used by the migrator) over
// a SchemaManager. Served whatever the schema version, since it is how the
// schema becomes current.
//
// Thread-safe; holds no state of its own.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_SCHEMA_SERVICE_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_SCHEMA_SERVICE_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "opsbrain/v1/internal.grpc.pb.h"
#include "storage_service/schema.h"
#include "storage_service/service/rpc_runner.h"

namespace opsbrain::service {

// Migration.sql is filled only when `include_sql` (pending migrations
// carry it).
void MigrationInfoToProto(const MigrationInfo& info, v1::Migration* proto,
                          bool include_sql = false);
void SchemaStatusToProto(const SchemaStatus& status, v1::SchemaStatus* proto,
                         bool include_sql = false);

// The lock timeout a request asks for: 60 s when unset, and at most
// kMaxLockTimeout. INVALID_ARGUMENT for a negative or malformed duration.
absl::StatusOr<absl::Duration> LockTimeoutFromProto(
    const google::protobuf::Duration& proto, bool is_set);
inline constexpr absl::Duration kMaxLockTimeout = absl::Minutes(30);

class SchemaService final : public v1::Schema::Service {
 public:
  // `schema` must outlive the service; `clock` stamps applied migrations.
  SchemaService(SchemaManager* schema, std::function<absl::Time()> clock);

  SchemaService(const SchemaService&) = delete;
  SchemaService& operator=(const SchemaService&) = delete;

  // The history's problems (an unknown, edited or out-of-order migration)
  // are in the answer; errors are the database's.
  grpc::Status GetSchemaStatus(grpc::ServerContext* context,
                               const v1::GetSchemaStatusRequest* request,
                               v1::SchemaStatus* response) override;
  // Applies the pending migrations, then reports the status after them.
  // Each one applied is logged at INFO.
  grpc::Status ApplyMigrations(grpc::ServerContext* context,
                               const v1::ApplyMigrationsRequest* request,
                               v1::ApplyMigrationsResponse* response) override;
  // SchemaManager::Baseline, then the status after it.
  grpc::Status BaselineSchema(grpc::ServerContext* context,
                              const v1::BaselineSchemaRequest* request,
                              v1::BaselineSchemaResponse* response) override;

 private:
  SchemaManager* const schema_;
  const std::function<absl::Time()> clock_;
  const RpcRunner runner_;
};

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_SCHEMA_SERVICE_H_
