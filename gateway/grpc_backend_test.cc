#include "gateway/grpc_backend.h"

#include <atomic>
#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"

namespace opsbrain::gateway {
namespace {

// Held by a `done` callback. Its destructor is slow, so that a destructor
// still running when Shutdown returns is seen as such.
class SlowToRelease {
 public:
  explicit SlowToRelease(std::atomic<bool>* released) : released_(released) {}
  ~SlowToRelease() {
    absl::SleepFor(absl::Milliseconds(300));
    released_->store(true);
  }

 private:
  std::atomic<bool>* released_;
};

// Nothing listens on port 1 of the loopback address: calls fail at once.
std::shared_ptr<grpc::Channel> ChannelToNobody() {
  return grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
}

// The gateway's HTTP server is destroyed once the backend has shut down;
// a callback that outlived Shutdown would release its HTTP session into a
// destroyed server.
TEST(GrpcBackendTest, ShutdownReturnsAfterTheCallbacksLetGoOfTheirCaptures) {
  std::atomic<bool> released{false};
  absl::Notification answered;
  grpc::StatusCode code = grpc::StatusCode::OK;
  {
    GrpcBackend backend(ChannelToNobody());
    auto held = std::make_shared<SlowToRelease>(&released);
    BackendCall call;
    call.method = "/opsbrain.v1.Repository/GetConfiguration";
    call.deadline = absl::Now() + absl::Seconds(10);
    backend.Call(std::move(call),
                 [held, &answered, &code](grpc::Status status, std::string) {
                   code = status.error_code();
                   answered.Notify();
                 });
    held.reset();
    ASSERT_TRUE(answered.WaitForNotificationWithTimeout(absl::Seconds(10)));
    backend.Shutdown();
    EXPECT_TRUE(released.load())
        << "a callback's captures were still alive after Shutdown returned";
  }
  EXPECT_EQ(code, grpc::StatusCode::UNAVAILABLE);
}

TEST(GrpcBackendTest, HealthCallbacksLetGoOfTheirCapturesBeforeShutdown) {
  std::atomic<bool> released{false};
  absl::Notification answered;
  bool healthy = true;
  GrpcBackend backend(ChannelToNobody());
  auto held = std::make_shared<SlowToRelease>(&released);
  backend.CheckHealth(absl::Now() + absl::Seconds(10),
                      [held, &answered, &healthy](absl::Status status) {
                        healthy = status.ok();
                        answered.Notify();
                      });
  held.reset();
  ASSERT_TRUE(answered.WaitForNotificationWithTimeout(absl::Seconds(10)));
  backend.Shutdown();
  EXPECT_TRUE(released.load());
  EXPECT_FALSE(healthy);
}

TEST(GrpcBackendTest, CallsAfterShutdownFailAtOnce) {
  GrpcBackend backend(ChannelToNobody());
  backend.Shutdown();
  grpc::StatusCode code = grpc::StatusCode::OK;
  backend.Call(BackendCall{"/opsbrain.v1.Repository/GetConfiguration", "", {}},
               [&code](grpc::Status status, std::string) {
                 code = status.error_code();
               });
  EXPECT_EQ(code, grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace opsbrain::gateway
