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

struct CallState {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
};

struct HealthState {
  grpc::ClientContext context;
  HealthCheckRequest request;
  HealthCheckResponse response;
};

std::string Flatten(grpc::ByteBuffer* buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer->Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// Calls `done` and destroys it before returning. gRPC destroys a callback
// only after it returns, which is after Unregister has let Shutdown return,
// so whatever `done` holds (the HTTP session that waits for the answer)
// must not be left to that destructor: the server that owns the session
// may already be gone.
template <typename Done, typename... Args>
void RunOnce(Done done, Args&&... args) {
  done(std::forward<Args>(args)...);
}

}  // namespace

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

void GrpcBackend::Call(BackendCall call, CallDone done) {
  auto state = std::make_shared<CallState>();
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
  // Built before HappensBefore so that the callback's captures count among
  // the writes the completing thread may read.
  std::function<void(grpc::Status)> on_done =
      [this, state, done = std::move(done)](grpc::Status status) mutable {
        HappensAfter(state.get());
        std::string response;
        if (status.ok()) response = Flatten(&state->response);
        RunOnce(std::move(done), std::move(status), std::move(response));
        // Last: Shutdown waits for this, and `this` may go right after.
        Unregister(&state->context);
      };
  HappensBefore(state.get());
  stub_.UnaryCall(&state->context, call.method, grpc::StubOptions(),
                  &state->request, &state->response, std::move(on_done));
}

void GrpcBackend::CheckHealth(absl::Time deadline, HealthDone done) {
  auto state = std::make_shared<HealthState>();
  state->context.set_deadline(absl::ToChronoTime(deadline));
  state->request.set_service("");

  if (!Register(&state->context)) {
    done(absl::UnavailableError("the gateway is shutting down"));
    return;
  }
  std::function<void(grpc::Status)> on_done = [this, state,
                                               done = std::move(done)](
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
    Unregister(&state->context);
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
      +[](absl::flat_hash_set<grpc::ClientContext*>* in_flight) {
        return in_flight->empty();
      },
      &in_flight_));
}

}  // namespace opsbrain::gateway
