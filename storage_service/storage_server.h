// The storage service: the Repository API, the migrator's Schema and Import
// APIs, gRPC health and server reflection, over one database.
#ifndef OPSBRAIN_STORAGE_SERVICE_STORAGE_SERVER_H_
#define OPSBRAIN_STORAGE_SERVICE_STORAGE_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "common/metrics_http_server.h"
#include "common/periodic_task.h"
#include "grpcpp/server.h"
#include "storage_service/database_factory.h"
#include "storage_service/health_monitor.h"
#include "storage_service/importer.h"
#include "storage_service/repository.h"
#include "storage_service/schema.h"
#include "storage_service/schema_gate.h"
#include "storage_service/service/import_service.h"
#include "storage_service/service/repository_service.h"
#include "storage_service/service/schema_service.h"
#include "storage_service/sql/database.h"
#include "storage_service/sweeper.h"

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

  // The database pool (database_factory.h).
  DatabaseOptions database;
  // At start, how long to keep trying a PostgreSQL server that does not
  // answer before giving up (a database starting beside the service).
  absl::Duration database_wait = absl::Seconds(30);
  // When set, notified once the process is asked to stop: the wait above
  // then ends at once and Start returns CANCELLED, so that a SIGTERM from
  // an orchestrator is not held up by a database that is down.
  absl::Notification* stop_requested = nullptr;
  // Statements slower than this are logged at WARNING by name; zero: none.
  absl::Duration slow_query_threshold = absl::Milliseconds(500);
  // How often the database is pinged for the health service.
  absl::Duration health_probe_interval = absl::Seconds(1);
  // How often expired threads (and metrics past metrics_retention) are
  // deleted; zero: never.
  absl::Duration sweep_interval = absl::Minutes(10);
  // Performance metrics older than this are deleted; zero keeps them.
  absl::Duration metrics_retention = absl::ZeroDuration();
  // host:port for GET /metrics (Prometheus); empty serves none.
  std::string metrics_listen;
};

// Health: the gRPC health service reports SERVING for "" and
// "opsbrain.v1.Repository" exactly while the schema is current and the
// database answers the probe (HealthMonitor), NOT_SERVING otherwise and
// from the start of Shutdown.
class StorageServer {
 public:
  // Opens the database (waiting up to database_wait for PostgreSQL to
  // answer), checks the schema, and starts serving, probing and sweeping.
  // Errors: the database cannot be opened or its schema history cannot be
  // read (a history that does not match this binary's migrations is logged
  // and keeps the Repository API closed), an address cannot be bound, TLS
  // files cannot be read.
  // Messages never hold a database password.
  static absl::StatusOr<std::unique_ptr<StorageServer>> Start(
      const StorageServerOptions& options);

  StorageServer(const StorageServer&) = delete;
  StorageServer& operator=(const StorageServer&) = delete;
  ~StorageServer();

  // The bound port.
  int port() const { return port_; }
  // The metrics endpoint's bound port; 0 when there is none.
  int metrics_port() const;

  // Stops accepting calls, lets calls in flight finish for up to `drain`,
  // then cancels the rest. Idempotent.
  void Shutdown(absl::Duration drain);

 private:
  StorageServer() = default;

  // First: everything below may report into it until destroyed.
  metrics::Registry registry_;
  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<SchemaManager> schema_;
  std::unique_ptr<Repository> repository_;
  std::unique_ptr<Importer> importer_;
  std::unique_ptr<SchemaGate> gate_;
  std::unique_ptr<SchemaManager> refreshing_schema_;
  std::unique_ptr<service::RepositoryService> repository_service_;
  std::unique_ptr<service::SchemaService> schema_service_;
  std::unique_ptr<service::ImportService> import_service_;
  std::unique_ptr<HealthMonitor> health_;
  std::unique_ptr<Sweeper> sweeper_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<metrics::MetricsHttpServer> metrics_server_;
  // Last: stopped before what they use goes away.
  std::unique_ptr<PeriodicTask> prober_;
  std::unique_ptr<PeriodicTask> sweep_task_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace opsbrain

#endif  // OPSBRAIN_STORAGE_SERVICE_STORAGE_SERVER_H_
