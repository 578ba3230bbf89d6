// Shared pieces of the fault-injection tests: the real gateway binary in
// front of a storage service on loopback, the bearer token it knows, the
// shape of its JSON error bodies, and a PostgreSQL session for tests that
// hold locks or read rows behind the services' backs.
#ifndef OPSBRAIN_TESTS_FAULTS_FAULT_HELPERS_H_
#define OPSBRAIN_TESTS_FAULTS_FAULT_HELPERS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/rpc/status.pb.h"
#include "tests/gateway/gateway_process.h"
#include "tests/gateway/http_test_client.h"

struct pg_conn;

namespace opsbrain::testing {

// A test-only bearer token; the gateway holds its SHA-256 hash, with the
// read and write scopes.
inline constexpr char kFaultsToken[] =
    "opsb_faults-writer-7hQ8iR9jS0aT1bU2cV3dW4eX5fY6gZ";

// Starts the gateway binary on 127.0.0.1 in front of the storage service
// at 127.0.0.1:`storage_port` (plaintext), knowing kFaultsToken, with rate
// limiting off (the load tests would otherwise meet 429s) and text logs.
absl::StatusOr<std::unique_ptr<gateway::testing::GatewayProcess>> StartGateway(
    int storage_port);

// The Authorization header for kFaultsToken.
gateway::testing::TestHeaders AuthHeaders();
// AuthHeaders() and a JSON Content-Type, for requests with a body.
gateway::testing::TestHeaders JsonHeaders();

// Parses a gateway error body: a JSON google.rpc.Status with a code and a
// message. INVALID_ARGUMENT when the body is anything else.
absl::StatusOr<google::rpc::Status> ParseErrorBody(absl::string_view body);

// A libpq session of its own on a PostgreSQL database, for what a test
// does behind the services' backs (holding locks, reading rows).
class PgSession {
 public:
  static absl::StatusOr<std::unique_ptr<PgSession>> Connect(
      const std::string& url);
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;
  ~PgSession();

  // Runs `sql` with `params` bound to $1, $2... (as text) and returns its
  // rows, each column as text ("" for NULL).
  absl::StatusOr<std::vector<std::vector<std::string>>> Query(
      const std::string& sql, const std::vector<std::string>& params = {});
  // The single value of a one-row, one-column query.
  absl::StatusOr<std::string> Value(
      const std::string& sql, const std::vector<std::string>& params = {});

 private:
  explicit PgSession(pg_conn* connection) : connection_(connection) {}
  pg_conn* connection_;
};

}  // namespace opsbrain::testing

#endif  // OPSBRAIN_TESTS_FAULTS_FAULT_HELPERS_H_
