// The storage service killed (SIGKILL) while the gateway is under load, then
// started again on the same address and data: the gateway answers every
// request in bounded time, with 503 and its JSON error body while the
// storage service is gone (never another 5xx, never a hang or a crash),
// serves again soon after it returns, and every write it acknowledged
// before or after is there at the end.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "tests/conformance/test_store.h"
#include "tests/faults/fault_helpers.h"
#include "tests/gateway/http_test_client.h"
#include "tests/storage_service/storage_process.h"

namespace opsbrain::testing {
namespace {

using ::opsbrain::gateway::testing::HttpTestClient;
using ::opsbrain::gateway::testing::TestResponse;

constexpr int kClients = 4;
// Each client's cap, so that a fast machine does not pile up requests.
constexpr int kMaxRequestsPerClient = 3000;
// Longer than the gateway's own deadline on a storage call (10 s): a
// request that takes this long is a hang.
constexpr absl::Duration kRequestTimeout = absl::Seconds(15);
// gRPC backs off between reconnection attempts; the gateway caps that at
// 2 s, so a storage service that returns is found again within this.
constexpr absl::Duration kRecoveryBound = absl::Seconds(5);
constexpr absl::Duration kHealthyPhase = absl::Milliseconds(1500);
// Long enough for gRPC's default reconnection backoff (1 s, growing by 1.6
// up to 120 s) to reach about 10 s if the gateway did not cap it.
constexpr absl::Duration kOutagePhase = absl::Seconds(16);

enum class Phase { kBefore, kDown, kAfter };

struct Outcome {
  Phase phase;
  bool write;
  std::string key;
  std::string value;
  int status = 0;  // 0: no HTTP answer
  std::string body_or_error;
  absl::Time sent;
  absl::Time answered;
};

class Load {
 public:
  explicit Load(int port) : port_(port) {}

  void Start() {
    for (int client = 0; client < kClients; ++client) {
      threads_.emplace_back([this, client] { Run(client); });
    }
  }

  void Stop() {
    stop_ = true;
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
  }

  void set_phase(Phase phase) { phase_ = phase; }

  std::vector<Outcome> outcomes() {
    absl::MutexLock lock(&mu_);
    return outcomes_;
  }

  // The first 2xx answer to a request sent at or after `since`.
  std::optional<absl::Time> FirstSuccessSince(absl::Time since) {
    absl::MutexLock lock(&mu_);
    std::optional<absl::Time> first;
    for (const Outcome& outcome : outcomes_) {
      if (outcome.sent >= since && outcome.status / 100 == 2 &&
          (!first.has_value() || outcome.answered < *first)) {
        first = outcome.answered;
      }
    }
    return first;
  }

