// The versioned schema migrations of each dialect, compiled in.
//
// Migration files are named NNNN_description.sql; versions start at 1 and
// have no gaps. Migration 1 of each dialect is the legacy OpsBrain schema,
// so a database the old app created can be adopted as version 1.
#ifndef OPSBRAIN_STORAGE_SERVICE_MIGRATIONS_MIGRATIONS_H_
#define OPSBRAIN_STORAGE_SERVICE_MIGRATIONS_MIGRATIONS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "storage_service/sql/database.h"

namespace opsbrain::migrations {

struct Migration {
  int version = 0;
  std::string description;  // from the file name: "legacy schema"
  std::string sql;
  // Hex SHA-256 of `sql` with CRLF line endings turned into LF, so a
  // checkout's line-ending conversion does not change it.
  std::string checksum;
};

// The migrations of `dialect` in version order.
const std::vector<Migration>& MigrationsFor(sql::Dialect dialect);

// The checksum as Migration::checksum defines it.
std::string MigrationChecksum(absl::string_view sql);

}  // namespace opsbrain::migrations

#endif  // OPSBRAIN_STORAGE_SERVICE_MIGRATIONS_MIGRATIONS_H_
