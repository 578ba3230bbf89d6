#include "storage_service/storage_server.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "storage_service/database_factory.h"
#include "storage_service/migrations/sql_schema_manager.h"
#include "storage_service/parse_error_interceptor.h"
#include "storage_service/rpc_metrics.h"
#include "storage_service/sql/instrumented_database.h"
#include "storage_service/sql/sql_importer.h"
#include "storage_service/sql/sql_repository.h"

namespace opsbrain {
namespace {

// The health-checked service names: "" (the whole server) and the
// Repository, both SERVING only while the schema is current.
constexpr const char* kHealthNames[] = {"", "opsbrain.v1.Repository"};

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     const char* what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the ", what, " file ", path));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const StorageServerOptions& options) {
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "a TLS client CA needs a TLS certificate and key too");
    }
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both a certificate and a key file");
  }
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  OPSBRAIN_ASSIGN_OR_RETURN(pair.private_key,
                            ReadFile(options.tls_key_file, "TLS key"));
  OPSBRAIN_ASSIGN_OR_RETURN(pair.cert_chain,
                            ReadFile(options.tls_cert_file, "TLS certificate"));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!options.tls_client_ca_file.empty()) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        ssl.pem_root_certs,
        ReadFile(options.tls_client_ca_file, "TLS client CA"));
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

// Opens the database, retrying a PostgreSQL server that does not answer yet
// (UNAVAILABLE) until `wait` has passed, or until `stop` (if any) is
// notified: CANCELLED then. Other failures (a bad URL, bad credentials
// reported as such, a corrupt SQLite file) return at once.
absl::StatusOr<std::unique_ptr<sql::Database>> OpenWhenReachable(
    const DatabaseTarget& target, const DatabaseOptions& options,
    absl::Duration wait, absl::Notification* stop) {
  const absl::Time deadline = absl::Now() + wait;
  absl::Duration backoff = absl::Milliseconds(250);
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<std::unique_ptr<sql::Database>> database =
        OpenDatabase(target, options);
    if (database.ok() || !absl::IsUnavailable(database.status()) ||
        target.dialect != sql::Dialect::kPostgres) {
      return database;
    }
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      return absl::UnavailableError(absl::StrCat(
          "the database did not answer within --database_wait=",
          absl::FormatDuration(wait), ": ", database.status().message()));
    }
    if (attempt == 1) {
      OPSBRAIN_LOG(WARNING)
          << "waiting up to " << absl::FormatDuration(wait)
          << " for the database: " << database.status().message();
    }
    const absl::Duration pause = std::min(backoff, deadline - now);
    if (stop == nullptr) {
      absl::SleepFor(pause);
    } else if (stop->WaitForNotificationWithTimeout(pause)) {
      return absl::CancelledError(
          "asked to stop while waiting for the database");
    }
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
}

// Looks at the schema again right after migrations ran, so that health
// turns SERVING as soon as they are in, not at the next recheck.
class RefreshingSchemaManager final : public SchemaManager {
 public:
  RefreshingSchemaManager(SchemaManager* schema, SchemaGate* gate)
      : schema_(*schema), gate_(*gate) {}

  absl::StatusOr<SchemaStatus> GetStatus() override {
    return schema_.GetStatus();
  }

  absl::StatusOr<std::vector<MigrationInfo>> ApplyPending(
      absl::Time now, const MigrationRunOptions& options) override {
    absl::StatusOr<std::vector<MigrationInfo>> applied =
        schema_.ApplyPending(now, options);
    gate_.Refresh().IgnoreError();
    return applied;
  }

  absl::StatusOr<BaselineOutcome> Baseline(
      absl::Time now, const MigrationRunOptions& options) override {
    return schema_.Baseline(now, options);
  }

