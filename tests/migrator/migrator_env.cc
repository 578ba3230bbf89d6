#include "tests/migrator/migrator_env.h"

#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tests/util/subprocess.h"

namespace opsbrain::testing {
namespace {

constexpr absl::Duration kMigratorTimeout = absl::Seconds(120);

std::string TestTmpDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

// Builds the fixture once: the generator takes a few seconds.
absl::StatusOr<std::pair<std::string, absl::Time>> BuildFixtureOnce() {
  const std::string path = absl::StrCat(NewTempDir(), "/fixture.db");
  absl::StatusOr<std::unique_ptr<Subprocess>> script = Subprocess::Start(
      {"/bin/bash", RunfilePath("tests/migrator/testdata/make_opsbrain_db.sh"),
       path},
      {{"ANCHOR", "now"}});
  if (!script.ok()) return script.status();
  absl::StatusOr<int> code = (*script)->Wait(absl::Seconds(120));
  if (!code.ok()) return code.status();
  const std::string output = (*script)->output();
  if (*code != 0) {
    return absl::InternalError(
        absl::StrCat("make_opsbrain_db.sh failed: ", output));
  }
  // "built PATH (anchor YYYY-MM-DD HH:MM:SS UTC)"
  const size_t at = output.find("(anchor ");
  if (at == std::string::npos) {
    return absl::InternalError(absl::StrCat("no anchor in: ", output));
  }
  return std::make_pair(path, LegacyTime(output.substr(at + 8, 19)));
}

}  // namespace

MigratorRun RunMigrator(const std::vector<std::string>& args,
                        const std::string& storage_address) {
  MigratorRun run;
  std::vector<std::string> argv = {RunfilePath("migrator/migrator")};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<std::unique_ptr<Subprocess>> process =
      Subprocess::Start(argv, {{"STORAGE_ADDR", storage_address}});
  if (!process.ok()) {
    run.output = std::string(process.status().message());
    return run;
  }
  absl::StatusOr<int> code = (*process)->Wait(kMigratorTimeout);
  run.output = (*process)->output();
  if (code.ok()) run.exit_code = *code;
  return run;
}

std::string NewTempDir() {
  static std::atomic<int> counter{0};
  const std::string dir = absl::StrCat(TestTmpDir(), "/migrator-", getpid(),
                                       "-", counter.fetch_add(1));
  mkdir(dir.c_str(), 0755);
  return dir;
}

absl::Status CopyLegacyFixture(const std::string& path, absl::Time* anchor) {
  static const auto* const fixture =
      new absl::StatusOr<std::pair<std::string, absl::Time>>(
          BuildFixtureOnce());
  if (!fixture->ok()) return fixture->status();
  if (anchor != nullptr) *anchor = (*fixture)->second;
  return CopyFile((*fixture)->first, path);
}

absl::Status CopyFile(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", from));
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  out << in.rdbuf();
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", to));
  return absl::OkStatus();
}

bool FileExists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<std::string> ListDir(const std::string& dir,
                                 const std::string& prefix) {
  std::vector<std::string> names;
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) return names;
  while (const dirent* entry = readdir(handle)) {
    if (absl::StartsWith(entry->d_name, prefix)) {
      names.push_back(entry->d_name);
    }
  }
  closedir(handle);
  return names;
}

absl::StatusOr<std::map<std::string, std::vector<LegacyRecord>>> ReadLegacy(
    const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    const std::string error = sqlite3_errmsg(db);
    sqlite3_close(db);
    return absl::InternalError(error);
  }
  std::map<std::string, std::vector<LegacyRecord>> tables;
  for (const char* table :
       {"configurations", "thread_contexts", "business_goals", "app_settings",
        "user_preferences", "config_audit", "performance_metrics"}) {
    const std::string sql =
        absl::StrCat("SELECT * FROM ", table, " ORDER BY rowid");
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) !=
        SQLITE_OK) {
      sqlite3_finalize(statement);
      continue;  // A file may hold a subset of the tables.
    }
    std::vector<LegacyRecord>& rows = tables[table];
    while (sqlite3_step(statement) == SQLITE_ROW) {
      LegacyRecord record;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        LegacyCell cell;
        cell.null = sqlite3_column_type(statement, i) == SQLITE_NULL;
        cell.integer = sqlite3_column_int64(statement, i);
        cell.real = sqlite3_column_double(statement, i);
        const unsigned char* text = sqlite3_column_text(statement, i);
        if (text != nullptr) {
          cell.text.assign(reinterpret_cast<const char*>(text),
                           sqlite3_column_bytes(statement, i));
        }
        record[sqlite3_column_name(statement, i)] = cell;
      }
      rows.push_back(std::move(record));
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return tables;
}

absl::Status ExecSqlite(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return absl::InternalError(absl::StrCat("cannot open ", path));
  }
  char* error = nullptr;
  const int code = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  if (code != SQLITE_OK) return absl::InternalError(message);
  return absl::OkStatus();
}

absl::Time LegacyTime(const std::string& text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%E*S", text, absl::UTCTimeZone(), &time,
                       &error)) {
    return absl::InfinitePast();
  }
  return time;
}

}  // namespace opsbrain::testing
