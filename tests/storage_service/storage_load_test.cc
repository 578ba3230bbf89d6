// The storage_service binary under concurrent clients, on each backend:
// optimistic concurrency with etags, a pool smaller than the crowd, and
// (SQLite) acknowledged writes surviving kill -9.
#include <signal.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "tests/conformance/test_store.h"
#include "tests/storage_service/storage_process.h"

namespace opsbrain::testing {
namespace {

using ::testing::IsEmpty;

class StorageLoadTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = NewDatabaseUrl(GetParam());
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
  }

  std::unique_ptr<StorageProcess> StartOrDie(std::vector<std::string> flags) {
    absl::StatusOr<std::unique_ptr<StorageProcess>> process =
        StorageProcess::Start(url_, std::move(flags));
    EXPECT_TRUE(process.ok()) << process.status();
    return process.ok() ? *std::move(process) : nullptr;
  }

  std::string url_;
};

grpc::Status GetGoal(v1::Repository::Stub& stub, const std::string& id,
                     v1::BusinessGoal* goal) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::GetBusinessGoalRequest request;
  request.set_id(id);
  return stub.GetBusinessGoal(&context, request, goal);
}

// Writes `progress` to the goal, on condition that it still has `etag`.
grpc::Status SetProgress(v1::Repository::Stub& stub, const std::string& id,
                         const std::string& etag, int progress) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::UpdateBusinessGoalRequest request;
  request.mutable_business_goal()->set_id(id);
  request.mutable_business_goal()->set_etag(etag);
  request.mutable_business_goal()->set_progress(progress);
  request.mutable_update_mask()->add_paths("progress");
  v1::BusinessGoal updated;
  return stub.UpdateBusinessGoal(&context, request, &updated);
}

TEST_P(StorageLoadTest, ConcurrentEtagUpdatesLoseNoUpdate) {
  std::unique_ptr<StorageProcess> storage = StartOrDie({"--migrate"});
  ASSERT_NE(storage, nullptr);
  {
    auto repository = storage->Repository();
    grpc::ClientContext context;
    Prepare(&context);
    v1::UpdateBusinessGoalRequest create;
    create.set_allow_missing(true);
    create.mutable_business_goal()->set_id("contested");
    create.mutable_business_goal()->set_title("Contested");
    create.mutable_business_goal()->set_area("sales");
    v1::BusinessGoal created;
    ASSERT_TRUE(
        repository->UpdateBusinessGoal(&context, create, &created).ok());
  }

  // Each client adds 1 to progress kIncrements times by read-modify-write,
  // retrying when it loses a race. In the first round every client holds
  // the same etag, so exactly one of them can win it.
  constexpr int kClients = 8;
  constexpr int kIncrements = 10;
  constexpr int kMaxAttempts = 400;
  absl::Barrier* first_round = new absl::Barrier(kClients);
  std::atomic<int> succeeded{0};
  std::atomic<int> aborted{0};
  std::atomic<int> first_round_wins{0};
  absl::Mutex mu;
  std::vector<std::string> failures;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      auto repository = storage->Repository();
      int mine = 0;
      for (int attempt = 0; attempt < kMaxAttempts && mine < kIncrements;
           ++attempt) {
        v1::BusinessGoal goal;
        grpc::Status read = GetGoal(*repository, "contested", &goal);
        if (attempt == 0 && first_round->Block()) delete first_round;
        grpc::Status write = read.ok()
                                 ? SetProgress(*repository, "contested",
                                               goal.etag(), goal.progress() + 1)
                                 : read;
        if (write.ok()) {
          ++mine;
          ++succeeded;
          if (attempt == 0) ++first_round_wins;
        } else if (write.error_code() == grpc::StatusCode::ABORTED) {
          ++aborted;
        } else {
          absl::MutexLock lock(&mu);
          failures.push_back(
              absl::StrCat(write.error_code(), ": ", write.error_message()));
          return;
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();

  EXPECT_THAT(failures, IsEmpty());
  EXPECT_EQ(first_round_wins.load(), 1);
  EXPECT_GE(aborted.load(), kClients - 1);
  EXPECT_EQ(succeeded.load(), kClients * kIncrements);

  // The stored count is the number of acknowledged increments, and each of
  // them left its audit row.
  auto repository = storage->Repository();
  v1::BusinessGoal final_goal;
  ASSERT_TRUE(GetGoal(*repository, "contested", &final_goal).ok());
  EXPECT_EQ(final_goal.progress(), succeeded.load());
  grpc::ClientContext context;
  Prepare(&context);
  v1::ListAuditEntriesRequest list;
  list.set_record_id("contested");
  list.set_page_size(1000);
  v1::ListAuditEntriesResponse audit;
  ASSERT_TRUE(repository->ListAuditEntries(&context, list, &audit).ok());
  EXPECT_EQ(audit.audit_entries_size(), 1 + succeeded.load());
}

TEST_P(StorageLoadTest, MoreCallersThanConnectionsQueueAndComplete) {
  constexpr int kPoolSize = 2;
  constexpr int kCallers = 16;
  constexpr int kCallsEach = 10;
  std::unique_ptr<StorageProcess> storage =
      StartOrDie({"--migrate", absl::StrCat("--database_pool_size=", kPoolSize),
                  "--metrics_listen=127.0.0.1:0"});
  ASSERT_NE(storage, nullptr);

  absl::Barrier* start = new absl::Barrier(kCallers);
  absl::Mutex mu;
  std::vector<std::string> failures;
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      auto repository = storage->Repository();
      if (start->Block()) delete start;
      for (int i = 0; i < kCallsEach; ++i) {
        // A write and a read of it, each needing a connection.
        const std::string key = absl::StrCat("caller", c, "_", i);
        grpc::ClientContext put;
        Prepare(&put);
        v1::UpdateConfigurationRequest request;
        request.set_allow_missing(true);
        request.mutable_configuration()->set_key(key);
        request.mutable_configuration()->set_value("v");
        v1::Configuration stored;
        grpc::Status status =
            repository->UpdateConfiguration(&put, request, &stored);
        if (status.ok()) {
          grpc::ClientContext get;
          Prepare(&get);
          v1::GetConfigurationRequest read;
          read.set_key(key);
          status = repository->GetConfiguration(&get, read, &stored);
        }
        if (!status.ok()) {
          absl::MutexLock lock(&mu);
          failures.push_back(
              absl::StrCat(status.error_code(), ": ", status.error_message()));
        }
      }
    });
  }
  for (std::thread& caller : callers) caller.join();

  EXPECT_THAT(failures, IsEmpty());
  absl::StatusOr<std::string> page = storage->ScrapeMetrics();
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(SampleValue(*page, "opsbrain_db_pool_max_connections"), kPoolSize);
  EXPECT_EQ(SampleValue(*page,
                        "grpc_server_handled_total{grpc_type=\"unary\","
                        "grpc_service=\"opsbrain.v1.Repository\","
                        "grpc_method=\"GetConfiguration\",grpc_code=\"OK\"}"),
            kCallers * kCallsEach);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageLoadTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

