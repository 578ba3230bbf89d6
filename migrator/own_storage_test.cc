#include "migrator/own_storage.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::migrator {
namespace {

using ::testing::HasSubstr;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

// Writes an executable shell script standing in for storage_service.
std::string FakeStorage(const std::string& body) {
  static std::atomic<int> counter{0};
  const std::string path = absl::StrCat(TempDir(), "/fake_storage_", getpid(),
                                        "_", counter.fetch_add(1), ".sh");
  std::ofstream(path) << "#!/bin/bash\n" << body;
  chmod(path.c_str(), 0755);
  return path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class OwnStorageTest : public ::testing::Test {
 protected:
  OwnStorageOptions Options(const std::string& binary) {
    OwnStorageOptions options;
    options.binary = binary;
    options.start_timeout = absl::Seconds(10);
    options.stop_timeout = absl::Seconds(10);
    options.log = &log_;
    return options;
  }

  std::ostringstream log_;
};

TEST_F(OwnStorageTest, LearnsThePortAndPassesLoopbackFlagsAndEnvironment) {
  const std::string seen = absl::StrCat(TempDir(), "/seen_", getpid());
  setenv("DATABASE_URL", "sqlite://fake.db", 1);
  const std::string binary =
      FakeStorage(absl::StrCat("trap 'echo INFO stopped; exit 0' TERM\n",
                               "echo \"$* url=$DATABASE_URL\" > ", seen, "\n",
                               "echo 'INFO schema is current'\n",
                               "echo 'INFO listening on 127.0.0.1:43210'\n",
                               "while true; do sleep 0.05; done\n"));

  absl::StatusOr<std::unique_ptr<OwnStorage>> storage =
      OwnStorage::Start(Options(binary));
  ASSERT_TRUE(storage.ok()) << storage.status();
  EXPECT_EQ((*storage)->address(), "127.0.0.1:43210");
  EXPECT_EQ(ReadFile(seen),
            "--listen=127.0.0.1:0 --tls_cert= --tls_key= --tls_client_ca= "
            "--metrics_listen= url=sqlite://fake.db\n");

  EXPECT_EQ((*storage)->Stop(), 0);
  EXPECT_EQ((*storage)->Stop(), 0);
  EXPECT_THAT(log_.str(), HasSubstr("storage_service: INFO schema is current\n"
                                    "storage_service: INFO listening on "));
  EXPECT_THAT(log_.str(), HasSubstr("storage_service: INFO stopped\n"));
}

TEST_F(OwnStorageTest, ExitBeforeListeningIsUnavailableWithItsLastLines) {
  const std::string binary = FakeStorage(
      "echo 'ERROR cannot start: DATABASE_URL has an unknown scheme' >&2\n"
      "exit 1\n");

  absl::StatusOr<std::unique_ptr<OwnStorage>> storage =
      OwnStorage::Start(Options(binary));
  ASSERT_EQ(storage.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(storage.status().message(), HasSubstr("exited with code 1"));
  EXPECT_THAT(storage.status().message(), HasSubstr("unknown scheme"));
}

TEST_F(OwnStorageTest, NoListeningLineInTimeIsDeadlineExceeded) {
  const std::string binary =
      FakeStorage("echo 'INFO waiting for PostgreSQL'\nexec sleep 30\n");
  OwnStorageOptions options = Options(binary);
  options.start_timeout = absl::Milliseconds(300);

  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<OwnStorage>> storage =
      OwnStorage::Start(options);
  ASSERT_EQ(storage.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(storage.status().message(), HasSubstr("waiting for PostgreSQL"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(OwnStorageTest, StopKillsAChildThatIgnoresSigterm) {
  const std::string binary = FakeStorage(
      "trap '' TERM\n"
      "echo 'INFO listening on 127.0.0.1:5'\n"
      "while true; do sleep 0.05; done\n");
  OwnStorageOptions options = Options(binary);
  options.stop_timeout = absl::Milliseconds(300);

  absl::StatusOr<std::unique_ptr<OwnStorage>> storage =
      OwnStorage::Start(options);
  ASSERT_TRUE(storage.ok()) << storage.status();
  EXPECT_EQ((*storage)->Stop(), 128 + 9);
  EXPECT_THAT(log_.str(), HasSubstr("did not stop within"));
}

TEST_F(OwnStorageTest, ChildThatDiedIsReportedByStop) {
  const std::string seen = absl::StrCat(TempDir(), "/died_", getpid());
  const std::string binary =
      FakeStorage(absl::StrCat("echo 'INFO listening on 127.0.0.1:6'\n"
                               "read line < ",
                               seen,
                               "\n"  // blocks until the test opens the FIFO
                               "exit 3\n"));
  ASSERT_EQ(mkfifo(seen.c_str(), 0600), 0);

  absl::StatusOr<std::unique_ptr<OwnStorage>> storage =
      OwnStorage::Start(Options(binary));
  ASSERT_TRUE(storage.ok()) << storage.status();
  std::ofstream(seen) << "go\n";
  // Waits for the exit without reaping it: Stop must find it exited.
  siginfo_t info;
  ASSERT_EQ(waitid(P_PID, (*storage)->pid(), &info, WEXITED | WNOWAIT), 0);
  EXPECT_EQ((*storage)->Stop(), 3);
}

TEST_F(OwnStorageTest, NotAnExecutableIsInvalidArgument) {
  for (const std::string& binary :
       {std::string("/nonexistent/storage_service"), TempDir()}) {
    absl::StatusOr<std::unique_ptr<OwnStorage>> storage =
        OwnStorage::Start(Options(binary));
    EXPECT_EQ(storage.status().code(), absl::StatusCode::kInvalidArgument)
        << binary;
  }
}

TEST(ListeningPortTest, ReadsThePortOfTheListeningLine) {
  EXPECT_EQ(ListeningPort("2026-01-01T00:00:00Z INFO listening on "
                          "127.0.0.1:50051"),
            50051);
  EXPECT_EQ(ListeningPort(R"({"message":"listening on 127.0.0.1:8081"})"),
            8081);
  EXPECT_EQ(ListeningPort("listening on 0.0.0.0:50051"), 0);
  EXPECT_EQ(ListeningPort("listening on 127.0.0.1:"), 0);
  EXPECT_EQ(ListeningPort("listening on 127.0.0.1:99999"), 0);
  EXPECT_EQ(ListeningPort("schema is current"), 0);
}

}  // namespace
}  // namespace opsbrain::migrator
