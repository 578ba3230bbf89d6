// The SQLite backend on a full disk: the database lives on a small tmpfs,
// a filler file takes every free block, and then writes fail with
// RESOURCE_EXHAUSTED naming the full disk (HTTP 429 with the gateway's JSON
// error body), reads go on working, the periodic WAL checkpoint fails
// without harm, and once the filler is gone writes succeed again in the
// same process. Afterwards the file passes PRAGMA integrity_check and holds
// every acknowledged row and nothing of the failed writes.
//
// The tmpfs is mounted in a mount namespace of the test's own (unshare), so
// no other process on the machine sees it and it disappears with the test
// even if the test dies; it is also unmounted explicitly at the end.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "tests/faults/fault_helpers.h"
#include "tests/gateway/http_test_client.h"
#include "tests/storage_service/storage_process.h"

namespace opsbrain::testing {
namespace {

using ::opsbrain::gateway::testing::HttpTestClient;
using ::opsbrain::gateway::testing::TestResponse;
using ::testing::HasSubstr;

// Room for the migrated schema and the first rows; small enough to fill in
// a moment.
constexpr char kTmpfsOptions[] = "size=4m,mode=0755";
constexpr int kRowsBefore = 40;
constexpr int kMaxWritesWhileFull = 200;
constexpr absl::Duration kRecoveryBound = absl::Seconds(10);

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir == nullptr ? "/tmp" : dir;
}

// Writes `file` until the file system has no block left for it; returns
// how many bytes it took.
absl::StatusOr<int64_t> FillUp(const std::string& file) {
  const int fd =
      open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(strerror(errno));
  absl::Cleanup closer = [fd] { close(fd); };
  const std::string chunk(64 * 1024, 'x');
  int64_t written = 0;
  // Large chunks first, then single bytes for the last partial block.
  for (size_t size : {chunk.size(), size_t{4096}, size_t{1}}) {
    while (true) {
      const ssize_t n = write(fd, chunk.data(), size);
      if (n > 0) {
        written += n;
        continue;
      }
      if (errno == ENOSPC) break;
      return absl::InternalError(strerror(errno));
    }
  }
  return written;
}

absl::Status PutSetting(v1::Repository::Stub& repository,
                        const std::string& key, const std::string& value) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::UpdateAppSettingRequest request;
  request.set_allow_missing(true);
  request.mutable_app_setting()->set_key(key);
  request.mutable_app_setting()->set_value(value);
  v1::AppSetting stored;
  grpc::Status status = repository.UpdateAppSetting(&context, request, &stored);
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

absl::StatusOr<std::string> GetSetting(v1::Repository::Stub& repository,
                                       const std::string& key) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::GetAppSettingRequest request;
  request.set_key(key);
  v1::AppSetting stored;
  grpc::Status status = repository.GetAppSetting(&context, request, &stored);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return stored.value();
}

std::string ValueOf(const std::string& key, size_t size) {
  std::string value = absl::StrCat(key, ":");
  value.resize(size, '.');
  return value;
}

// One-column query results of the SQLite file at `path`, opened read-only.
absl::StatusOr<std::vector<std::string>> SqliteColumn(const std::string& path,
                                                      const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    const std::string message = sqlite3_errmsg(db);
    sqlite3_close(db);
    return absl::InternalError(message);
  }
  absl::Cleanup closer = [db] { sqlite3_close(db); };
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) !=
      SQLITE_OK) {
    return absl::InternalError(sqlite3_errmsg(db));
  }
  absl::Cleanup finalizer = [statement] { sqlite3_finalize(statement); };
  std::vector<std::string> values;
  int rc;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement, 0);
    values.emplace_back(text == nullptr ? ""
                                        : reinterpret_cast<const char*>(text));
  }
  if (rc != SQLITE_DONE) return absl::InternalError(sqlite3_errmsg(db));
  return values;
}

