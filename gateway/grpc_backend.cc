#include "gateway/grpc_backend.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
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
  stub_.UnaryCall(&state->context, call.method, grpc::StubOptions(),
                  &state->request, &state->response,
                  [this, state, done = std::move(done)](grpc::Status status) {
                    std::string response;
                    if (status.ok()) response = Flatten(&state->response);
                    done(std::move(status), std::move(response));
                    // Last: Shutdown waits for this, and `this` may go right
                    // after.
                    Unregister(&state->context);
                  });
}

void GrpcBackend::CheckHealth(absl::Time deadline, HealthDone done) {
  auto state = std::make_shared<HealthState>();
  state->context.set_deadline(absl::ToChronoTime(deadline));
  state->request.set_service("");

  if (!Register(&state->context)) {
    done(absl::UnavailableError("the gateway is shutting down"));
    return;
  }
  health_->async()->Check(
      &state->context, &state->request, &state->response,
      [this, state, done = std::move(done)](grpc::Status status) {
        if (!status.ok()) {
          done(absl::UnavailableError(
              absl::StrCat("health check failed: ", status.error_message())));
        } else if (state->response.status() != HealthCheckResponse::SERVING) {
          done(absl::UnavailableError(
              absl::StrCat("the storage service reports ",
                           HealthCheckResponse::ServingStatus_Name(
                               state->response.status()))));
        } else {
          done(absl::OkStatus());
        }
        Unregister(&state->context);
      });
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
