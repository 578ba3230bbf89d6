// The Importer over a SQL database (either driver).
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_SQL_IMPORTER_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_SQL_IMPORTER_H_

#include <memory>

#include "storage_service/importer.h"
#include "storage_service/sql/database.h"

namespace opsbrain::sql {

// `database` (schema current) must outlive the result.
std::unique_ptr<Importer> NewSqlImporter(Database* database);

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_SQL_IMPORTER_H_
