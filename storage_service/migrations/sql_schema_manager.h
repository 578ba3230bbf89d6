// SchemaManager over a SQL database.
//
// The history lives in two tables that precede versioning (created on first
// use): schema_migrations (version, description, checksum, applied_at), one
// row per applied migration, and schema_migration_failures (version,
// description, checksum, error, failed_at, resolved_at), one row per failed
// attempt, written after the attempt's rollback and resolved by the next
// successful one.
//
// The migration lock: on PostgreSQL a transaction-scoped advisory lock,
// held by one transaction that stays open for the whole run while each
// migration commits in a transaction of its own on another connection of
// the pool (so the pool needs two connections); if the process dies, the
// server ends the session and releases the lock. On SQLite each migration's
// BEGIN IMMEDIATE excludes other writers. Within one process, runs are
// serialised before either.
#ifndef OPSBRAIN_STORAGE_SERVICE_MIGRATIONS_SQL_SCHEMA_MANAGER_H_
#define OPSBRAIN_STORAGE_SERVICE_MIGRATIONS_SQL_SCHEMA_MANAGER_H_

#include <memory>
#include <vector>

#include "storage_service/migrations/migrations.h"
#include "storage_service/schema.h"
#include "storage_service/sql/database.h"

namespace opsbrain::migrations {

// `database` must outlive the result. Manages the compiled-in migrations of
// the database's dialect.
std::unique_ptr<SchemaManager> NewSqlSchemaManager(sql::Database* database);

// The same over `migrations` (versions 1..N in order), for tests that need
// migrations of their own (one that fails, say). `migrations` must outlive
// the result.
std::unique_ptr<SchemaManager> NewSqlSchemaManagerForTest(
    sql::Database* database, const std::vector<Migration>* migrations);

}  // namespace opsbrain::migrations

#endif  // OPSBRAIN_STORAGE_SERVICE_MIGRATIONS_SQL_SCHEMA_MANAGER_H_
