// HTTP clients for tests, on Boost.Beast: every operation is bounded by a
// timeout, so a test that talks to a broken server fails instead of hanging.
//
// Not thread-safe: one client per thread.
#ifndef OPSBRAIN_TESTS_GATEWAY_HTTP_TEST_CLIENT_H_
#define OPSBRAIN_TESTS_GATEWAY_HTTP_TEST_CLIENT_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace opsbrain::gateway::testing {

using TestHeaders = std::vector<std::pair<std::string, std::string>>;

struct TestResponse {
  int status = 0;
  TestHeaders headers;
  std::string body;
  bool keep_alive = false;

  // The first value of header `name` (any letter case), or "".
  std::string Header(absl::string_view name) const;
};

// One connection to 127.0.0.1:port, kept alive across requests and
// reopened when the server has closed it.
class HttpTestClient {
 public:
  explicit HttpTestClient(int port, absl::Duration timeout = absl::Seconds(10));
  HttpTestClient(const HttpTestClient&) = delete;
  HttpTestClient& operator=(const HttpTestClient&) = delete;
  ~HttpTestClient();

  // Sends one HTTP/1.1 request (Content-Length set from `body` when it is
  // not empty) and reads its response. UNAVAILABLE on a connection error,
  // DEADLINE_EXCEEDED when the exchange takes longer than the timeout.
  absl::StatusOr<TestResponse> Send(absl::string_view method,
                                    absl::string_view target,
                                    absl::string_view body = "",
                                    const TestHeaders& headers = {});

  // How many connections the client has opened so far.
  int connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Opens a connection, writes `bytes` exactly as given, half-closes the
// connection when `half_close`, and reads one response.
absl::StatusOr<TestResponse> SendRaw(
    int port, absl::string_view bytes, bool half_close = false,
    absl::Duration timeout = absl::Seconds(10));

// Opens a connection, writes `bytes`, and returns everything the server
// sends until it closes the connection (for exchanges of more than one
// response, such as "100 Continue" and then the answer).
absl::StatusOr<std::string> ReadUntilClosed(
    int port, absl::string_view bytes,
    absl::Duration timeout = absl::Seconds(10));

// Opens a connection, writes `bytes`, and waits for the server to close it.
// Returns how long that took; DEADLINE_EXCEEDED when it is still open after
// `timeout`; FAILED_PRECONDITION when the server sent data instead.
absl::StatusOr<absl::Duration> TimeUntilClosed(int port,
                                               absl::string_view bytes,
                                               absl::Duration timeout);

}  // namespace opsbrain::gateway::testing

#endif  // OPSBRAIN_TESTS_GATEWAY_HTTP_TEST_CLIENT_H_