TEST(SqliteDiskFullTest, WritesFailClearlyReadsWorkAndWritesResumeUncorrupted) {
  // A private mount namespace: the tmpfs is this process's (and its
  // children's) alone, and cannot outlive them.
  ASSERT_EQ(unshare(CLONE_NEWNS), 0)
      << "unshare(CLONE_NEWNS): " << strerror(errno)
      << " (the test needs root, and Bazel's sandbox off: tag no-sandbox)";
  ASSERT_EQ(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0)
      << strerror(errno);
  const std::string dir = absl::StrCat(TempDir(), "/small-disk");
  ASSERT_TRUE(mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST)
      << strerror(errno);
  ASSERT_EQ(mount("faults-tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                  kTmpfsOptions),
            0)
      << "mount tmpfs on " << dir << ": " << strerror(errno);
  absl::Cleanup unmount = [&dir] {
    // The children are gone by now (the Subprocess destructors run first);
    // MNT_DETACH still lets go of a mount something holds open.
    if (umount2(dir.c_str(), MNT_DETACH) != 0) {
      std::cerr << "umount " << dir << ": " << strerror(errno) << std::endl;
    }
  };

  const std::string db_path = dir + "/store.db";
  const std::string filler = dir + "/filler";
  // A checkpoint every second, so that some run while the disk is full.
  absl::StatusOr<std::unique_ptr<StorageProcess>> storage =
      StorageProcess::Start(absl::StrCat("sqlite://", db_path),
                            {"--migrate", "--sweep_interval=0",
                             "--sqlite_checkpoint_interval=1s"});
  ASSERT_TRUE(storage.ok()) << storage.status();
  auto gateway = StartGateway((*storage)->port());
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  std::unique_ptr<v1::Repository::Stub> repository = (*storage)->Repository();

  std::map<std::string, std::string> acked;
  for (int i = 0; i < kRowsBefore; ++i) {
    const std::string key = absl::StrCat("before-", i);
    const std::string value = ValueOf(key, 1024);
    ASSERT_TRUE(PutSetting(*repository, key, value).ok());
    acked[key] = value;
  }

  absl::StatusOr<int64_t> filled = FillUp(filler);
  ASSERT_TRUE(filled.ok()) << filled.status();

  // Writes through the gateway until one fails: the log may still have room
  // from before (a WAL is reused from its start after a checkpoint).
  HttpTestClient http((*gateway)->port());
  int writes_while_full = 0;
  std::string failed_key;
  std::optional<TestResponse> failure;
  for (int i = 0; i < kMaxWritesWhileFull && !failure.has_value(); ++i) {
    const std::string key = absl::StrCat("full-", i);
    const std::string value = ValueOf(key, 8192);
    absl::StatusOr<TestResponse> response = http.Send(
        "PATCH", absl::StrCat("/v1/appSettings/", key, "?allowMissing=true"),
        absl::StrCat(R"({"value":")", value, R"("})"), JsonHeaders());
    ASSERT_TRUE(response.ok()) << response.status();
    ++writes_while_full;
    if (response->status == 200) {
      acked[key] = value;
    } else {
      failure = *response;
      failed_key = key;
    }
  }
  ASSERT_TRUE(failure.has_value())
      << kMaxWritesWhileFull << " writes of 8 KiB succeeded on a full disk";
  // RESOURCE_EXHAUSTED, naming the cause.
  EXPECT_EQ(failure->status, 429) << failure->body;
  absl::StatusOr<google::rpc::Status> body = ParseErrorBody(failure->body);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->code(), 8) << failure->body;
  EXPECT_THAT(body->message(), HasSubstr("disk is full"));

  // The same straight over gRPC.
  const absl::Status direct =
      PutSetting(*repository, "full-direct", ValueOf("full-direct", 8192));
  EXPECT_EQ(direct.code(), absl::StatusCode::kResourceExhausted) << direct;
  EXPECT_THAT(std::string(direct.message()), HasSubstr("disk is full"));

  // Reads keep working, across a few failing checkpoints.
  absl::SleepFor(absl::Milliseconds(2500));
  int reads_while_full = 0;
  for (const auto& [key, value] : acked) {
    absl::StatusOr<std::string> read = GetSetting(*repository, key);
    EXPECT_TRUE(read.ok()) << key << ": " << read.status();
    if (read.ok()) {
      EXPECT_EQ(*read, value) << key;
      ++reads_while_full;
    }
  }
  // The failed writes left nothing.
  for (const std::string& key : {failed_key, std::string("full-direct")}) {
    EXPECT_EQ(GetSetting(*repository, key).status().code(),
              absl::StatusCode::kNotFound)
        << key;
  }

  // Space returns; the same process takes writes again.
  ASSERT_EQ(unlink(filler.c_str()), 0) << strerror(errno);
  const absl::Time freed = absl::Now();
  absl::Status resumed = absl::UnknownError("not tried");
  int attempts = 0;
  std::string resumed_key;
  while (!resumed.ok() && absl::Now() < freed + kRecoveryBound) {
    resumed_key = absl::StrCat("after-", attempts++);
    resumed = PutSetting(*repository, resumed_key, ValueOf(resumed_key, 8192));
    if (!resumed.ok()) absl::SleepFor(absl::Milliseconds(100));
  }
  const absl::Duration recovery = absl::Now() - freed;
  ASSERT_TRUE(resumed.ok()) << resumed;
  acked[resumed_key] = ValueOf(resumed_key, 8192);
  {
    absl::StatusOr<TestResponse> response =
        http.Send("PATCH", "/v1/appSettings/after-http?allowMissing=true",
                  R"({"value":"through the gateway"})", JsonHeaders());
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 200) << response->body;
    acked["after-http"] = "through the gateway";
  }

  // A clean stop, then the file itself.
  repository.reset();
  ASSERT_TRUE((*storage)->process().Signal(SIGTERM).ok());
  absl::StatusOr<int> exit_code = (*storage)->process().Wait(absl::Seconds(20));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0) << (*storage)->process().output();
  const std::string log = (*storage)->process().output();

  absl::StatusOr<std::vector<std::string>> integrity =
      SqliteColumn(db_path, "PRAGMA integrity_check");
  ASSERT_TRUE(integrity.ok()) << integrity.status();
  EXPECT_EQ(*integrity, std::vector<std::string>{"ok"});
  absl::StatusOr<std::vector<std::string>> rows = SqliteColumn(
      db_path,
      "SELECT setting_key || '=' || setting_value FROM app_settings "
      "ORDER BY setting_key");
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::vector<std::string> expected;
  for (const auto& [key, value] : acked) {
    expected.push_back(absl::StrCat(key, "=", value));
  }
  EXPECT_EQ(*rows, expected);

  std::cout << "[faults] SQLite disk full: tmpfs " << kTmpfsOptions
            << ", filler " << *filled << " bytes; writes while full "
            << writes_while_full << " (" << writes_while_full - 1
            << " fit in space already held), first failure HTTP "
            << failure->status << " " << failure->body << "; gRPC: " << direct
            << "; reads while full " << reads_while_full << " ok; writes again "
            << recovery << " after the filler went (" << attempts
            << " attempts); integrity_check "
            << (integrity->empty() ? "?" : integrity->front()) << "; rows "
            << rows->size() << " = acknowledged " << acked.size()
            << "; checkpoint warnings in the log "
            << (log.find("did not complete") != std::string::npos ? "yes"
                                                                  : "no")
            << std::endl;
}

}  // namespace
}  // namespace opsbrain::testing
