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

}  // namespace opsbrain::migrations
