// Cross-origin resource sharing for browser clients: which origins may call
// the gateway, and the headers that say so.
//
// Off unless origins are configured. Origins compare exactly (scheme, host
// and port as the browser sends them in `Origin`); "*" allows any origin.
// Allowed origins get their own origin echoed (never "*", so that the
// answer is right with or without credentials) and `Vary: Origin`.
//
// Thread-safe: immutable once created.
#ifndef OPSBRAIN_GATEWAY_CORS_H_
#define OPSBRAIN_GATEWAY_CORS_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/http_types.h"

namespace opsbrain::gateway {

class CorsPolicy {
 public:
  // A disabled policy.
  CorsPolicy() = default;

  // Each origin must be "*" or "http(s)://host[:port]" without a path;
  // INVALID_ARGUMENT naming the first that is not. An empty list is a
  // disabled policy. `request_headers`: the request headers a browser may
  // send (besides the CORS-safelisted ones).
  static absl::StatusOr<CorsPolicy> Create(
      const std::vector<std::string>& origins,
      std::vector<std::string> request_headers);

  bool enabled() const { return any_ || !origins_.empty(); }
  bool Allows(absl::string_view origin) const;

  // The headers of an answer to a request from an allowed `origin`:
  // Access-Control-Allow-Origin, Access-Control-Expose-Headers, Vary.
  std::vector<HttpHeader> ResponseHeaders(absl::string_view origin) const;

  // The headers of a 204 answer to a preflight from an allowed `origin`
  // for a path that serves `methods`.
  std::vector<HttpHeader> PreflightHeaders(
      absl::string_view origin, const std::vector<std::string>& methods) const;

 private:
  bool any_ = false;
  absl::flat_hash_set<std::string> origins_;
  std::string allow_headers_;
};

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_CORS_H_
