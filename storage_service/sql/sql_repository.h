// The Repository over a SQL database (either driver).
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_SQL_REPOSITORY_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_SQL_REPOSITORY_H_

#include <memory>

#include "storage_service/repository.h"
#include "storage_service/sql/database.h"

namespace opsbrain::sql {

// Returns a Repository that keeps its records in `database`, whose schema
// must be current (see migrations/). `database` must outlive it.
std::unique_ptr<Repository> NewSqlRepository(Database* database);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_SQL_REPOSITORY_H_
