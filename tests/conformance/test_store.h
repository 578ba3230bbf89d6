// A fresh, migrated store on a real database for one test: a temporary
// SQLite file, or a new database on a throwaway PostgreSQL server that the
// first PostgreSQL test of the process starts and the process shares.
#ifndef OPSBRAIN_TESTS_CONFORMANCE_TEST_STORE_H_
#define OPSBRAIN_TESTS_CONFORMANCE_TEST_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage_service/importer.h"
#include "storage_service/repository.h"
#include "storage_service/schema.h"
#include "storage_service/sql/database.h"

namespace opsbrain::testing {

enum class Backend { kSqlite, kPostgres };

// For test names: "Sqlite", "Postgres".
std::string BackendName(Backend backend);

struct TestStore {
  std::string url;  // DATABASE_URL form
  std::unique_ptr<sql::Database> database;
  std::unique_ptr<SchemaManager> schema;
  std::unique_ptr<Repository> repository;
  std::unique_ptr<Importer> importer;
};

// Creates an empty database on `backend` and opens it, migrated to the
// current schema when `migrate`.
absl::StatusOr<std::unique_ptr<TestStore>> OpenTestStore(Backend backend,
                                                         bool migrate = true);

// A DATABASE_URL for a new empty database on `backend`, for tests that start
// the storage service binary.
absl::StatusOr<std::string> NewDatabaseUrl(Backend backend);

}  // namespace opsbrain::testing

#endif  // OPSBRAIN_TESTS_CONFORMANCE_TEST_STORE_H_
