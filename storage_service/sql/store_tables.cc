#include "storage_service/sql/store_tables.h"

#include "storage_service/sql/row_codec.h"

namespace opsbrain::sql {

StoreTables::StoreTables(Dialect dialect)
    : configurations(
          {kConfigurationsTable, kConfigurationColumns, 1, "configuration",
           &ReadConfiguration, &ConfigurationParams},
          dialect),
      threads({kThreadContextsTable, kThreadContextColumns, 1, "thread context",
               &ReadThreadContext, &ThreadContextParams},
              dialect),
      goals({kBusinessGoalsTable, kBusinessGoalColumns, 1, "business goal",
             &ReadBusinessGoal, &BusinessGoalParams},
            dialect),
      settings({kAppSettingsTable, kAppSettingColumns, 1, "app setting",
                &ReadAppSetting, &AppSettingParams},
               dialect),
      preferences(
          {kUserPreferencesTable, kUserPreferenceColumns, 2, "user preference",
           &ReadUserPreference, &UserPreferenceParams},
          dialect) {}

}  // namespace opsbrain::sql