 private:
  // Alternates writes of fresh keys with reads of the client's last
  // acknowledged one, so both paths meet the outage.
  void Run(int client) {
    HttpTestClient http(port_, kRequestTimeout);
    std::string last_acked = "load-seed";
    for (int i = 0; i < kMaxRequestsPerClient && !stop_; ++i) {
      Outcome outcome;
      outcome.phase = phase_;
      outcome.write = i % 2 == 0;
      absl::StatusOr<TestResponse> response;
      outcome.sent = absl::Now();
      if (outcome.write) {
        outcome.key = absl::StrCat("load-", client, "-", i);
        outcome.value = absl::StrCat("value of ", outcome.key);
        response = http.Send(
            "PATCH",
            absl::StrCat("/v1/appSettings/", outcome.key, "?allowMissing=true"),
            absl::StrCat(R"({"value":")", outcome.value, R"("})"),
            JsonHeaders());
      } else {
        outcome.key = last_acked;
        response =
            http.Send("GET", absl::StrCat("/v1/appSettings/", last_acked), "",
                      AuthHeaders());
      }
      outcome.answered = absl::Now();
      if (response.ok()) {
        outcome.status = response->status;
        outcome.body_or_error = response->body;
        if (outcome.write && response->status == 200) last_acked = outcome.key;
      } else {
        outcome.body_or_error = response.status().ToString();
      }
      {
        absl::MutexLock lock(&mu_);
        outcomes_.push_back(std::move(outcome));
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  const int port_;
  std::atomic<bool> stop_{false};
  std::atomic<Phase> phase_{Phase::kBefore};
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  std::vector<Outcome> outcomes_ ABSL_GUARDED_BY(mu_);
};

TEST(StorageKilledUnderLoadTest,
     GatewayAnswers503ThenRecoversKeepingAckedWrites) {
  absl::StatusOr<std::string> url = NewDatabaseUrl(Backend::kSqlite);
  ASSERT_TRUE(url.ok()) << url.status();
  absl::StatusOr<std::unique_ptr<StorageProcess>> storage =
      StorageProcess::Start(*url, {"--migrate", "--sweep_interval=0"});
  ASSERT_TRUE(storage.ok()) << storage.status();
  const int storage_port = (*storage)->port();
  auto gateway = StartGateway(storage_port);
  ASSERT_TRUE(gateway.ok()) << gateway.status();

  {
    HttpTestClient http((*gateway)->port());
    absl::StatusOr<TestResponse> seed =
        http.Send("PATCH", "/v1/appSettings/load-seed?allowMissing=true",
                  R"({"value":"seed"})", JsonHeaders());
    ASSERT_TRUE(seed.ok()) << seed.status();
    ASSERT_EQ(seed->status, 200) << seed->body;
  }

  Load load((*gateway)->port());
  load.Start();
  absl::SleepFor(kHealthyPhase);

  // SIGKILL: no drain, no goodbye to the gateway's connection. Requests
  // count as sent while it is down once it has been reaped; those in
  // flight at the kill stay in the phase before.
  ASSERT_TRUE((*storage)->process().Signal(SIGKILL).ok());
  absl::StatusOr<int> killed = (*storage)->process().Wait(absl::Seconds(10));
  ASSERT_TRUE(killed.ok()) << killed.status();
  EXPECT_EQ(*killed, 128 + SIGKILL);
  load.set_phase(Phase::kDown);
  storage->reset();
  absl::SleepFor(kOutagePhase);

  // The same address and database file, as a supervisor would restart it.
  load.set_phase(Phase::kAfter);
  const absl::Time restart = absl::Now();
  storage = StorageProcess::Start(
      *url, {"--sweep_interval=0",
             absl::StrCat("--listen=127.0.0.1:", storage_port)});
  ASSERT_TRUE(storage.ok()) << storage.status();
  ASSERT_EQ((*storage)->port(), storage_port);
  const absl::Time listening = absl::Now();

  std::optional<absl::Time> recovered;
  while (!recovered.has_value() &&
         absl::Now() < listening + 3 * kRecoveryBound) {
    absl::SleepFor(absl::Milliseconds(50));
    recovered = load.FirstSuccessSince(listening);
  }
  absl::SleepFor(absl::Seconds(1));
  load.Stop();

  ASSERT_TRUE(recovered.has_value())
      << "no request succeeded within " << 3 * kRecoveryBound
      << " of the storage service listening again";
  EXPECT_LE(*recovered - listening, kRecoveryBound);

  // Every answer in bounded time and in the allowed set.
  const std::vector<Outcome> outcomes = load.outcomes();
  std::map<Phase, int> requests;
  std::map<Phase, int> successes;
  std::map<int, int> statuses;
  int unavailable = 0;
  absl::Duration slowest;
  std::vector<const Outcome*> acked_writes;
  for (const Outcome& outcome : outcomes) {
    ++requests[outcome.phase];
    ++statuses[outcome.status];
    slowest = std::max(slowest, outcome.answered - outcome.sent);
    EXPECT_NE(outcome.status, 0)
        << outcome.key << ": no HTTP answer: " << outcome.body_or_error;
    if (outcome.status / 100 == 2) {
      ++successes[outcome.phase];
      if (outcome.write) acked_writes.push_back(&outcome);
      continue;
    }
    if (outcome.status == 0) continue;
    // Only "unavailable" or "took too long": the storage service is away.
    EXPECT_TRUE(outcome.status == 503 || outcome.status == 504)
        << outcome.key << ": " << outcome.status << " "
        << outcome.body_or_error;
    absl::StatusOr<google::rpc::Status> body =
        ParseErrorBody(outcome.body_or_error);
    EXPECT_TRUE(body.ok()) << body.status();
    if (outcome.status == 503) {
      ++unavailable;
      if (body.ok()) {
        EXPECT_EQ(body->code(), 14) << outcome.body_or_error;  // UNAVAILABLE
        EXPECT_EQ(body->message(), "the storage service is unavailable");
      }
    }
  }
  EXPECT_GT(successes[Phase::kBefore], 0);
  EXPECT_GT(unavailable, 0);
  // While the storage service is gone nothing can succeed.
  EXPECT_EQ(successes[Phase::kDown], 0);
  EXPECT_GT(successes[Phase::kAfter], 0);

  // The gateway lived through it.
  EXPECT_TRUE((*gateway)->Running());

  // Every acknowledged write, read straight from the restarted storage
  // service.
  std::unique_ptr<v1::Repository::Stub> repository = (*storage)->Repository();
  int verified = 0;
  for (const Outcome* write : acked_writes) {
    grpc::ClientContext context;
    Prepare(&context);
    v1::GetAppSettingRequest request;
    request.set_key(write->key);
    v1::AppSetting setting;
    grpc::Status status =
        repository->GetAppSetting(&context, request, &setting);
    EXPECT_TRUE(status.ok()) << write->key << ": " << status.error_message();
    if (status.ok()) {
      EXPECT_EQ(setting.value(), write->value);
      ++verified;
    }
  }
  repository.reset();

  std::string by_status;
  for (const auto& [status, count] : statuses) {
    absl::StrAppend(&by_status, " ", status, ":", count);
  }
  std::cout << "[faults] storage killed under load: requests before/down/after "
            << requests[Phase::kBefore] << "/" << requests[Phase::kDown] << "/"
            << requests[Phase::kAfter] << "; by status" << by_status
            << "; 503s " << unavailable << "; slowest answer " << slowest
            << "; storage listening again " << (listening - restart)
            << " after restart, first success " << (*recovered - listening)
            << " later; acknowledged writes " << acked_writes.size()
            << ", verified " << verified << std::endl;

  absl::StatusOr<int> gateway_exit = (*gateway)->Stop();
  ASSERT_TRUE(gateway_exit.ok()) << gateway_exit.status();
  EXPECT_EQ(*gateway_exit, 0);
}

}  // namespace
}  // namespace opsbrain::testing
