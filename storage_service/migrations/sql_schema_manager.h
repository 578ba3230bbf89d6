// SchemaManager over a SQL database: migration history in the table
// schema_migrations (version, description, checksum, applied_at).
#ifndef OPSBRAIN_STORAGE_SERVICE_MIGRATIONS_SQL_SCHEMA_MANAGER_H_
#define OPSBRAIN_STORAGE_SERVICE_MIGRATIONS_SQL_SCHEMA_MANAGER_H_

#include <memory>

#include "storage_service/schema.h"
#include "storage_service/sql/database.h"

namespace opsbrain::migrations {

// `database` must outlive the result.
std::unique_ptr<SchemaManager> NewSqlSchemaManager(sql::Database* database);

}  // namespace opsbrain::migrations

#endif  // OPSBRAIN_STORAGE_SERVICE_MIGRATIONS_SQL_SCHEMA_MANAGER_H_
