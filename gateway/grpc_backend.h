// The storage service over gRPC: every Repository method goes out through
// one grpc::GenericStub as serialized bytes, so the gateway holds no code per
// RPC. Calls use gRPC's callback API and never block a caller's thread.
//
// Thread-safe.
#ifndef OPSBRAIN_GATEWAY_GRPC_BACKEND_H_
#define OPSBRAIN_GATEWAY_GRPC_BACKEND_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/backend.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"

namespace opsbrain::gateway {

class GrpcBackend : public Backend {
 public:
  explicit GrpcBackend(std::shared_ptr<grpc::Channel> channel);
  GrpcBackend(const GrpcBackend&) = delete;
  GrpcBackend& operator=(const GrpcBackend&) = delete;
  // Shuts down (see Shutdown).
  ~GrpcBackend() override;

  // A call that cannot reach the service fails at once with UNAVAILABLE
  // (calls do not wait for the channel to become ready).
  void Call(BackendCall call, CallDone done) override;
  void CheckHealth(absl::Time deadline, HealthDone done) override;

  // Cancels the calls in flight and waits until their `done` callbacks have
  // returned and their state is gone; calls made afterwards fail at once
  // with UNAVAILABLE.
  void Shutdown();

 private:
  // One call's context and messages, and what counts it (grpc_backend.cc).
  template <typename Request, typename Response>
  class CallState;
  class Lifetime;

  // False once shut down.
  bool Register(grpc::ClientContext* context);
  void Unregister(grpc::ClientContext* context);
  void StateBorn();
  void StateGone();

  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;

  absl::Mutex mu_;
  // The contexts Shutdown cancels.
  absl::flat_hash_set<grpc::ClientContext*> in_flight_ ABSL_GUARDED_BY(mu_);
  // Call states not yet destroyed; Shutdown waits for none.
  int live_states_ ABSL_GUARDED_BY(mu_) = 0;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_GRPC_BACKEND_H_
