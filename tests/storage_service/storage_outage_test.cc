// The storage_service binary when PostgreSQL goes away and comes back, and
// the database password through all of it: calls fail fast with
// UNAVAILABLE, health follows the database, the service recovers by
// itself, no acknowledged write is lost, and the password never shows.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "tests/conformance/test_store.h"
#include "tests/postgres/postgres_server.h"
#include "tests/storage_service/storage_process.h"

namespace opsbrain::testing {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Trust authentication accepts any password, so a URL can carry this one
// and still connect; it must never come out again.
constexpr char kPassword[] = "Pa55-w0rd-SECRET";

// `url` (postgres://postgres@...) with kPassword for the user.
std::string WithPassword(const std::string& url) {
  return absl::StrReplaceAll(
      url, {{"://postgres@", absl::StrCat("://postgres:", kPassword, "@")}});
}

// A port on 127.0.0.1 that is bound but not listening: connecting to it is
// refused at once, and no other process can take it while this lives.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ >= 0 &&
        bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
            0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  ~ClosedPort() {
    if (fd_ >= 0) close(fd_);
  }

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// One call's outcome, for the checks after the run.
struct CallRecord {
  absl::Time start;
  absl::Duration elapsed;
  grpc::StatusCode code;
  std::string message;
};

grpc::Status PutConfiguration(v1::Repository::Stub& stub,
                              const std::string& key, absl::Duration deadline) {
  grpc::ClientContext context;
  Prepare(&context, "", "", deadline);
  v1::UpdateConfigurationRequest request;
  request.set_allow_missing(true);
  request.mutable_configuration()->set_key(key);
  request.mutable_configuration()->set_value("acknowledged");
  v1::Configuration stored;
  return stub.UpdateConfiguration(&context, request, &stored);
}

grpc::Status GetConfiguration(v1::Repository::Stub& stub,
                              const std::string& key, absl::Duration deadline) {
  grpc::ClientContext context;
  Prepare(&context, "", "", deadline);
  v1::GetConfigurationRequest request;
  request.set_key(key);
  v1::Configuration stored;
  return stub.GetConfiguration(&context, request, &stored);
}

// Polls the health service until it reports `want`; false after `timeout`.
bool AwaitHealth(StorageProcess& storage,
                 HealthCheckResponse::ServingStatus want,
                 absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    if (storage.Health() == want) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

TEST(StorageOutageTest, PostgresOutageFailsFastThenRecoversKeepingAckedWrites) {
  absl::StatusOr<std::unique_ptr<PostgresServer>> server =
      PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::string> url = (*server)->CreateDatabase();
  ASSERT_TRUE(url.ok()) << url.status();
  absl::StatusOr<std::unique_ptr<StorageProcess>> storage =
      StorageProcess::Start(WithPassword(*url),
                            {"--migrate", "--health_probe_interval=200ms",
                             "--verbose", "--metrics_listen=127.0.0.1:0"});
  ASSERT_TRUE(storage.ok()) << storage.status();
  ASSERT_EQ((*storage)->Health(), HealthCheckResponse::SERVING);

  // Clients write new keys and read their last acknowledged one, paced to
  // a steady stream, until told to stop or out of calls.
  constexpr int kClients = 4;
  constexpr int kMaxCallsPerClient = 3000;
  constexpr absl::Duration kDeadline = absl::Seconds(5);
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged_writes{0};
  absl::Mutex mu;
  // Both guarded by mu.
  std::set<std::string> acknowledged;
  std::vector<CallRecord> calls;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto repository = (*storage)->Repository();
      std::string last_acknowledged;
      for (int i = 0; i < kMaxCallsPerClient && !stop.load(); ++i) {
        const bool write = i % 2 == 0 || last_acknowledged.empty();
        const std::string key = absl::StrCat("client", c, "_", i);
        const absl::Time start = absl::Now();
        grpc::Status status =
            write ? PutConfiguration(*repository, key, kDeadline)
                  : GetConfiguration(*repository, last_acknowledged, kDeadline);
        const absl::Time end = absl::Now();
        {
          absl::MutexLock lock(&mu);
          calls.push_back({start, end - start, status.error_code(),
                           status.error_message()});
          if (write && status.ok()) {
            acknowledged.insert(key);
            last_acknowledged = key;
            ++acknowledged_writes;
          }
        }
        // Pacing, not synchronisation: a steady stream rather than a
        // flood that would starve PostgreSQL's restart of CPU.
        absl::SleepFor(absl::Milliseconds(10));
      }
    });
  }

  // However the test ends, the clients stop first.
  absl::Cleanup join_clients = [&] {
    stop.store(true);
    for (std::thread& client : clients) {
      if (client.joinable()) client.join();
    }
  };

  // Steady state first.
  const absl::Time warm_up = absl::Now() + absl::Seconds(10);
  while (acknowledged_writes.load() < 20 && absl::Now() < warm_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_GE(acknowledged_writes.load(), 20);

  // The outage: a few seconds without PostgreSQL.
  ASSERT_TRUE((*server)->Stop().ok());
  const absl::Time stopped = absl::Now();
  const bool went_not_serving = AwaitHealth(
      **storage, HealthCheckResponse::NOT_SERVING, absl::Seconds(10));
  absl::SleepFor(
      std::max(absl::ZeroDuration(), stopped + absl::Seconds(4) - absl::Now()));
  ASSERT_TRUE((*server)->Restart().ok());
  const absl::Time restarted = absl::Now();

  // Recovery, by the service alone.
  const bool serving_again =
      AwaitHealth(**storage, HealthCheckResponse::SERVING, absl::Seconds(15));
  const absl::Duration to_serving = absl::Now() - restarted;
  const int acknowledged_at_restart = acknowledged_writes.load();
  const absl::Time settle = absl::Now() + absl::Seconds(10);
  while (acknowledged_writes.load() < acknowledged_at_restart + 20 &&
         absl::Now() < settle) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  std::move(join_clients).Invoke();

  EXPECT_TRUE(went_not_serving);
  EXPECT_TRUE(serving_again);
  EXPECT_LT(to_serving, absl::Seconds(5));
  EXPECT_GE(acknowledged_writes.load(), acknowledged_at_restart + 20);

  // Every call answered well within its deadline; every failure was
  // UNAVAILABLE; calls during the outage did fail.
  absl::MutexLock lock(&mu);
  int failed_during_outage = 0;
  absl::Duration slowest;
  std::vector<std::string> unexpected;
  for (const CallRecord& call : calls) {
    slowest = std::max(slowest, call.elapsed);
    if (call.code == grpc::StatusCode::OK) continue;
    if (call.code != grpc::StatusCode::UNAVAILABLE) {
      unexpected.push_back(absl::StrCat(call.code, ": ", call.message));
    }
    if (call.start > stopped + absl::Milliseconds(500) &&
        call.start < restarted) {
      ++failed_during_outage;
    }
    EXPECT_THAT(call.message, Not(HasSubstr(kPassword)));
  }
  EXPECT_THAT(unexpected, IsEmpty());
  EXPECT_GT(failed_during_outage, 20);
  EXPECT_LT(slowest, absl::Seconds(2));
  ::testing::Test::RecordProperty("calls", static_cast<int>(calls.size()));
  ::testing::Test::RecordProperty("failed_during_outage", failed_during_outage);
  ::testing::Test::RecordProperty(
      "slowest_call_ms", static_cast<int>(absl::ToInt64Milliseconds(slowest)));
  ::testing::Test::RecordProperty(
      "restart_to_serving_ms",
      static_cast<int>(absl::ToInt64Milliseconds(to_serving)));

  // Every acknowledged write is there.
  auto repository = (*storage)->Repository();
  for (const std::string& key : acknowledged) {
    grpc::Status status = GetConfiguration(*repository, key, kDeadline);
    EXPECT_TRUE(status.ok()) << key << ": " << status.error_message();
  }

  // The metrics saw it too; the process is alive and serving, and said
  // what happened.
  absl::StatusOr<std::string> page = (*storage)->ScrapeMetrics();
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_GT(SampleValue(*page,
                        "grpc_server_handled_total{grpc_type=\"unary\","
                        "grpc_service=\"opsbrain.v1.Repository\","
                        "grpc_method=\"UpdateConfiguration\","
                        "grpc_code=\"Unavailable\"}")
                .value_or(0),
            0);
  EXPECT_EQ(SampleValue(*page, "opsbrain_database_up"), 1);
  EXPECT_THAT(*page, Not(HasSubstr(kPassword)));
  EXPECT_EQ((*storage)->Health(), HealthCheckResponse::SERVING);
  EXPECT_TRUE((*storage)
                  ->process()
                  .WaitForLine("database answers again", absl::Seconds(5))
                  .ok());
  const std::string output = (*storage)->process().output();
  EXPECT_THAT(output, HasSubstr("database does not answer"));
  EXPECT_THAT(output, HasSubstr("PostgreSQL unreachable"));
  EXPECT_THAT(output, HasSubstr("postgres:****@"));
  EXPECT_THAT(output, Not(HasSubstr(kPassword)));
}

