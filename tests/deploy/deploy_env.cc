#include "tests/deploy/deploy_env.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "boost/beast/http.hpp"
#include "openssl/sha.h"

namespace opsbrain::testing::deploy {
namespace {

constexpr char kListeningOn[] = "listening on 127.0.0.1:";
constexpr absl::Duration kStartTimeout = absl::Seconds(30);
constexpr absl::Duration kStopTimeout = absl::Seconds(20);

std::string TestTmpDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

// Waits for the exit and for the whole output: Subprocess::Wait may return
// before its reader has drained the pipe, and WaitForLine returns once the
// pipe is closed when its needle never comes.
absl::StatusOr<int> WaitAndDrain(Subprocess& process, absl::Duration timeout) {
  absl::StatusOr<int> code = process.Wait(timeout);
  if (!code.ok()) return code;
  (void)process.WaitForLine("\x1f(no such line)\x1f", absl::Seconds(5));
  return code;
}

// The argv that runs `binary` in `working_directory` (coreutils env).
std::vector<std::string> InDirectory(const std::string& working_directory,
                                     const std::string& binary,
                                     const std::vector<std::string>& args) {
  std::vector<std::string> argv = {
      "/usr/bin/env", absl::StrCat("--chdir=", working_directory), binary};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

absl::StatusOr<std::string> BuildFixtureOnce() {
  const std::string path =
      absl::StrCat(NewDirectory("legacy-fixture"), "/opsbrain.db");
  ProcessRun run = RunToEnd(
      "/bin/bash",
      {RunfilePath("tests/migrator/testdata/make_opsbrain_db.sh"), path},
      {{"ANCHOR", "now"}}, TestTmpDir());
  if (run.exit_code != 0) {
    return absl::InternalError(
        absl::StrCat("make_opsbrain_db.sh failed: ", run.output));
  }
  return path;
}

}  // namespace

std::string StorageBinary() {
  return RunfilePath("storage_service/storage_service");
}
std::string GatewayBinary() { return RunfilePath("gateway/gateway"); }
std::string MigratorBinary() { return RunfilePath("migrator/migrator"); }
std::string HealthcheckBinary() {
  return RunfilePath("deploy/healthcheck/healthcheck");
}

std::string NewDirectory(const std::string& name) {
  static std::atomic<int> counter{0};
  const std::string dir = absl::StrCat(TestTmpDir(), "/", name, "-", getpid(),
                                       "-", counter.fetch_add(1));
  mkdir(dir.c_str(), 0755);
  return dir;
}

std::vector<std::string> ListDirectory(const std::string& dir) {
  std::vector<std::string> names;
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) return names;
  while (dirent* entry = readdir(handle)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(handle);
  return names;
}

absl::Status RemoveTree(const std::string& path) {
  struct stat info;
  if (lstat(path.c_str(), &info) != 0) {
    return errno == ENOENT ? absl::OkStatus()
                           : absl::InternalError(absl::StrCat(
                                 "lstat ", path, ": ", strerror(errno)));
  }
  if (S_ISDIR(info.st_mode)) {
    for (const std::string& name : ListDirectory(path)) {
      absl::Status removed = RemoveTree(absl::StrCat(path, "/", name));
      if (!removed.ok()) return removed;
    }
    if (rmdir(path.c_str()) != 0) {
      return absl::InternalError(
          absl::StrCat("rmdir ", path, ": ", strerror(errno)));
    }
    return absl::OkStatus();
  }
  if (unlink(path.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("unlink ", path, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

std::string Service::address() const {
  return absl::StrCat("127.0.0.1:", port);
}

absl::StatusOr<Service> StartService(
    const std::string& binary, const std::vector<std::string>& args,
    const std::map<std::string, std::string>& env,
    const std::string& working_directory) {
  Service service;
  service.working_directory = working_directory;
  absl::StatusOr<std::unique_ptr<Subprocess>> process =
      Subprocess::Start(InDirectory(working_directory, binary, args), env);
  if (!process.ok()) return process.status();
  service.process = *std::move(process);
  absl::StatusOr<std::string> line =
      service.process->WaitForLine(kListeningOn, kStartTimeout);
  if (!line.ok()) return line.status();
  absl::string_view rest = absl::string_view(*line).substr(
      line->find(kListeningOn) + sizeof(kListeningOn) - 1);
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
    ++digits;
  }
  if (!absl::SimpleAtoi(rest.substr(0, digits), &service.port)) {
    return absl::InternalError(absl::StrCat("no port in: ", *line));
  }
  return service;
}

absl::StatusOr<int> StopService(Service& service) {
  absl::Status signalled = service.process->Signal(SIGTERM);
  if (!signalled.ok()) return signalled;
  return service.process->Wait(kStopTimeout);
}

ProcessRun RunToEnd(const std::string& binary,
                    const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env,
                    const std::string& working_directory,
                    absl::Duration timeout) {
  ProcessRun run;
  absl::StatusOr<std::unique_ptr<Subprocess>> process =
      Subprocess::Start(InDirectory(working_directory, binary, args), env);
  if (!process.ok()) {
    run.output = std::string(process.status().message());
    return run;
  }
  absl::StatusOr<int> code = WaitAndDrain(**process, timeout);
  run.output = (*process)->output();
  if (code.ok()) run.exit_code = *code;
  if (!code.ok()) absl::StrAppend(&run.output, "\n", code.status().message());
  return run;
}

ProcessRun AwaitHealthy(const std::vector<std::string>& args,
                        absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  ProcessRun run;
  do {
    run = RunToEnd(HealthcheckBinary(), args, {}, TestTmpDir(),
                   absl::Seconds(10));
    if (run.exit_code == 0) break;
    absl::SleepFor(absl::Milliseconds(100));  // a poll interval, bounded
  } while (absl::Now() < deadline);
  return run;
}

absl::StatusOr<HttpResponse> Http(int port, const std::string& method,
                                  const std::string& target,
                                  const std::string& body,
                                  const std::string& token,
                                  absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};

  struct sockaddr_in address;
  memset(&address, 0, sizeof(address));
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<struct sockaddr*>(&address),
              sizeof(address)) != 0) {
    return absl::UnavailableError(
        absl::StrCat("connect 127.0.0.1:", port, ": ", strerror(errno)));
  }

  std::string request = absl::StrCat(method, " ", target,
                                     " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     "Connection: close\r\n");
  if (!token.empty()) {
    absl::StrAppend(&request, "Authorization: Bearer ", token, "\r\n");
  }
  if (!body.empty()) {
    absl::StrAppend(&request, "Content-Type: application/json\r\n");
  }
  absl::StrAppend(&request, "Content-Length: ", body.size(), "\r\n\r\n", body);
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n =
        send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::UnavailableError(strerror(errno));
    sent += static_cast<size_t>(n);
  }

  // Connection: close, so the answer ends where the stream does.
  std::string answer;
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat(method, " ", target, ": no whole answer in time"));
    }
    struct pollfd poll_fd = {fd, POLLIN, 0};
    const int ready = poll(
        &poll_fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[16384];
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }

  namespace http = boost::beast::http;
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  boost::beast::error_code error;
  parser.put(boost::asio::buffer(answer), error);
  if (!error && !parser.is_done()) parser.put_eof(error);
  if (error) {
    return absl::DataLossError(
        absl::StrCat(method, " ", target,
                     ": unparseable answer: ", error.message(), "\n", answer));
  }
  HttpResponse response;
  response.status = static_cast<int>(parser.get().result_int());
  response.body = parser.get().body();
  return response;
}

std::string TokenFileLine(const std::string& name, const std::string& token,
                          const std::string& scopes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         digest);
  return absl::StrCat(
      name, " sha256:",
      absl::BytesToHexString(absl::string_view(
          reinterpret_cast<const char*>(digest), sizeof(digest))),
      " scopes=", scopes);
}

absl::Status CopyLegacyFixture(const std::string& path) {
  static const auto* const fixture =
      new absl::StatusOr<std::string>(BuildFixtureOnce());
  if (!fixture->ok()) return fixture->status();
  absl::StatusOr<std::string> content = ReadFile(**fixture);
  if (!content.ok()) return content.status();
  return WriteFile(path, *content);
}

}  // namespace opsbrain::testing::deploy
