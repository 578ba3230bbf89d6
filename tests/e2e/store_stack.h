// The deployed shape of OpsBrain Store on loopback, for end-to-end tests:
// the real storage_service binary on a fresh database (migrated at start
// with --migrate), and the real gateway binary in front of it, with bearer
// tokens for the test callers below.
//
// Both listen on 127.0.0.1 on ports the kernel picks. The gateway dials the
// storage service in plaintext (--storage_plaintext) and logs text
// (--log_format=text), which tests read; the storage service never sweeps
// (--sweep_interval=0), so that expired threads stay until a test purges
// them.
//
// Thread-compatible: one test thread drives a stack.
#ifndef OPSBRAIN_TESTS_E2E_STORE_STACK_H_
#define OPSBRAIN_TESTS_E2E_STORE_STACK_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "tests/conformance/test_store.h"
#include "tests/gateway/gateway_process.h"
#include "tests/storage_service/storage_process.h"

namespace opsbrain::testing {

// A caller the stack's gateway knows by its bearer token.
struct TestCaller {
  // The token's name: the actor of the caller's writes.
  const char* name;
  // Test-only secrets; the gateway holds their SHA-256 hashes.
  const char* token;
  // The scopes of its token-file line.
  const char* scopes;
  // What the gateway sends as x-opsbrain-scopes for it (admin expanded).
  const char* metadata_scopes;
};

inline constexpr TestCaller kReader = {
    "e2e-reader", "opsb_e2e-reader-0aJ1bK2cL3dM4eN5fO6gP7hQ8iR9jS", "read",
    "read"};
inline constexpr TestCaller kWriter = {
    "e2e-writer", "opsb_e2e-writer-1bK2cL3dM4eN5fO6gP7hQ8iR9jS0aT",
    "read,write", "read,write"};
inline constexpr TestCaller kAdmin = {
    "e2e-admin", "opsb_e2e-admin-2cL3dM4eN5fO6gP7hQ8iR9jS0aT1bU", "admin",
    "read,write,secrets,admin"};

class StoreStack {
 public:
  // Creates an empty database on `backend` (NewDatabaseUrl), starts the
  // storage service on it and waits until it listens, then starts the
  // gateway in front of it, knowing kReader, kWriter and kAdmin. Each start
  // is bounded in time; a failure carries the child's last output.
  static absl::StatusOr<std::unique_ptr<StoreStack>> Start(Backend backend);

  StoreStack(const StoreStack&) = delete;
  StoreStack& operator=(const StoreStack&) = delete;
  // Kills whatever still runs.
  ~StoreStack() = default;

  // The gateway's HTTP port on 127.0.0.1.
  int http_port() const { return gateway_->port(); }

  // A channel straight to the storage service, in plaintext as the gateway
  // dials it. Drop every stub of it before Stop(): an idle synchronous
  // client answers the server's shutdown only at its next backup poll
  // (5 s), and the storage service waits for that.
  std::shared_ptr<grpc::Channel> storage_channel() const { return channel_; }

  gateway::testing::GatewayProcess& gateway() { return *gateway_; }

  // SIGTERM to the gateway; then, once this stack's channel is closed, to
  // the storage service. Each must exit 0 within 15 s; the error names the
  // first that did not.
  absl::Status Stop();

 private:
  StoreStack() = default;

  std::unique_ptr<StorageProcess> storage_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gateway::testing::GatewayProcess> gateway_;
};

}  // namespace opsbrain::testing

#endif  // OPSBRAIN_TESTS_E2E_STORE_STACK_H_
