#include "tests/conformance/test_store.h"

#include <stdlib.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "storage_service/database_factory.h"
#include "storage_service/migrations/sql_schema_manager.h"
#include "storage_service/sql/sql_importer.h"
#include "storage_service/sql/sql_repository.h"
#include "tests/postgres/postgres_server.h"

namespace opsbrain::testing {
namespace {

absl::StatusOr<PostgresServer*> SharedPostgres() {
  // Started once per test process and stopped when the process exits.
  static auto* server = new absl::StatusOr<std::unique_ptr<PostgresServer>>(
      PostgresServer::Start());
  if (!server->ok()) return server->status();
  return server->value().get();
}

std::string TempDir() {
  const char* dir = getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

}  // namespace

std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "Sqlite" : "Postgres";
}

absl::StatusOr<std::string> NewDatabaseUrl(Backend backend) {
  if (backend == Backend::kPostgres) {
    OPSBRAIN_ASSIGN_OR_RETURN(PostgresServer * server, SharedPostgres());
    return server->CreateDatabase();
  }
  static std::atomic<int> counter{0};
  return absl::StrCat("sqlite://", TempDir(), "/store-", getpid(), "-",
                      counter.fetch_add(1), ".db");
}

absl::StatusOr<std::unique_ptr<TestStore>> OpenTestStore(Backend backend,
                                                         bool migrate) {
  auto store = std::make_unique<TestStore>();
  OPSBRAIN_ASSIGN_OR_RETURN(store->url, NewDatabaseUrl(backend));
  OPSBRAIN_ASSIGN_OR_RETURN(DatabaseTarget target,
                            ParseDatabaseUrl(store->url));
  OPSBRAIN_ASSIGN_OR_RETURN(store->database, OpenDatabase(target));
  store->schema = migrations::NewSqlSchemaManager(store->database.get());
  if (migrate) {
    OPSBRAIN_RETURN_IF_ERROR(
        store->schema->ApplyPending(absl::Now(), {}).status());
  }
  store->repository = sql::NewSqlRepository(store->database.get());
  store->importer = sql::NewSqlImporter(store->database.get());
  return store;
}

}  // namespace opsbrain::testing
