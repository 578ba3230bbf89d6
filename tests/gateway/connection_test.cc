// Connections to the test gateway binary: keep-alive, read timeouts, slow
// clients, the body limit flag, and a graceful drain on SIGTERM.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_env.h"
#include "tests/gateway/http_test_client.h"

namespace opsbrain::gateway::testing {
namespace {

// One worker, so that a client that held it would stall everyone; a short
// read timeout; a small body limit.
struct TightArgs {
  static std::vector<std::string> Get() {
    return {"--threads=1", "--read_timeout=300ms", "--max_body_bytes=64"};
  }
};

class ConnectionTest : public GatewayEnvTest<TightArgs> {};

TEST_F(ConnectionTest, KeepAliveServesManyRequestsOnOneConnection) {
  for (const char* target : {"/healthz", "/v1/things/a", "/v2/none"}) {
    absl::StatusOr<TestResponse> response = client_->Send("GET", target);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_TRUE(response->keep_alive) << target;
  }
  EXPECT_EQ(client_->connections_opened(), 1);
}

TEST_F(ConnectionTest, HalfARequestIsCutOffAfterTheReadTimeout) {
  absl::StatusOr<absl::Duration> took = TimeUntilClosed(
      env_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n", absl::Seconds(5));
  ASSERT_TRUE(took.ok()) << took.status();
  EXPECT_GE(*took, absl::Milliseconds(250));
}

TEST_F(ConnectionTest, HalfABodyIsCutOffAfterTheReadTimeout) {
  absl::StatusOr<absl::Duration> took = TimeUntilClosed(
      env_->port(),
      "POST /v1/things HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\nContent-Length: 30\r\n\r\n{\"id\"",
      absl::Seconds(5));
  ASSERT_TRUE(took.ok()) << took.status();
  EXPECT_GE(*took, absl::Milliseconds(250));
}

TEST_F(ConnectionTest, BodyOverTheConfiguredLimitIs413) {
  const std::string fits = R"({"id":"a"})";
  absl::StatusOr<TestResponse> ok = client_->Send(
      "POST", "/v1/things", fits, {{"Content-Type", "application/json"}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 200);

  const std::string too_big =
      absl::StrCat(R"({"id":")", std::string(60, 'a'), R"("})");
  absl::StatusOr<TestResponse> rejected = client_->Send(
      "POST", "/v1/things", too_big, {{"Content-Type", "application/json"}});
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_EQ(rejected->status, 413);
  EXPECT_THAT(rejected->body, ::testing::HasSubstr("exceeds 64 bytes"));
}

// A slow client must not hold a worker: with one worker and a long read
// timeout, a client that sent half a request does not delay another.
struct SlowClientArgs {
  static std::vector<std::string> Get() {
    return {"--threads=1", "--read_timeout=20s"};
  }
};

class SlowClientTest : public GatewayEnvTest<SlowClientArgs> {};

TEST_F(SlowClientTest, DoesNotHoldTheOnlyWorker) {
  const int slow = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(slow, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(env_->port()));
  ASSERT_EQ(
      connect(slow, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string half = "POST /v1/things HTTP/1.1\r\nContent-Length: 9";
  ASSERT_EQ(write(slow, half.data(), half.size()),
            static_cast<ssize_t>(half.size()));

  const absl::Time start = absl::Now();
  HttpTestClient other(env_->port(), absl::Seconds(5));
  absl::StatusOr<TestResponse> response = other.Send("GET", "/v1/things/a");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  close(slow);
}

// Each test here runs its own gateway, to stop it.
class StopTest : public ::testing::Test {};

TEST_F(StopTest, SigtermExitsZero) {
  absl::StatusOr<std::unique_ptr<GatewayEnv>> env = GatewayEnv::Start();
  ASSERT_TRUE(env.ok()) << env.status();
  HttpTestClient client((*env)->port());
  ASSERT_TRUE(client.Send("GET", "/healthz").ok());
  absl::StatusOr<int> exit_code = (*env)->gateway->Stop();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  EXPECT_TRUE((*env)
                  ->gateway->WaitForLine({"stopping on"}, absl::Seconds(1))
                  .has_value());
}

// True when a TCP connect to 127.0.0.1:port is refused.
bool ConnectIsRefused(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool refused = connect(fd, reinterpret_cast<sockaddr*>(&address),
                               sizeof(address)) != 0 &&
                       errno == ECONNREFUSED;
  close(fd);
  return refused;
}

TEST_F(StopTest, DrainAnswersTheCallInFlightAndRefusesNewConnections) {
  // A long shutdown delay that the second SIGTERM cuts short, so that the
  // test sees each phase in turn.
  absl::StatusOr<std::unique_ptr<GatewayEnv>> env = GatewayEnv::Start(
      {"--shutdown_delay=60s", "--drain_timeout=20s", "--request_timeout=20s"});
  ASSERT_TRUE(env.ok()) << env.status();
  GatewayEnv& gateway = **env;
  const int port = gateway.port();

  // A call that waits on the storage service until the test releases it.
  absl::StatusOr<TestResponse> in_flight;
  std::thread caller([port, &in_flight] {
    HttpTestClient client(port, absl::Seconds(30));
    in_flight = client.Send("GET", "/v1/wait");
  });
  ASSERT_TRUE(gateway.backend->AwaitWaitCalls(1, absl::Seconds(5)));

  // First SIGTERM: still accepting, but no longer ready.
  gateway.gateway->Signal(SIGTERM);
  ASSERT_TRUE(gateway.gateway->WaitForLine({"stopping on"}, absl::Seconds(5))
                  .has_value());
  HttpTestClient probe(port);
  absl::StatusOr<TestResponse> ready = probe.Send("GET", "/readyz");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->status, 503);
  absl::StatusOr<TestResponse> healthy = probe.Send("GET", "/healthz");
  ASSERT_TRUE(healthy.ok()) << healthy.status();
  EXPECT_EQ(healthy->status, 200);

  // Second SIGTERM: the listener closes; the call in flight goes on.
  gateway.gateway->Signal(SIGTERM);
  ASSERT_TRUE(
      gateway.gateway->WaitForLine({"the listener is closed"}, absl::Seconds(5))
          .has_value());
  EXPECT_TRUE(ConnectIsRefused(port));
  EXPECT_TRUE(gateway.gateway->Running());

  // The call is answered, on a connection that then closes, and the
  // gateway exits 0.
  gateway.backend->ReleaseWaitCalls();
  caller.join();
  ASSERT_TRUE(in_flight.ok()) << in_flight.status();
  EXPECT_EQ(in_flight->status, 200);
  EXPECT_FALSE(in_flight->keep_alive);
  absl::StatusOr<int> exit_code = gateway.gateway->Stop();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
}

TEST_F(StopTest, DrainTimeoutBoundsTheWaitForACallInFlight) {
  absl::StatusOr<std::unique_ptr<GatewayEnv>> env =
      GatewayEnv::Start({"--drain_timeout=500ms"});
  ASSERT_TRUE(env.ok()) << env.status();
  const int port = (*env)->port();

  // A call that waits on the storage service for its whole deadline (10 s).
  std::thread caller([port] {
    HttpTestClient client(port, absl::Seconds(15));
    client.Send("GET", "/v1/wait").IgnoreError();
  });
  ASSERT_TRUE((*env)->backend->AwaitWaitCalls(1, absl::Seconds(5)));
  const absl::Time start = absl::Now();
  absl::StatusOr<int> exit_code = (*env)->gateway->Stop();
  caller.join();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_TRUE(
      (*env)
          ->gateway->WaitForLine({"the drain timed out"}, absl::Seconds(1))
          .has_value());
}

TEST_F(StopTest, BadFlagExitsTwo) {
  absl::StatusOr<std::unique_ptr<GatewayEnv>> env =
      GatewayEnv::Start({"--request_timeout=-1s"});
  ASSERT_FALSE(env.ok());
  EXPECT_THAT(std::string(env.status().message()),
              ::testing::HasSubstr("exit code 2: "));
  EXPECT_THAT(std::string(env.status().message()),
              ::testing::HasSubstr("timeouts must be positive"));
}

TEST_F(StopTest, BadEnvironmentValueExitsTwo) {
  absl::StatusOr<std::unique_ptr<GatewayEnv>> env =
      GatewayEnv::Start({}, {"GATEWAY_REQUEST_TIMEOUT=soon"});
  ASSERT_FALSE(env.ok());
  EXPECT_THAT(std::string(env.status().message()),
              ::testing::HasSubstr("exit code 2: "));
  EXPECT_THAT(std::string(env.status().message()),
              ::testing::HasSubstr("GATEWAY_REQUEST_TIMEOUT"));
}

// ---------------------------------------------------------------------------
// Environment fallbacks: the environment sets a flag, the command line
// wins over it.

class EnvironmentTest : public ::testing::Test {
 protected:
  // The status of a 40-byte JSON POST to a gateway started so.
  static int PostStatus(const std::vector<std::string>& args,
                        const std::vector<std::string>& env) {
    absl::StatusOr<std::unique_ptr<GatewayEnv>> started =
        GatewayEnv::Start(args, env);
    EXPECT_TRUE(started.ok()) << started.status();
    if (!started.ok()) return 0;
    HttpTestClient client((*started)->port());
    const std::string body =
        absl::StrCat(R"({"id":")", std::string(31, 'a'), R"("})");
    absl::StatusOr<TestResponse> response = client.Send(
        "POST", "/v1/things", body, {{"Content-Type", "application/json"}});
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->status : 0;
  }
};

TEST_F(EnvironmentTest, EnvironmentSetsAFlag) {
  EXPECT_EQ(PostStatus({}, {"GATEWAY_MAX_BODY_BYTES=16"}), 413);
}

TEST_F(EnvironmentTest, CommandLineWinsOverEnvironment) {
  EXPECT_EQ(
      PostStatus({"--max_body_bytes=1000"}, {"GATEWAY_MAX_BODY_BYTES=16"}),
      200);
}

}  // namespace
}  // namespace opsbrain::gateway::testing
