// `migrator --own-storage=PATH`, the pre-deploy mode, with the real
// storage_service binary on a throwaway PostgreSQL: each command through
// the child, the exit code of a failing step, and the child's end in every
// case.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/test_store.h"
#include "tests/deploy/deploy_env.h"
#include "tests/util/subprocess.h"

namespace opsbrain::testing::deploy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPidLine[] = "own storage service (pid ";

// True once process `pid` is gone (a zombie counts as gone: it runs no
// more and holds no port).
bool Gone(pid_t pid) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    const std::string stat =
        ReadFile(absl::StrCat("/proc/", pid, "/stat")).value_or("");
    const size_t paren = stat.rfind(')');
    if (stat.empty() ||
        (paren != std::string::npos && stat.substr(paren + 2, 1) == "Z")) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(50));  // a poll interval, bounded
  }
  return false;
}

// The child's pid from the migrator's "own storage service (pid N)" line.
pid_t ChildPid(const std::string& output) {
  const size_t at = output.find(kPidLine);
  if (at == std::string::npos) return 0;
  const size_t start = at + sizeof(kPidLine) - 1;
  int pid = 0;
  if (!absl::SimpleAtoi(output.substr(start, output.find(')', start) - start),
                        &pid)) {
    return 0;
  }
  return pid;
}

class OwnStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = NewDatabaseUrl(Backend::kPostgres);
    ASSERT_TRUE(url.ok()) << url.status();
    database_url_ = *url;
  }

  // The migrator with --own-storage, DATABASE_URL and a STORAGE_ADDR where
  // nothing listens, in a fresh working directory.
  ProcessRun Migrator(std::vector<std::string> args,
                      std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), absl::StrCat("--own-storage=", StorageBinary()));
    env.emplace("DATABASE_URL", database_url_);
    env.emplace("STORAGE_ADDR", "127.0.0.1:1");
    return RunToEnd(MigratorBinary(), args, env, NewDirectory("migrator"));
  }

  // Runs `sql` on the test's database with psql.
  void Psql(const std::string& sql) {
    ProcessRun run = RunToEnd(
        "/usr/bin/psql", {database_url_, "-v", "ON_ERROR_STOP=1", "-c", sql},
        {}, NewDirectory("psql"));
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }

  std::string database_url_;
};

TEST_F(OwnStorageTest, RunsEachCommandThroughItsOwnStorageService) {
  ProcessRun status = Migrator({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, HasSubstr("Schema version 0 of"));
  EXPECT_THAT(status.output, HasSubstr("listening on 127.0.0.1:"));
  EXPECT_TRUE(Gone(ChildPid(status.output))) << status.output;

  ProcessRun up = Migrator({"up"});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_THAT(up.output, HasSubstr("Applied migration 1"));
  EXPECT_THAT(up.output, HasSubstr("(current, postgresql)"));
  EXPECT_THAT(up.output, HasSubstr("own storage service stopped"));
  EXPECT_TRUE(Gone(ChildPid(up.output))) << up.output;

  ProcessRun deploy = Migrator({"deploy"});
  ASSERT_EQ(deploy.exit_code, 0) << deploy.output;
  EXPECT_THAT(deploy.output, HasSubstr("Nothing to do: no pending migrations"));
  EXPECT_THAT(deploy.output, HasSubstr("nothing to import"));

  // import --from through the same mode, and the archive it leaves.
  const std::string legacy =
      absl::StrCat(NewDirectory("legacy"), "/opsbrain.db");
  ASSERT_TRUE(CopyLegacyFixture(legacy).ok());
  ProcessRun import = Migrator({"import", "--from", legacy});
  ASSERT_EQ(import.exit_code, 0) << import.output;
  EXPECT_THAT(import.output, HasSubstr("Verification passed"));
  EXPECT_THAT(import.output, HasSubstr("Legacy file archived as"));
}

TEST_F(OwnStorageTest, DeployImportsTheLegacyFileOnceAndLeavesItInPlace) {
  const std::string legacy =
      absl::StrCat(NewDirectory("legacy"), "/opsbrain.db");
  ASSERT_TRUE(CopyLegacyFixture(legacy).ok());

  ProcessRun first = Migrator({"deploy"}, {{"LEGACY_DB", legacy}});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("Applied migration 2"));
  EXPECT_THAT(first.output, HasSubstr("Verification passed"));
  EXPECT_THAT(first.output, Not(HasSubstr("archived")));
  EXPECT_THAT(first.output, Not(HasSubstr("Report saved")));
  EXPECT_EQ(ListDirectory(legacy.substr(0, legacy.rfind('/'))).size(), 1)
      << "no report, no archive: the file may be on a read-only mount";

  ProcessRun second = Migrator({"deploy", "--from", legacy});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("Nothing added or changed"));
}

