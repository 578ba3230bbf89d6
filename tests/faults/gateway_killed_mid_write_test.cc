// The gateway killed (SIGKILL) while a write is in flight through it, on
// PostgreSQL: the write changes three fields of a configuration and adds its
// audit row, and a separate session holds a lock on the audit table so the
// write stops halfway, after its UPDATE and before its audit INSERT. Once
// the gateway is dead and the lock is gone, the data holds the whole write
// (all three fields and one matching audit row) or none of it, never a
// part; and the storage service goes on serving.
#include <signal.h>

#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/conformance/test_store.h"
#include "tests/faults/fault_helpers.h"
#include "tests/gateway/http_test_client.h"
#include "tests/storage_service/storage_process.h"

namespace opsbrain::testing {
namespace {

using ::opsbrain::gateway::testing::HttpTestClient;
using ::opsbrain::gateway::testing::TestResponse;

constexpr char kKey[] = "fault_mid_write";
constexpr absl::Duration kWaitBound = absl::Seconds(15);

// Polls `session` with `sql` until it returns `want`, for up to kWaitBound.
absl::Status WaitForValue(PgSession& session, const std::string& sql,
                          const std::vector<std::string>& params,
                          const std::string& want) {
  const absl::Time deadline = absl::Now() + kWaitBound;
  std::string last;
  while (absl::Now() < deadline) {
    absl::StatusOr<std::string> value = session.Value(sql, params);
    if (!value.ok()) return value.status();
    if (*value == want) return absl::OkStatus();
    last = *value;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat(sql, " gave ", last, ", not ", want, ", for ",
                   absl::FormatDuration(kWaitBound)));
}

TEST(GatewayKilledMidWriteTest, WriteIsWholeOrAbsentWithItsAuditRow) {
  absl::StatusOr<std::string> url = NewDatabaseUrl(Backend::kPostgres);
  ASSERT_TRUE(url.ok()) << url.status();
  absl::StatusOr<std::unique_ptr<StorageProcess>> storage =
      StorageProcess::Start(*url, {"--migrate", "--sweep_interval=0"});
  ASSERT_TRUE(storage.ok()) << storage.status();
  auto gateway = StartGateway((*storage)->port());
  ASSERT_TRUE(gateway.ok()) << gateway.status();

  const std::string path =
      absl::StrCat("/v1/configurations/", kKey, "?allowMissing=true");
  {
    HttpTestClient http((*gateway)->port());
    absl::StatusOr<TestResponse> created =
        http.Send("PATCH", path,
                  R"({"value":"old value","description":"old description",)"
                  R"("category":"general"})",
                  JsonHeaders());
    ASSERT_TRUE(created.ok()) << created.status();
    ASSERT_EQ(created->status, 200) << created->body;
  }

  absl::StatusOr<std::unique_ptr<PgSession>> holder = PgSession::Connect(*url);
  ASSERT_TRUE(holder.ok()) << holder.status();
  absl::StatusOr<std::unique_ptr<PgSession>> observer =
      PgSession::Connect(*url);
  ASSERT_TRUE(observer.ok()) << observer.status();
  const std::string kAuditCount =
      "SELECT count(*) FROM config_audit WHERE record_id = $1";
  absl::StatusOr<std::string> audit_before =
      (*observer)->Value(kAuditCount, {kKey});
  ASSERT_TRUE(audit_before.ok()) << audit_before.status();
  ASSERT_EQ(*audit_before, "1");  // the creation

  // SHARE mode lets the write read and update the configuration but stops
  // its INSERT into the audit table until this transaction ends.
  ASSERT_TRUE((*holder)->Query("BEGIN").ok());
  ASSERT_TRUE((*holder)->Query("LOCK TABLE config_audit IN SHARE MODE").ok());

  // The write, on a thread of its own: its connection dies with the
  // gateway, so it gets no answer.
  absl::StatusOr<TestResponse> answer;
  std::thread writer([&] {
    HttpTestClient http((*gateway)->port(), absl::Seconds(30));
    answer = http.Send("PATCH", path,
                       R"({"value":"new value","description":)"
                       R"("new description","category":"slack"})",
                       JsonHeaders());
  });

  // Halfway: the storage service's session waits for the lock on its audit
  // INSERT, so its UPDATE of the configuration has run.
  absl::Status blocked = WaitForValue(
      **observer,
      "SELECT count(*) FROM pg_stat_activity WHERE datname = "
      "current_database() AND wait_event_type = 'Lock' AND query LIKE $1",
      {"INSERT INTO config_audit%"}, "1");
  EXPECT_TRUE(blocked.ok()) << blocked;
  // Meanwhile no one else sees half of it: not the new fields without
  // their audit row.
  absl::StatusOr<std::vector<std::vector<std::string>>> halfway =
      (*observer)->Query(
          "SELECT value, description, category, (SELECT count(*) FROM "
          "config_audit WHERE record_id = $1) FROM configurations "
          "WHERE key = $1",
          {kKey});
  ASSERT_TRUE(halfway.ok()) << halfway.status();
  EXPECT_EQ(*halfway, (std::vector<std::vector<std::string>>{
                          {"old value", "old description", "general", "1"}}));

  (*gateway)->Signal(SIGKILL);
  const absl::Time killed = absl::Now();
  while ((*gateway)->Running() && absl::Now() < killed + kWaitBound) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_FALSE((*gateway)->Running());
  writer.join();
  EXPECT_FALSE(answer.ok() && answer->status / 100 == 2)
      << "the write was answered although the gateway died before it "
         "could finish";
  // Time for the storage service to see its caller gone.
  absl::SleepFor(absl::Milliseconds(500));

  ASSERT_TRUE((*holder)->Query("ROLLBACK").ok());
  // The write's transaction ends one way or the other.
  absl::Status settled = WaitForValue(
      **observer,
      "SELECT count(*) FROM pg_stat_activity WHERE datname = "
      "current_database() AND pid <> pg_backend_pid() AND state <> 'idle' "
      "AND query LIKE $1",
      {"%config%"}, "0");
  EXPECT_TRUE(settled.ok()) << settled;

  absl::StatusOr<std::vector<std::vector<std::string>>> record =
      (*observer)->Query(
          "SELECT value, description, category FROM configurations "
          "WHERE key = $1",
          {kKey});
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_EQ(record->size(), 1u);
  absl::StatusOr<std::vector<std::vector<std::string>>> audit =
      (*observer)->Query(
          "SELECT action, new_values->>'value', "
          "new_values->>'description', new_values->>'category' "
          "FROM config_audit WHERE record_id = $1 ORDER BY id",
          {kKey});
  ASSERT_TRUE(audit.ok()) << audit.status();

  const std::vector<std::string> old_fields = {"old value", "old description",
                                               "general"};
  const std::vector<std::string> new_fields = {"new value", "new description",
                                               "slack"};
  const std::vector<std::string>& stored = (*record)[0];
  const bool whole = stored == new_fields;
  const bool none = stored == old_fields;
  EXPECT_TRUE(whole || none)
      << "a partial write: value '" << stored[0] << "', description '"
      << stored[1] << "', category '" << stored[2] << "'";
  if (whole) {
    ASSERT_EQ(audit->size(), 2u) << "the record changed without its audit row";
    EXPECT_EQ((*audit)[1],
              (std::vector<std::string>{"UPDATE", "new value",
                                        "new description", "slack"}));
  } else {
    EXPECT_EQ(audit->size(), 1u) << "an audit row for a change not made";
  }

  // The storage service serves on, through a new gateway.
  auto replacement = StartGateway((*storage)->port());
  ASSERT_TRUE(replacement.ok()) << replacement.status();
  HttpTestClient http((*replacement)->port());
  absl::StatusOr<TestResponse> read = http.Send(
      "GET", absl::StrCat("/v1/configurations/", kKey), "", AuthHeaders());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->status, 200) << read->body;
  EXPECT_NE(read->body.find(whole ? "new description" : "old description"),
            std::string::npos)
      << read->body;

  std::cout << "[faults] gateway killed mid-write: write blocked halfway "
            << (blocked.ok() ? "yes" : "no") << "; outcome "
            << (whole  ? "whole write"
                : none ? "no write"
                       : "PARTIAL")
            << "; audit rows " << audit->size() << " (1 before)"
            << "; HTTP answer to the killed request: "
            << (answer.ok() ? absl::StrCat(answer->status)
                            : answer.status().ToString())
            << std::endl;
}

}  // namespace
}  // namespace opsbrain::testing
