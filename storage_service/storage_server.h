// The storage service: the Repository API, the migrator's Schema and Import
// APIs, gRPC health and server reflection, over one database.
#ifndef OPSBRAIN_STORAGE_SERVICE_STORAGE_SERVER_H_
#define OPSBRAIN_STORAGE_SERVICE_STORAGE_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "storage_service/importer.h"
#include "storage_service/repository.h"
#include "storage_service/schema.h"
#include "storage_service/schema_gate.h"
#include "storage_service/service/import_service.h"
#include "storage_service/service/repository_service.h"
#include "storage_service/service/schema_service.h"
#include "storage_service/sql/database.h"

namespace opsbrain {

struct StorageServerOptions {
  // host:port; port 0 picks a free one (see StorageServer::port()).
  std::string listen = "127.0.0.1:50051";
  // As DATABASE_URL (database_factory.h); empty for the default SQLite file.
  std::string database_url;
  // Applies pending migrations before serving (development and single-node
  // SQLite use; deploy pipelines run `migrator up` instead).
  bool migrate_on_start = false;
  // TLS: all three empty for plaintext (a private network); cert and key
  // for TLS; plus a client CA to require client certificates (mTLS).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
};

class StorageServer {
 public:
  // Opens the database, checks the schema, and starts serving. Errors: the
  // database cannot be opened or its schema history is inconsistent, the
  // address cannot be bound, TLS files cannot be read. Messages never hold a
  // database password.
  static absl::StatusOr<std::unique_ptr<StorageServer>> Start(
      const StorageServerOptions& options);

  StorageServer(const StorageServer&) = delete;
  StorageServer& operator=(const StorageServer&) = delete;
  ~StorageServer();

  // The bound port.
  int port() const { return port_; }

  // Stops accepting calls, lets calls in flight finish for up to `drain`,
  // then cancels the rest. Idempotent.
  void Shutdown(absl::Duration drain);

 private:
  StorageServer() = default;

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<SchemaManager> schema_;
  std::unique_ptr<Repository> repository_;
  std::unique_ptr<Importer> importer_;
  std::unique_ptr<SchemaGate> gate_;
  std::unique_ptr<SchemaManager> refreshing_schema_;
  std::unique_ptr<service::RepositoryService> repository_service_;
  std::unique_ptr<service::SchemaService> schema_service_;
  std::unique_ptr<service::ImportService> import_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace opsbrain

#endif  // OPSBRAIN_STORAGE_SERVICE_STORAGE_SERVER_H_