 private:
  SchemaManager& schema_;
  SchemaGate& gate_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<StorageServer>> StorageServer::Start(
    const StorageServerOptions& options) {
  std::unique_ptr<StorageServer> server(new StorageServer());
  StorageServer* raw = server.get();
  metrics::Registry* registry = &server->registry_;

  // The database, and the layers over it.
  OPSBRAIN_ASSIGN_OR_RETURN(DatabaseTarget target,
                            ParseDatabaseUrl(options.database_url));
  OPSBRAIN_ASSIGN_OR_RETURN(
      std::unique_ptr<sql::Database> opened,
      OpenWhenReachable(target, options.database, options.database_wait,
                        options.stop_requested));
  sql::InstrumentationOptions instrumentation;
  instrumentation.slow_statement_threshold = options.slow_query_threshold;
  instrumentation.registry = registry;
  server->database_ =
      sql::NewInstrumentedDatabase(std::move(opened), instrumentation);
  OPSBRAIN_LOG(INFO) << "database: " << sql::DialectName(target.dialect)
                     << " at " << target.display << " (pool of "
                     << options.database.pool_size << ")";
  if (target.dialect == sql::Dialect::kSqlite) {
    OPSBRAIN_LOG(INFO) << "SQLite mode serves one machine; run several "
                          "replicas only on PostgreSQL";
  }
  server->schema_ = migrations::NewSqlSchemaManager(server->database_.get());
  server->repository_ = sql::NewSqlRepository(server->database_.get());
  server->importer_ = sql::NewSqlImporter(server->database_.get());

  // The schema: current, migrated now, or reported as behind.
  if (options.migrate_on_start) {
    OPSBRAIN_RETURN_IF_ERROR(
        server->schema_->ApplyPending(absl::Now(), MigrationRunOptions())
            .status());
  }
  OPSBRAIN_ASSIGN_OR_RETURN(SchemaStatus status, server->schema_->GetStatus());
  // A history that does not match this binary keeps the Repository API
  // closed, but the Schema service serves on, so that `migrator status` and
  // `migrator validate` can say what is wrong.
  for (const SchemaProblem& problem : status.problems) {
    OPSBRAIN_LOG(ERROR) << "schema history: " << problem.message;
  }
  if (status.problems.empty() && !status.is_current()) {
    OPSBRAIN_LOG(WARNING)
        << "schema is at version " << status.current_version
        << ", this service needs " << status.latest_version
        << "; the Repository API answers UNAVAILABLE until `migrator up` "
           "has run";
  }

  // Health: the schema gate and the database probe, combined. Both exist
  // before any RPC can reach the gate.
  server->gate_ = std::make_unique<SchemaGate>(
      server->schema_.get(), [raw] { raw->health_->SchemaBecameCurrent(); });
  server->health_ = std::make_unique<HealthMonitor>(
      server->database_.get(), [raw] { return raw->gate_->Check().ok(); },
      registry);

  // The gRPC services.
  service::ReadinessGate readiness = [raw] { return raw->gate_->Check(); };
  auto clock = [] { return absl::Now(); };
  server->repository_service_ = std::make_unique<service::RepositoryService>(
      server->repository_.get(), clock, readiness);
  server->refreshing_schema_ = std::make_unique<RefreshingSchemaManager>(
      server->schema_.get(), server->gate_.get());
  server->schema_service_ = std::make_unique<service::SchemaService>(
      server->refreshing_schema_.get(), clock);
  server->import_service_ = std::make_unique<service::ImportService>(
      server->importer_.get(), readiness);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  OPSBRAIN_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> creds,
                            Credentials(options));
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, creds, &server->port_);
  builder.RegisterService(server->repository_service_.get());
  builder.RegisterService(server->schema_service_.get());
  builder.RegisterService(server->import_service_.get());
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(NewParseErrorInterceptorFactory());
  // After the parse-error rewrite, so that it counts the code sent.
  interceptors.push_back(NewRpcMetricsInterceptorFactory(registry));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }

  // NOT_SERVING until the monitor says otherwise.
  grpc::HealthCheckServiceInterface* const health_service =
      server->server_->GetHealthCheckService();
  for (const char* name : kHealthNames) {
    health_service->SetServingStatus(name, false);
  }
  server->health_->SetPublisher([health_service](bool serving) {
    for (const char* name : kHealthNames) {
      health_service->SetServingStatus(name, serving);
    }
  });
  server->gate_->Refresh().IgnoreError();
  server->prober_ = std::make_unique<PeriodicTask>(
      options.health_probe_interval, [raw] { raw->health_->Probe(); });

  // Background clean-up.
  if (options.sweep_interval > absl::ZeroDuration()) {
    SweeperOptions sweep;
    sweep.metrics_retention = options.metrics_retention;
    server->sweeper_ = std::make_unique<Sweeper>(
        server->repository_.get(), readiness, clock, sweep, registry);
    server->sweep_task_ = std::make_unique<PeriodicTask>(
        options.sweep_interval,
        [raw] { raw->sweeper_->RunOnce().IgnoreError(); });
  }

  // The metrics endpoint, apart from the API.
  if (!options.metrics_listen.empty()) {
    OPSBRAIN_ASSIGN_OR_RETURN(
        server->metrics_server_,
        metrics::MetricsHttpServer::Start(options.metrics_listen, registry));
    OPSBRAIN_ASSIGN_OR_RETURN(
        metrics::ListenAddress address,
        metrics::ParseListenAddress(options.metrics_listen));
    OPSBRAIN_LOG(INFO) << "metrics on http://" << address.host << ":"
                       << server->metrics_server_->port() << "/metrics";
  }
  return server;
}

StorageServer::~StorageServer() { Shutdown(absl::ZeroDuration()); }

int StorageServer::metrics_port() const {
  return metrics_server_ == nullptr ? 0 : metrics_server_->port();
}

void StorageServer::Shutdown(absl::Duration drain) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  // Background work first, so that nothing turns health back to SERVING
  // or starts a sweep during the drain.
  if (prober_ != nullptr) prober_->Stop();
  if (sweep_task_ != nullptr) sweep_task_->Stop();
  health_->Stop();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + drain));
  server_->Wait();
  metrics_server_.reset();
}

}  // namespace opsbrain
