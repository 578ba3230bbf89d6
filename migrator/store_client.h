// The migrator's client of the storage service's internal gRPC API
// (opsbrain.v1.Schema and opsbrain.v1.Import).
//
// Every call carries the actor "migrator" and a deadline. Failures come
// back as absl::Status with the gRPC code kept and the message led by the
// method ("ImportRows: ..."); an unreachable service is UNAVAILABLE.
//
// Thread-safe: calls may run at once on several threads; one ImportStream
// is used by one thread at a time.
#ifndef OPSBRAIN_MIGRATOR_STORE_CLIENT_H_
#define OPSBRAIN_MIGRATOR_STORE_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"
#include "opsbrain/v1/internal.grpc.pb.h"

namespace opsbrain::migrator {

struct StoreClientOptions {
  // host:port of the storage service.
  std::string address = "127.0.0.1:50051";
  // How long Connect waits for the first connection.
  absl::Duration connect_timeout = absl::Seconds(10);
  // Deadline of each call (a whole ImportRows stream is one call).
  absl::Duration call_timeout = absl::Minutes(10);
  // PEM files for TLS; empty ca_file means an insecure channel. cert_file
  // and key_file (both or neither) present a client certificate (mTLS).
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
};

// One ImportRows call: rows go out message by message, the counts come back
// at the end.
class ImportStream {
 public:
  ImportStream(const ImportStream&) = delete;
  ImportStream& operator=(const ImportStream&) = delete;

  // Sends one message. False when the stream is broken; Finish then says
  // why.
  bool Write(const v1::ImportRowsRequest& request);

  // Closes the stream and returns the service's answer.
  absl::StatusOr<v1::ImportRowsResponse> Finish();

 private:
  friend class StoreClient;
  ImportStream() = default;

  grpc::ClientContext context_;
  v1::ImportRowsResponse response_;
  std::unique_ptr<grpc::ClientWriter<v1::ImportRowsRequest>> writer_;
};

class StoreClient {
 public:
  static constexpr absl::Duration kDefaultLockTimeout = absl::Seconds(60);

  // Dials options.address and waits up to connect_timeout for a
  // connection: UNAVAILABLE naming the address when none comes up;
  // INVALID_ARGUMENT for unreadable TLS files.
  static absl::StatusOr<std::unique_ptr<StoreClient>> Connect(
      const StoreClientOptions& options);

  StoreClient(const StoreClient&) = delete;
  StoreClient& operator=(const StoreClient&) = delete;

  const std::string& address() const { return options_.address; }

  // With `include_sql`, the pending migrations carry their SQL.
  absl::StatusOr<v1::SchemaStatus> GetSchemaStatus(bool include_sql = false);
  // `lock_timeout`: how long the service waits for another run's migration
  // lock (ApplyMigrationsRequest.lock_timeout).
  absl::StatusOr<v1::ApplyMigrationsResponse> ApplyMigrations(
      absl::Duration lock_timeout = kDefaultLockTimeout);
  absl::StatusOr<v1::BaselineSchemaResponse> BaselineSchema(
      absl::Duration lock_timeout = kDefaultLockTimeout);
  std::unique_ptr<ImportStream> StartImport();
  absl::StatusOr<v1::GetRowDigestsResponse> GetRowDigests(
      const v1::GetRowDigestsRequest& request);
  absl::StatusOr<v1::GetTableChecksumsResponse> GetTableChecksums(
      const v1::GetTableChecksumsRequest& request);

 private:
  StoreClient(StoreClientOptions options,
              std::shared_ptr<grpc::Channel> channel);
  void Prepare(grpc::ClientContext* context) const;

  const StoreClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Schema::Stub> schema_;
  std::unique_ptr<v1::Import::Stub> import_;
};

// The absl::Status of a gRPC status, its message led by `method`.
absl::Status FromGrpc(const grpc::Status& status, const char* method);

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_STORE_CLIENT_H_
