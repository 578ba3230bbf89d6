// The five keyed tables of the store, described once for the repository and
// the importer alike.
#ifndef OPSBRAIN_STORAGE_SERVICE_SQL_STORE_TABLES_H_
#define OPSBRAIN_STORAGE_SERVICE_SQL_STORE_TABLES_H_

#include "storage_service/records.h"
#include "storage_service/sql/database.h"
#include "storage_service/sql/keyed_table.h"

namespace opsbrain::sql {

struct StoreTables {
  explicit StoreTables(Dialect dialect);

  KeyedTable<Configuration> configurations;
  KeyedTable<ThreadContext> threads;
  KeyedTable<BusinessGoal> goals;
  KeyedTable<AppSetting> settings;
  KeyedTable<UserPreference> preferences;
};

}  // namespace opsbrain::sql

#endif  // OPSBRAIN_STORAGE_SERVICE_SQL_STORE_TABLES_H_