TEST_F(OwnStorageTest, AFailingMigrationFailsTheStepAndStopsTheChild) {
  // A table in the way of migration 1.
  ASSERT_NO_FATAL_FAILURE(Psql("CREATE TABLE configurations (x integer)"));

  ProcessRun deploy = Migrator({"deploy"});
  EXPECT_EQ(deploy.exit_code, 1) << deploy.output;
  EXPECT_THAT(deploy.output, HasSubstr("configurations"));
  EXPECT_THAT(deploy.output, HasSubstr("own storage service stopped"));
  EXPECT_TRUE(Gone(ChildPid(deploy.output))) << deploy.output;
}

TEST_F(OwnStorageTest, AStorageServiceThatCannotStartIsExitCodeFive) {
  ProcessRun bad_scheme =
      Migrator({"up"}, {{"DATABASE_URL", "mysql://127.0.0.1/opsbrain"}});
  EXPECT_EQ(bad_scheme.exit_code, 5) << bad_scheme.output;
  EXPECT_THAT(bad_scheme.output, HasSubstr("before it listened"));
  EXPECT_THAT(bad_scheme.output, HasSubstr("storage_service: "));

  // Nothing answers on port 1: the storage service would wait for the
  // database longer than the migrator waits for it.
  ProcessRun no_database =
      Migrator({"--own-storage-wait=2s", "up"},
               {{"DATABASE_URL", "postgres://opsbrain@127.0.0.1:1/opsbrain"}});
  EXPECT_EQ(no_database.exit_code, 5) << no_database.output;
  EXPECT_THAT(no_database.output, HasSubstr("did not listen within 2s"));
}

TEST_F(OwnStorageTest, UsageErrorsAreExitCodeTwo) {
  // Unset, the storage service would make a SQLite file in the working
  // directory: on a platform, one the next deploy wipes.
  const std::string working_directory = NewDirectory("migrator");
  ProcessRun no_url = RunToEnd(
      MigratorBinary(), {absl::StrCat("--own-storage=", StorageBinary()), "up"},
      {{"DATABASE_URL", ""}}, working_directory);
  EXPECT_EQ(no_url.exit_code, 2) << no_url.output;
  EXPECT_THAT(no_url.output, HasSubstr("needs DATABASE_URL"));
  EXPECT_TRUE(ListDirectory(working_directory).empty());

  ProcessRun both = Migrator({"--storage=127.0.0.1:50051", "up"});
  EXPECT_EQ(both.exit_code, 2) << both.output;

  ProcessRun not_a_binary = RunToEnd(
      MigratorBinary(), {"--own-storage=/nonexistent/storage_service", "up"},
      {{"DATABASE_URL", database_url_}}, NewDirectory("migrator"));
  EXPECT_EQ(not_a_binary.exit_code, 2) << not_a_binary.output;

  // The environment variable names the binary as the flag does.
  ProcessRun from_env = RunToEnd(MigratorBinary(), {"status"},
                                 {{"DATABASE_URL", database_url_},
                                  {"MIGRATOR_OWN_STORAGE", StorageBinary()}},
                                 NewDirectory("migrator"));
  EXPECT_EQ(from_env.exit_code, 0) << from_env.output;
  EXPECT_THAT(from_env.output, HasSubstr(kPidLine));
}

TEST_F(OwnStorageTest, SigtermToTheMigratorStopsTheChild) {
  // The child waits for a database that never answers, so the migrator is
  // still waiting for it when the signal comes.
  absl::StatusOr<std::unique_ptr<Subprocess>> migrator = Subprocess::Start(
      {MigratorBinary(), absl::StrCat("--own-storage=", StorageBinary()), "up"},
      {{"DATABASE_URL", "postgres://opsbrain@127.0.0.1:1/opsbrain"}});
  ASSERT_TRUE(migrator.ok()) << migrator.status();
  ASSERT_TRUE(
      (*migrator)->WaitForLine("storage_service: ", absl::Seconds(20)).ok())
      << (*migrator)->output();

  // The child, from the kernel's list of the migrator's children.
  const std::string children =
      ReadFile(absl::StrCat("/proc/", (*migrator)->pid(), "/task/",
                            (*migrator)->pid(), "/children"))
          .value_or("");
  int child = 0;
  ASSERT_TRUE(absl::SimpleAtoi(children.substr(0, children.find(' ')), &child))
      << "children: '" << children << "'";

  ASSERT_TRUE((*migrator)->Signal(SIGTERM).ok());
  absl::StatusOr<int> code = (*migrator)->Wait(absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 128 + SIGTERM);
  EXPECT_TRUE(Gone(child)) << "the own storage service outlived the migrator";
}

}  // namespace
}  // namespace opsbrain::testing::deploy