TEST(StorageSecretsTest, UnreachableDatabaseFailsStartWithoutThePassword) {
  ClosedPort closed;
  ASSERT_NE(closed.port(), 0);
  const std::string host = absl::StrCat("127.0.0.1:", closed.port());
  const std::string kUrls[] = {
      absl::StrCat("postgres://opsbrain:", kPassword, "@", host, "/store"),
      absl::StrCat("postgresql://opsbrain@", host,
                   "/store?password=", kPassword, "&sslmode=disable"),
      // Percent-encoded: "-" as %2D.
      absl::StrCat("postgres://opsbrain:Pa55%2Dw0rd%2DSECRET@", host, "/store"),
  };
  for (const std::string& url : kUrls) {
    SCOPED_TRACE(url);
    absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
        {RunfilePath("storage_service/storage_service"), "--listen=127.0.0.1:0",
         "--database_wait=1s", "--verbose"},
        {{"DATABASE_URL", url}});
    ASSERT_TRUE(process.ok()) << process.status();
    absl::StatusOr<int> exit_code = (*process)->Wait(absl::Seconds(30));
    ASSERT_TRUE(exit_code.ok()) << exit_code.status();
    EXPECT_EQ(*exit_code, 1);
    // Its last line may still be in the pipe when the exit is seen.
    EXPECT_TRUE((*process)->WaitForLine("cannot start", absl::Seconds(5)).ok());
    const std::string output = (*process)->output();
    EXPECT_THAT(output, HasSubstr("did not answer within --database_wait=1s"));
    EXPECT_THAT(output, HasSubstr("****"));
    EXPECT_THAT(output, Not(HasSubstr(kPassword)));
    EXPECT_THAT(output, Not(HasSubstr("Pa55%2Dw0rd")));
  }
}

