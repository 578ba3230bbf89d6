// An in-process gRPC server for gateway tests: the GatewayTest service of
// gateway_test.proto, which echoes each request with the metadata it saw,
// and the standard health service.
//
// Thread-safe.
#ifndef OPSBRAIN_TESTS_GATEWAY_TEST_BACKEND_H_
#define OPSBRAIN_TESTS_GATEWAY_TEST_BACKEND_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"

namespace opsbrain::gateway::testing {

class TestBackend {
 public:
  // Serves on 127.0.0.1 on a free port; health "" is SERVING.
  static absl::StatusOr<std::unique_ptr<TestBackend>> Start();

  TestBackend(const TestBackend&) = delete;
  TestBackend& operator=(const TestBackend&) = delete;
  // Releases calls still waiting in Wait, then shuts down.
  ~TestBackend();

  // "127.0.0.1:PORT".
  const std::string& address() const { return address_; }

  // What the health service answers for service "".
  void SetServing(bool serving);

  // Waits up to `timeout` until `count` calls have entered Wait; false if
  // fewer did.
  bool AwaitWaitCalls(int count, absl::Duration timeout);

  // Answers the calls waiting in Wait (and later ones) with OK at once.
  void ReleaseWaitCalls();

 private:
  class Service;

  TestBackend();

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace opsbrain::gateway::testing

#endif  // OPSBRAIN_TESTS_GATEWAY_TEST_BACKEND_H_
