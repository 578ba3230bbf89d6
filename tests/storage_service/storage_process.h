// The storage_service binary as a child process, and clients of it, for the
// suites that drive the real binary over gRPC on loopback.
#ifndef OPSBRAIN_TESTS_STORAGE_SERVICE_STORAGE_PROCESS_H_
#define OPSBRAIN_TESTS_STORAGE_SERVICE_STORAGE_PROCESS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "opsbrain/v1/internal.grpc.pb.h"
#include "opsbrain/v1/repository.grpc.pb.h"
#include "tests/util/subprocess.h"

namespace opsbrain::testing {

inline constexpr absl::Duration kStartTimeout = absl::Seconds(30);

class StorageProcess {
 public:
  // Starts the binary on `database_url` with `--listen=127.0.0.1:0` and
  // `flags`, and waits until it listens. With a --metrics_listen flag it
  // also learns the metrics port.
  static absl::StatusOr<std::unique_ptr<StorageProcess>> Start(
      const std::string& database_url, std::vector<std::string> flags = {});

  std::unique_ptr<v1::Repository::Stub> Repository();
  std::unique_ptr<v1::Schema::Stub> Schema();

  // The health service's answer for `service` (5 s deadline); UNKNOWN, and
  // a test failure, when the call fails.
  grpc::health::v1::HealthCheckResponse::ServingStatus Health(
      const std::string& service = "");

  // The body of GET /metrics; FAILED_PRECONDITION without --metrics_listen.
  absl::StatusOr<std::string> ScrapeMetrics();

  int port() const { return port_; }
  Subprocess& process() { return *process_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  StorageProcess() = default;

  std::unique_ptr<Subprocess> process_;
  std::shared_ptr<grpc::Channel> channel_;
  int port_ = 0;
  int metrics_port_ = 0;
};

// A deadline `timeout` from now, and the caller's scopes and actor when
// given.
void Prepare(grpc::ClientContext* context, const std::string& scopes = "",
             const std::string& actor = "",
             absl::Duration timeout = absl::Seconds(10));

// The value of the sample `series` (a metric name with its labels, exactly
// as exposed) in a metrics page; nullopt when absent.
std::optional<double> SampleValue(const std::string& page,
                                  const std::string& series);

}  // namespace opsbrain::testing

#endif  // OPSBRAIN_TESTS_STORAGE_SERVICE_STORAGE_PROCESS_H_
