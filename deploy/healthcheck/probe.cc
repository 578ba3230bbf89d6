#include "deploy/healthcheck/probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace opsbrain::deploy {
namespace {

// Closes the socket when the probe returns.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  const int fd_;
};

// Waits until `fd` is ready for `events` or `deadline` passes.
absl::Status WaitFor(int fd, short events, absl::Time deadline) {
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError("no answer in time");
    }
    struct pollfd poll_fd = {fd, events, 0};
    const int ready = poll(
        &poll_fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready > 0) return absl::OkStatus();
    if (ready < 0 && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("poll: ", strerror(errno)));
    }
  }
}

}  // namespace

absl::StatusOr<int> HttpGetStatus(int port, const std::string& path,
                                  absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  Socket socket(
      ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (socket.fd() < 0) {
    return absl::UnavailableError(absl::StrCat("socket: ", strerror(errno)));
  }

  // Connect.
  struct sockaddr_in address;
  memset(&address, 0, sizeof(address));
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(socket.fd(), reinterpret_cast<struct sockaddr*>(&address),
              sizeof(address)) != 0) {
    if (errno != EINPROGRESS) {
      return absl::UnavailableError(absl::StrCat(
          "cannot connect to 127.0.0.1:", port, ": ", strerror(errno)));
    }
    absl::Status writable = WaitFor(socket.fd(), POLLOUT, deadline);
    if (!writable.ok()) return writable;
    int error = 0;
    socklen_t length = sizeof(error);
    getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      return absl::UnavailableError(absl::StrCat(
          "cannot connect to 127.0.0.1:", port, ": ", strerror(error)));
    }
  }

  // Send the request.
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1:", port,
                   "\r\nUser-Agent: opsbrain-healthcheck\r\n"
                   "Connection: close\r\n\r\n");
  size_t sent = 0;
  while (sent < request.size()) {
    absl::Status writable = WaitFor(socket.fd(), POLLOUT, deadline);
    if (!writable.ok()) return writable;
    const ssize_t n = send(socket.fd(), request.data() + sent,
                           request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) {
      return absl::UnavailableError(absl::StrCat("send: ", strerror(errno)));
    }
    sent += static_cast<size_t>(n);
  }

  // Read the status line: "HTTP/1.1 200 OK".
  std::string answer;
  while (answer.find("\r\n") == std::string::npos) {
    absl::Status readable = WaitFor(socket.fd(), POLLIN, deadline);
    if (!readable.ok()) return readable;
    char buffer[512];
    const ssize_t n = recv(socket.fd(), buffer, sizeof(buffer), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  absl::string_view line = answer;
  line = line.substr(0, line.find("\r\n"));
  int status = 0;
  if (line.substr(0, 5) != "HTTP/" || line.find(' ') == line.npos ||
      !absl::SimpleAtoi(line.substr(line.find(' ') + 1, 3), &status)) {
    return absl::DataLossError(
        absl::StrCat("not an HTTP answer from 127.0.0.1:", port));
  }
  return status;
}

absl::StatusOr<std::string> GrpcHealth(const std::string& address,
                                       const std::string& service,
                                       absl::Duration timeout) {
  std::unique_ptr<grpc::health::v1::Health::Stub> health =
      grpc::health::v1::Health::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = health->Check(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
      response.status());
}

int PortOf(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(address).substr(colon + 1), &port) ||
      port <= 0 || port > 65535) {
    return 0;
  }
  return port;
}

}  // namespace opsbrain::deploy
