#include "tests/hostile/raw_exchange.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace opsbrain::hostile {
namespace {

// Closes the socket when it goes out of scope.
class Socket {
 public:
  Socket() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  const int fd_;
};

absl::Status Connect(const Socket& socket, int port) {
  if (socket.fd() < 0) return absl::InternalError("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(socket.fd(), reinterpret_cast<sockaddr*>(&address),
              sizeof(address)) != 0) {
    return absl::UnavailableError(
        absl::StrCat("connect to port ", port, ": errno ", errno));
  }
  return absl::OkStatus();
}

int MillisUntil(absl::Time deadline) {
  return static_cast<int>(std::max<int64_t>(
      0, absl::ToInt64Milliseconds(deadline - absl::Now()) + 1));
}

// Reads what is there within `wait`. False once the server has closed
// (EOF or reset).
bool ReadSome(int fd, absl::Duration wait, std::string* received) {
  pollfd poller{fd, POLLIN, 0};
  if (poll(&poller, 1, MillisUntil(absl::Now() + wait)) <= 0) return true;
  char buffer[65536];
  const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
  if (n > 0) {
    received->append(buffer, n);
    return true;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  return false;  // 0: EOF; else a reset.
}

// Sends what the server takes of `bytes` within the deadline; stops at a
// reset or a close (the server may refuse the rest, e.g. a header flood).
void WriteAll(int fd, absl::string_view bytes, absl::Time deadline,
              std::string* received, bool* closed) {
  while (!bytes.empty() && absl::Now() < deadline) {
    pollfd poller{fd, POLLOUT | POLLIN, 0};
    if (poll(&poller, 1, MillisUntil(deadline)) <= 0) continue;
    if (poller.revents & POLLIN) {
      // An early answer; keep it, and keep writing unless it closed.
      if (!ReadSome(fd, absl::ZeroDuration(), received)) {
        *closed = true;
        return;
      }
    }
    if (!(poller.revents & POLLOUT)) continue;
    const ssize_t n =
        send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return;  // EPIPE or ECONNRESET: the server stopped reading.
    }
    bytes.remove_prefix(n);
  }
}

RawExchange Finish(std::string received, bool closed, absl::Time start) {
  RawExchange exchange;
  exchange.closed = closed;
  exchange.elapsed = absl::Now() - start;
  exchange.responses = SplitResponses(received, &exchange.trailing);
  return exchange;
}

}  // namespace

std::string RawResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

std::vector<RawResponse> SplitResponses(absl::string_view stream,
                                        std::string* trailing) {
  std::vector<RawResponse> responses;
  while (!stream.empty()) {
    const size_t head_end = stream.find("\r\n\r\n");
    if (head_end == absl::string_view::npos) break;
    std::vector<absl::string_view> lines =
        absl::StrSplit(stream.substr(0, head_end), "\r\n");
    // "HTTP/1.1 400 Bad Request"
    std::vector<absl::string_view> words =
        absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
    RawResponse response;
    if (words.size() < 2 || !absl::StartsWith(words[0], "HTTP/1.") ||
        !absl::SimpleAtoi(words[1], &response.status)) {
      break;
    }
    size_t length = 0;
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t colon = lines[i].find(':');
      if (colon == absl::string_view::npos) continue;
      std::string name(lines[i].substr(0, colon));
      std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
      if (absl::EqualsIgnoreCase(name, "Content-Length")) {
        absl::SimpleAtoi(value, &length);
      }
      response.headers.emplace_back(std::move(name), std::move(value));
    }
    const size_t body_start = head_end + 4;
    if (stream.size() - body_start < length) break;
    response.body = std::string(stream.substr(body_start, length));
    stream.remove_prefix(body_start + length);
    if (response.status >= 100 && response.status < 200) continue;
    responses.push_back(std::move(response));
  }
  *trailing = std::string(stream);
  return responses;
}

absl::StatusOr<RawExchange> SendAll(int port, absl::string_view bytes,
                                    absl::Duration timeout) {
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + timeout;
  Socket socket;
  if (absl::Status connected = Connect(socket, port); !connected.ok()) {
    return connected;
  }
  std::string received;
  bool closed = false;
  WriteAll(socket.fd(), bytes, deadline, &received, &closed);
  shutdown(socket.fd(), SHUT_WR);
  while (!closed && absl::Now() < deadline) {
    closed = !ReadSome(socket.fd(), deadline - absl::Now(), &received);
  }
  return Finish(std::move(received), closed, start);
}

absl::StatusOr<RawExchange> Trickle(int port, absl::string_view bytes,
                                    absl::Duration interval,
                                    absl::Duration timeout) {
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + timeout;
  Socket socket;
  if (absl::Status connected = Connect(socket, port); !connected.ok()) {
    return connected;
  }
  std::string received;
  bool closed = false;
  while (!closed && absl::Now() < deadline) {
    if (!bytes.empty()) {
      if (send(socket.fd(), bytes.data(), 1, MSG_NOSIGNAL) != 1) {
        closed = true;  // EPIPE or a reset: the server closed it.
        break;
      }
      bytes.remove_prefix(1);
    }
    closed = !ReadSome(socket.fd(), interval, &received);
  }
  return Finish(std::move(received), closed, start);
}

}  // namespace opsbrain::hostile