// An orchestrator stops a pod whose database is down: SIGTERM ends the
// start-up wait at once, with exit 0, rather than after --database_wait.
TEST(StorageStartTest, SigtermDuringTheDatabaseWaitStopsAtOnce) {
  ClosedPort closed;
  ASSERT_NE(closed.port(), 0);
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
      {RunfilePath("storage_service/storage_service"), "--listen=127.0.0.1:0",
       "--database_wait=120s"},
      {{"DATABASE_URL", absl::StrCat("postgres://opsbrain:", kPassword,
                                     "@127.0.0.1:", closed.port(), "/store")}});
  ASSERT_TRUE(process.ok()) << process.status();
  ASSERT_TRUE(
      (*process)->WaitForLine("waiting up to 2m", absl::Seconds(30)).ok())
      << (*process)->output();

  const absl::Time sent = absl::Now();
  ASSERT_TRUE((*process)->Signal(SIGTERM).ok());
  absl::StatusOr<int> exit_code = (*process)->Wait(absl::Seconds(30));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  // The wait wakes on the signal: seconds at most, not 120.
  EXPECT_LT(absl::Now() - sent, absl::Seconds(10));
  EXPECT_TRUE((*process)->WaitForLine("stopped", absl::Seconds(5)).ok());
  const std::string output = (*process)->output();
  EXPECT_THAT(output, HasSubstr("received SIGTERM while starting"));
  EXPECT_THAT(output, Not(HasSubstr("cannot start")));
  EXPECT_THAT(output, Not(HasSubstr(kPassword)));
}

TEST(StorageSecretsTest, AcceptedPasswordNeverAppearsInOutput) {
  absl::StatusOr<std::string> url = NewDatabaseUrl(Backend::kPostgres);
  ASSERT_TRUE(url.ok()) << url.status();
  absl::StatusOr<std::unique_ptr<StorageProcess>> storage =
      StorageProcess::Start(WithPassword(*url), {"--migrate", "--verbose",
                                                 "--metrics_listen=127.0.0.1:0",
                                                 "--slow_query_threshold=1us"});
  ASSERT_TRUE(storage.ok()) << storage.status();

  // Successes and failures alike, each of which may log.
  auto repository = (*storage)->Repository();
  std::vector<std::string> messages;
  messages.push_back(
      PutConfiguration(*repository, "k", absl::Seconds(5)).error_message());
  messages.push_back(GetConfiguration(*repository, "absent", absl::Seconds(5))
                         .error_message());
  messages.push_back(
      PutConfiguration(*repository, "", absl::Seconds(5)).error_message());
  absl::StatusOr<std::string> page = (*storage)->ScrapeMetrics();
  ASSERT_TRUE(page.ok()) << page.status();
  // The last call's log line, read from the pipe.
  EXPECT_TRUE((*storage)
                  ->process()
                  .WaitForLine("code=INVALID_ARGUMENT", absl::Seconds(5))
                  .ok());

  const std::string output = (*storage)->process().output();
  // The redacted URL is logged; the slow-statement warnings name
  // statements only.
  EXPECT_THAT(output, HasSubstr("postgres:****@"));
  EXPECT_THAT(output, HasSubstr("slow statement: SELECT configurations"));
  EXPECT_THAT(output, Not(HasSubstr(kPassword)));
  EXPECT_THAT(*page, Not(HasSubstr(kPassword)));
  for (const std::string& message : messages) {
    EXPECT_THAT(message, Not(HasSubstr(kPassword)));
  }
}

}  // namespace
}  // namespace opsbrain::testing
