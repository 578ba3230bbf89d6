#include "tests/gateway/test_backend.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/server_context.h"
#include "opsbrain/gatewaytest/v1/gateway_test.grpc.pb.h"

namespace opsbrain::gateway::testing {

using ::google::protobuf::Empty;
using ::grpc::ServerContext;
using ::grpc::Status;
using ::opsbrain::gatewaytest::v1::EchoRequest;
using ::opsbrain::gatewaytest::v1::EchoResponse;
using ::opsbrain::gatewaytest::v1::FailRequest;
using ::opsbrain::gatewaytest::v1::WaitRequest;

// Calls in Wait never outlast this, whatever their deadline.
constexpr absl::Duration kMaxWait = absl::Seconds(10);

class TestBackend::Service final
    : public opsbrain::gatewaytest::v1::GatewayTest::Service {
 public:
  // Releases the calls waiting in Wait.
  void Stop() {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }

  // Makes the calls in Wait answer OK.
  void Release() {
    absl::MutexLock lock(&mu_);
    released_ = true;
  }

  Status GetThing(ServerContext* context, const EchoRequest* request,
                  EchoResponse* response) override {
    return Echo(context, "GetThing", *request, response);
  }
  Status ListThings(ServerContext* context, const EchoRequest* request,
                    EchoResponse* response) override {
    return Echo(context, "ListThings", *request, response);
  }
  Status CreateThing(ServerContext* context, const EchoRequest* request,
                     EchoResponse* response) override {
    return Echo(context, "CreateThing", *request, response);
  }
  Status ReplaceThing(ServerContext* context, const EchoRequest* request,
                      EchoResponse* response) override {
    return Echo(context, "ReplaceThing", *request, response);
  }
  Status UpdateParent(ServerContext* context, const EchoRequest* request,
                      EchoResponse* response) override {
    return Echo(context, "UpdateParent", *request, response);
  }
  Status DeleteThing(ServerContext* context, const EchoRequest* request,
                     EchoResponse* response) override {
    return Echo(context, "DeleteThing", *request, response);
  }
  Status ArchiveThing(ServerContext* context, const EchoRequest* request,
                      EchoResponse* response) override {
    return Echo(context, "ArchiveThing", *request, response);
  }
  Status GetFile(ServerContext* context, const EchoRequest* request,
                 EchoResponse* response) override {
    return Echo(context, "GetFile", *request, response);
  }
  Status GetBook(ServerContext* context, const EchoRequest* request,
                 EchoResponse* response) override {
    return Echo(context, "GetBook", *request, response);
  }
  Status SearchThings(ServerContext* context, const EchoRequest* request,
                      EchoResponse* response) override {
    return Echo(context, "SearchThings", *request, response);
  }

  Status Fail(ServerContext*, const FailRequest* request, Empty*) override {
    const auto code = static_cast<grpc::StatusCode>(request->code());
    if (!request->with_detail()) return Status(code, request->message());
    google::rpc::Status details;
    details.set_code(request->code());
    details.set_message(request->message());
    google::protobuf::StringValue detail;
    detail.set_value("a detail");
    details.add_details()->PackFrom(detail);
    return Status(code, request->message(), details.SerializeAsString());
  }

  // Stands for a storage service that is too slow: answers only after the
  // caller's deadline, unless the test releases it first (then OK).
  Status Wait(ServerContext* context, const WaitRequest*, Empty*) override {
    const absl::Time deadline =
        std::min(absl::FromChrono(context->deadline()), absl::Now() + kMaxWait);
    absl::MutexLock lock(&mu_);
    ++wait_calls_;
    mu_.AwaitWithDeadline(absl::Condition(this, &Service::DoneWaiting),
                          deadline);
    if (released_) return Status::OK;
    return Status(grpc::StatusCode::DEADLINE_EXCEEDED, "too slow");
  }

 private:
  static Status Echo(ServerContext* context, const char* rpc,
                     const EchoRequest& request, EchoResponse* response) {
    response->set_rpc(rpc);
    *response->mutable_request() = request;
    for (const auto& [key, value] : context->client_metadata()) {
      const std::string name(key.data(), key.size());
      if (absl::StartsWith(name, "x-") || name == "traceparent" ||
          name == "if-match") {
        (*response->mutable_metadata())[name] =
            std::string(value.data(), value.size());
      }
    }
    return Status::OK;
  }

  bool DoneWaiting() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopped_ || released_;
  }

  absl::Mutex mu_;
  int wait_calls_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;

  friend class TestBackend;
};

TestBackend::TestBackend() : service_(std::make_unique<Service>()) {}

TestBackend::~TestBackend() {
  service_->Stop();
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(5));
  }
}

absl::StatusOr<std::unique_ptr<TestBackend>> TestBackend::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  std::unique_ptr<TestBackend> backend(new TestBackend());
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(backend->service_.get());
  backend->server_ = builder.BuildAndStart();
  if (backend->server_ == nullptr || port == 0) {
    return absl::UnavailableError("the test gRPC server did not start");
  }
  backend->address_ = absl::StrCat("127.0.0.1:", port);
  backend->SetServing(true);
  return backend;
}

bool TestBackend::AwaitWaitCalls(int count, absl::Duration timeout) {
  Service& service = *service_;
  absl::MutexLock lock(&service.mu_);
  // Runs under service.mu_, as the condition of AwaitWithTimeout.
  const auto reached = [&service, count]() {
    return service.wait_calls_ >= count;
  };
  return service.mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

void TestBackend::ReleaseWaitCalls() { service_->Release(); }

void TestBackend::SetServing(bool serving) {
  server_->GetHealthCheckService()->SetServingStatus("", serving);
}

}  // namespace opsbrain::gateway::testing
