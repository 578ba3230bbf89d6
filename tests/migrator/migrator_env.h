// What the migrator tests share, beside the storage service they start with
// tests/storage_service/storage_process.h: runs of the migrator binary
// against it, the legacy fixture built with ANCHOR=now, and the test's own
// reading of a legacy file (the sqlite3 C API, independent of the
// migrator's reader).
#ifndef OPSBRAIN_TESTS_MIGRATOR_MIGRATOR_ENV_H_
#define OPSBRAIN_TESTS_MIGRATOR_MIGRATOR_ENV_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace opsbrain::testing {

struct MigratorRun {
  int exit_code = -1;
  // stdout and stderr together.
  std::string output;
};

// Runs the migrator binary with `args` and STORAGE_ADDR=`storage_address`.
MigratorRun RunMigrator(const std::vector<std::string>& args,
                        const std::string& storage_address);

// A fresh directory for one test under TEST_TMPDIR.
std::string NewTempDir();

// The legacy fixture, built once per test process with ANCHOR=now by
// testdata/make_opsbrain_db.sh, copied to `path` (a new file).
// `anchor` receives the fixture's "now".
absl::Status CopyLegacyFixture(const std::string& path, absl::Time* anchor);

absl::Status CopyFile(const std::string& from, const std::string& to);
bool FileExists(const std::string& path);
std::string ReadFileOrEmpty(const std::string& path);
// Names in `dir` that start with `prefix`.
std::vector<std::string> ListDir(const std::string& dir,
                                 const std::string& prefix);

// One cell of a legacy table as SQLite stored it.
struct LegacyCell {
  bool null = true;
  int64_t integer = 0;
  double real = 0;
  std::string text;  // sqlite3_column_text
};
using LegacyRecord = std::map<std::string, LegacyCell>;

// Every row of every table of a legacy file, in rowid order, by table.
absl::StatusOr<std::map<std::string, std::vector<LegacyRecord>>> ReadLegacy(
    const std::string& path);

// Runs `sql` on the SQLite file `path`, creating it if needed.
absl::Status ExecSqlite(const std::string& path, const std::string& sql);

// A legacy timestamp ("YYYY-MM-DD HH:MM:SS[.ffffff]", UTC) as the test reads
// it, with absl::ParseTime.
absl::Time LegacyTime(const std::string& text);

}  // namespace opsbrain::testing

#endif  // OPSBRAIN_TESTS_MIGRATOR_MIGRATOR_ENV_H_
