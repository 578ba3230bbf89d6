#include "storage_service/sql/database.h"

namespace opsbrain::sql {

absl::string_view DialectName(Dialect dialect) {
  switch (dialect) {
    case Dialect::kPostgres:
      return "postgresql";
    case Dialect::kSqlite:
      return "sqlite";
  }
  return "unknown";
}

}  // namespace opsbrain::sql
