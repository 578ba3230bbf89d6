// A tiny HTTP/1.1 endpoint that serves a metrics::Registry at GET /metrics
// (Prometheus text format), on its own port, apart from the program's API.
//
//   absl::StatusOr<std::unique_ptr<MetricsHttpServer>> server =
//       MetricsHttpServer::Start("127.0.0.1:9090", &registry);
//
// GET and HEAD of /metrics (any query string) answer 200; other paths 404;
// other methods 405. Requests carry no body worth reading: headers over
// 8 KiB or a body over 1 KiB end the connection with 400. Each request
// must arrive within 10 seconds; a client that stalls is cut off. One
// thread serves every connection; keep-alive is honoured.
//
// Thread-safety: Start and the destructor from one thread; the registry
// is read on the server's thread.
#ifndef OPSBRAIN_COMMON_METRICS_HTTP_SERVER_H_
#define OPSBRAIN_COMMON_METRICS_HTTP_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/metrics.h"

namespace opsbrain::metrics {

// host:port split for listening: "127.0.0.1:9090", "[::1]:9090", ":9090"
// (every interface). INVALID_ARGUMENT otherwise.
struct ListenAddress {
  std::string host;
  int port = 0;
};
absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view listen);

class MetricsHttpServer {
 public:
  // Binds `listen` (port 0 picks a free port) and starts serving
  // `registry`, which must outlive the server. INVALID_ARGUMENT for a bad
  // address, UNAVAILABLE when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      absl::string_view listen, const Registry* registry);

  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;
  // Stops serving and drops open connections.
  ~MetricsHttpServer();

  // The bound port.
  int port() const;

 private:
  struct Impl;
  explicit MetricsHttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace opsbrain::metrics

#endif  // OPSBRAIN_COMMON_METRICS_HTTP_SERVER_H_
