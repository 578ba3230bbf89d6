// Raw exchanges with an HTTP server over a TCP socket to 127.0.0.1, for
// bytes that no HTTP client library would send: the request goes as it is,
// and everything the server answers is kept and split into responses.
// Every exchange is bounded in time.
#ifndef OPSBRAIN_TESTS_HOSTILE_RAW_EXCHANGE_H_
#define OPSBRAIN_TESTS_HOSTILE_RAW_EXCHANGE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace opsbrain::hostile {

struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first value of header `name` (any letter case), or "".
  std::string Header(absl::string_view name) const;
};

struct RawExchange {
  // The final (non-1xx) responses, in order.
  std::vector<RawResponse> responses;
  // The server closed the connection (EOF or reset) before the deadline.
  bool closed = false;
  // Bytes after the last whole response (a torn or non-HTTP answer).
  std::string trailing;
  // From connect until the server closed it (or the deadline).
  absl::Duration elapsed;
};

// Writes `bytes` (as far as the server takes them), half-closes, and reads
// until the server closes the connection or `timeout` passes.
absl::StatusOr<RawExchange> SendAll(int port, absl::string_view bytes,
                                    absl::Duration timeout);

// Writes `bytes` one at a time, `interval` apart, never half-closing, until
// the server closes the connection or `timeout` passes (after the bytes run
// out it only waits).
absl::StatusOr<RawExchange> Trickle(int port, absl::string_view bytes,
                                    absl::Duration interval,
                                    absl::Duration timeout);

// Splits a byte stream into HTTP/1.x responses (Content-Length bodies);
// 1xx responses are dropped. What does not parse ends up in `*trailing`.
std::vector<RawResponse> SplitResponses(absl::string_view stream,
                                        std::string* trailing);

}  // namespace opsbrain::hostile

#endif  // OPSBRAIN_TESTS_HOSTILE_RAW_EXCHANGE_H_
