#include "gateway/grpc_backend.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/tsan_annotations.h"
#include "gateway/backend.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"
#include "grpcpp/support/status.h"

namespace opsbrain::gateway {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

std::string Flatten(grpc::ByteBuffer* buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer->Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// Calls `done` and destroys it before returning, while the call's state
// still holds Shutdown back: whatever `done` holds (the HTTP session that
// waits for the answer) must be gone before the server that owns it is.
template <typename Done, typename... Args>
void RunOnce(Done done, Args&&... args) {
  done(std::forward<Args>(args)...);
}

}  // namespace

// Counts a call's state from its construction to the end of its
// destruction.
class GrpcBackend::Lifetime {
 public:
  explicit Lifetime(GrpcBackend* backend) : backend_(backend) {
    backend_->StateBorn();
  }
  Lifetime(const Lifetime&) = delete;
  Lifetime& operator=(const Lifetime&) = delete;
  ~Lifetime() { backend_->StateGone(); }

  GrpcBackend* backend() const { return backend_; }

 private:
  GrpcBackend* backend_;
};

// The callback that gRPC holds keeps the state; gRPC drops it after the
// callback returns, on its own thread. Shutdown waits for the state's end,
// not only the callback's: the ClientContext's destructor (inside
// libgrpc++) drops a reference to the channel that ~GrpcBackend drops too.
template <typename Request, typename Response>
class GrpcBackend::CallState {
 public:
  explicit CallState(GrpcBackend* backend) : lifetime_(backend) {}
  CallState(const CallState&) = delete;
  CallState& operator=(const CallState&) = delete;
  // Before the context goes: Shutdown must not cancel a destroyed one.
  ~CallState() { lifetime_.backend()->Unregister(&context); }

 private:
  // First, so destroyed last, after the context.
  Lifetime lifetime_;

 public:
  grpc::ClientContext context;
  Request request;
  Response response;
};

GrpcBackend::GrpcBackend(std::shared_ptr<grpc::Channel> channel)
    : channel_(std::move(channel)),
      stub_(channel_),
      health_(grpc::health::v1::Health::NewStub(channel_)) {}

GrpcBackend::~GrpcBackend() { Shutdown(); }

bool GrpcBackend::Register(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return false;
  in_flight_.insert(context);
  return true;
}

void GrpcBackend::Unregister(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  in_flight_.erase(context);
}

void GrpcBackend::StateBorn() {
  absl::MutexLock lock(&mu_);
  ++live_states_;
}

void GrpcBackend::StateGone() {
  // The last use of `this`: Shutdown may return as soon as this unlocks.
  absl::MutexLock lock(&mu_);
  --live_states_;
}

void GrpcBackend::Call(BackendCall call, CallDone done) {
  auto state =
      std::make_shared<CallState<grpc::ByteBuffer, grpc::ByteBuffer>>(this);
  for (auto& [key, value] : call.metadata) {
    state->context.AddMetadata(key, value);
  }
  state->context.set_deadline(absl::ToChronoTime(call.deadline));
  grpc::Slice slice(call.request);
  state->request = grpc::ByteBuffer(&slice, 1);

  if (!Register(&state->context)) {
    done(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "the gateway is shutting down"),
         "");
    return;
  }
  // gRPC copies the callback inside CallbackUnaryCallImpl, after
  // HappensBefore; that copy is gRPC's hand-over (tools/sanitizers/
  // tsan.supp). The annotations order the call's own state.
  std::function<void(grpc::Status)> on_done =
      [state, done = std::move(done)](grpc::Status status) mutable {
        HappensAfter(state.get());
        std::string response;
        if (status.ok()) response = Flatten(&state->response);
        RunOnce(std::move(done), std::move(status), std::move(response));
      };
  HappensBefore(state.get());
  stub_.UnaryCall(&state->context, call.method, grpc::StubOptions(),
                  &state->request, &state->response, std::move(on_done));
}

void GrpcBackend::CheckHealth(absl::Time deadline, HealthDone done) {
  auto state =
      std::make_shared<CallState<HealthCheckRequest, HealthCheckResponse>>(
          this);
  state->context.set_deadline(absl::ToChronoTime(deadline));
  state->request.set_service("");

  if (!Register(&state->context)) {
    done(absl::UnavailableError("the gateway is shutting down"));
    return;
  }
  std::function<void(grpc::Status)> on_done = [state, done = std::move(done)](
                                                  grpc::Status status) mutable {
    HappensAfter(state.get());
    absl::Status health = absl::OkStatus();
    if (!status.ok()) {
      health = absl::UnavailableError(
          absl::StrCat("health check failed: ", status.error_message()));
    } else if (state->response.status() != HealthCheckResponse::SERVING) {
      health = absl::UnavailableError(absl::StrCat(
          "the storage service reports ",
          HealthCheckResponse::ServingStatus_Name(state->response.status())));
    }
    RunOnce(std::move(done), std::move(health));
  };
  HappensBefore(state.get());
  health_->async()->Check(&state->context, &state->request, &state->response,
                          std::move(on_done));
}

void GrpcBackend::Shutdown() {
  absl::MutexLock lock(&mu_);
  shut_down_ = true;
  for (grpc::ClientContext* context : in_flight_) context->TryCancel();
  mu_.Await(absl::Condition(
      +[](int* live_states) { return *live_states == 0; }, &live_states_));
}

}  // namespace opsbrain::gateway