TEST(SqliteDurabilityTest, KillNineKeepsEveryAcknowledgedWrite) {
  absl::StatusOr<std::string> url = NewDatabaseUrl(Backend::kSqlite);
  ASSERT_TRUE(url.ok()) << url.status();
  absl::StatusOr<std::unique_ptr<StorageProcess>> storage =
      StorageProcess::Start(*url, {"--migrate"});
  ASSERT_TRUE(storage.ok()) << storage.status();

  // Writers run until the kill; what was acknowledged is remembered.
  constexpr int kWriters = 4;
  constexpr int kMaxWrites = 2000;
  std::atomic<bool> killed{false};
  std::atomic<int> acknowledged_total{0};
  absl::Mutex mu;
  std::set<std::string> acknowledged;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto repository = (*storage)->Repository();
      for (int i = 0; i < kMaxWrites && !killed.load(); ++i) {
        const std::string key = absl::StrCat("durable", w, "_", i);
        grpc::ClientContext context;
        Prepare(&context);
        v1::UpdateConfigurationRequest request;
        request.set_allow_missing(true);
        request.mutable_configuration()->set_key(key);
        request.mutable_configuration()->set_value(absl::StrCat(i));
        v1::Configuration stored;
        if (!repository->UpdateConfiguration(&context, request, &stored).ok()) {
          return;  // The service is gone.
        }
        absl::MutexLock lock(&mu);
        acknowledged.insert(key);
        ++acknowledged_total;
      }
    });
  }

  // However the test ends, the writers stop first.
  absl::Cleanup join_writers = [&] {
    killed.store(true);
    for (std::thread& writer : writers) {
      if (writer.joinable()) writer.join();
    }
  };

  // Kill -9 in the middle of the stream, right after an acknowledgement.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (acknowledged_total.load() < 100 && absl::Now() < give_up) {
    std::this_thread::yield();
  }
  ASSERT_TRUE((*storage)->process().Signal(SIGKILL).ok());
  killed.store(true);
  absl::StatusOr<int> exit_code = (*storage)->process().Wait(absl::Seconds(10));
  std::move(join_writers).Invoke();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 128 + SIGKILL);

  // A new process finds every acknowledged write.
  absl::StatusOr<std::unique_ptr<StorageProcess>> again =
      StorageProcess::Start(*url);
  ASSERT_TRUE(again.ok()) << again.status();
  auto repository = (*again)->Repository();
  std::set<std::string> stored;
  std::string token;
  for (int page = 0; page < 100; ++page) {
    grpc::ClientContext context;
    Prepare(&context);
    v1::ListConfigurationsRequest list;
    list.set_page_size(1000);
    list.set_page_token(token);
    v1::ListConfigurationsResponse response;
    grpc::Status status =
        repository->ListConfigurations(&context, list, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const v1::Configuration& config : response.configurations()) {
      stored.insert(config.key());
    }
    token = response.next_page_token();
    if (token.empty()) break;
  }
  absl::MutexLock lock(&mu);
  EXPECT_GE(acknowledged.size(), 100u);
  for (const std::string& key : acknowledged) {
    EXPECT_EQ(stored.count(key), 1u) << key << " was acknowledged but lost";
  }
}

}  // namespace
}  // namespace opsbrain::testing
