// The container's health probes, for a runtime image without a shell or
// curl: an HTTP GET on the gateway and a gRPC health check on the storage
// service, both on loopback, both bounded in time.
//
// Thread-safe: the functions share no state.
#ifndef OPSBRAIN_DEPLOY_HEALTHCHECK_PROBE_H_
#define OPSBRAIN_DEPLOY_HEALTHCHECK_PROBE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace opsbrain::deploy {

// Sends "GET `path`" to 127.0.0.1:`port` over HTTP/1.1 and returns the
// status code of the answer. UNAVAILABLE when nothing answers,
// DEADLINE_EXCEEDED past `timeout`, DATA_LOSS for an answer that is not
// HTTP.
absl::StatusOr<int> HttpGetStatus(int port, const std::string& path,
                                  absl::Duration timeout);

// Asks the standard gRPC health service at `address` (plaintext) about
// `service` ("" for the whole server) and returns its status name
// ("SERVING", "NOT_SERVING", ...). The call's error (UNAVAILABLE,
// DEADLINE_EXCEEDED, NOT_FOUND for an unknown service) otherwise.
absl::StatusOr<std::string> GrpcHealth(const std::string& address,
                                       const std::string& service,
                                       absl::Duration timeout);

// The port of a "host:port" address, as STORAGE_LISTEN holds it; 0 when
// there is none.
int PortOf(const std::string& address);

}  // namespace opsbrain::deploy

#endif  // OPSBRAIN_DEPLOY_HEALTHCHECK_PROBE_H_
