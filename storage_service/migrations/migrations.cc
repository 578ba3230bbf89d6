#include "storage_service/migrations/migrations.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "storage_service/migrations/embedded.h"

namespace opsbrain::migrations {
namespace {

std::vector<Migration> Load(absl::string_view dialect) {
  std::vector<Migration> migrations;
  for (int i = 0; i < kEmbeddedFileCount; ++i) {
    const EmbeddedFile& file = kEmbeddedFiles[i];
    if (dialect != file.dialect) continue;

    // "0002_current_shape.sql" -> version 2, "current shape".
    absl::string_view name(file.filename);
    Migration migration;
    size_t underscore = name.find('_');
    if (underscore == absl::string_view::npos ||
        !absl::SimpleAtoi(name.substr(0, underscore), &migration.version)) {
      // The build embeds only files it names; a bad name is a build error
      // that must not reach a database.
      std::abort();
    }
    absl::string_view stem = name.substr(underscore + 1);
    stem = stem.substr(0, stem.rfind(".sql"));
    migration.description = absl::StrReplaceAll(stem, {{"_", " "}});
    migration.sql = file.sql;
    migration.checksum = MigrationChecksum(migration.sql);
    migrations.push_back(std::move(migration));
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) {
              return a.version < b.version;
            });
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) std::abort();
  }
  return migrations;
}

}  // namespace

const std::vector<Migration>& MigrationsFor(sql::Dialect dialect) {
  static const auto* kSqlite = new std::vector<Migration>(Load("sqlite"));
  static const auto* kPostgres = new std::vector<Migration>(Load("postgres"));
  return dialect == sql::Dialect::kPostgres ? *kPostgres : *kSqlite;
}

std::string MigrationChecksum(absl::string_view sql) {
  std::string normalised = absl::StrReplaceAll(sql, {{"\r\n", "\n"}});
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(normalised.data()),
         normalised.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

const std::vector<CatalogTable>& LegacySchemaCatalog() {
  // Columns common to several tables.
  static constexpr CatalogColumn kSerialId = {"id", "integer", "INTEGER"};
  static constexpr CatalogColumn kCreatedAt = {
      "created_at", "timestamp without time zone", "TIMESTAMP"};
  static constexpr CatalogColumn kUpdatedAt = {
      "updated_at", "timestamp without time zone", "TIMESTAMP"};
  static const auto* const kTables = new std::vector<CatalogTable>{
      {"configurations",
       {kSerialId,
        {"key", "character varying", "TEXT"},
        {"value", "text", "TEXT"},
        {"category", "character varying", "TEXT"},
        {"description", "text", "TEXT"},
        {"is_sensitive", "boolean", "BOOLEAN"},
        kCreatedAt,
        kUpdatedAt}},
      {"thread_contexts",
       {kSerialId,
        {"thread_key", "character varying", "TEXT"},
        {"channel_id", "character varying", "TEXT"},
        {"thread_ts", "character varying", "TEXT"},
        {"messages", "jsonb", "TEXT"},
        kCreatedAt,
        kUpdatedAt,
        {"expires_at", "timestamp without time zone", "TIMESTAMP"}}},
      {"business_goals",
       {{"id", "character varying", "TEXT"},
        {"title", "character varying", "TEXT"},
        {"description", "text", "TEXT"},
        {"area", "character varying", "TEXT"},
        {"status", "character varying", "TEXT"},
        {"priority", "integer", "INTEGER"},
        {"target_date", "date", "DATE"},
        {"progress", "integer", "INTEGER"},
        {"weekly_actions", "jsonb", "TEXT"},
        {"daily_actions", "jsonb", "TEXT"},
        {"success_metrics", "jsonb", "TEXT"},
        {"notes", "text", "TEXT"},
        kCreatedAt,
        kUpdatedAt}},
      {"app_settings",
       {kSerialId,
        {"setting_key", "character varying", "TEXT"},
        {"setting_value", "text", "TEXT"},
        {"setting_type", "character varying", "TEXT"},
        {"description", "text", "TEXT"},
        kCreatedAt,
        kUpdatedAt}},
      {"user_preferences",
       {kSerialId,
        {"user_id", "character varying", "TEXT"},
        {"preference_key", "character varying", "TEXT"},
        {"preference_value", "text", "TEXT"},
        kCreatedAt,
        kUpdatedAt}},
      {"config_audit",
       {kSerialId,
        {"table_name", "character varying", "TEXT"},
        {"record_id", "character varying", "TEXT"},
        {"action", "character varying", "TEXT"},
        {"old_values", "jsonb", "TEXT"},
        {"new_values", "jsonb", "TEXT"},
        {"changed_by", "character varying", "TEXT"},
        {"changed_at", "timestamp without time zone", "TIMESTAMP"}}},
      {"performance_metrics",
       {kSerialId,
        {"metric_name", "character varying", "TEXT"},
        {"metric_value", "numeric", "REAL"},
        {"metric_unit", "character varying", "TEXT"},
        {"timestamp", "timestamp without time zone", "TIMESTAMP"},
        {"additional_data", "jsonb", "TEXT"}}},
  };
  return *kTables;
}

}  // namespace opsbrain::migrations
