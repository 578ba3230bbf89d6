#include "tests/gateway/gateway_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/util/subprocess.h"

extern char** environ;

namespace opsbrain::gateway::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(10);
constexpr absl::Duration kStopTimeout = absl::Seconds(10);
constexpr absl::string_view kListening = "listening on 127.0.0.1:";

std::string RunfilesPath(absl::string_view binary) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) return std::string(binary);
  return absl::StrCat(srcdir, "/", workspace, "/", binary);
}

}  // namespace

GatewayProcess::GatewayProcess(pid_t pid, int stderr_fd)
    : pid_(pid), stderr_fd_(stderr_fd) {
  reader_ = std::thread([this] { ReadStderr(); });
}

absl::StatusOr<std::unique_ptr<GatewayProcess>> GatewayProcess::Start(
    absl::string_view binary, const std::vector<std::string>& args,
    const std::vector<std::string>& env) {
  // The child's stderr goes into a pipe that only the parent reads.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError("pipe2 failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);

  std::vector<std::string> argv_strings = {RunfilesPath(binary), "--port=0",
                                           "--bind_address=127.0.0.1"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_strings = env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    env_strings.push_back(*entry);
  }
  std::vector<char*> envp;
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (spawned != 0) {
    close(fds[0]);
    return absl::InternalError(
        absl::StrCat("cannot run ", argv[0], ": ", strerror(spawned)));
  }

  // The port, from the start-up line.
  std::unique_ptr<GatewayProcess> process(new GatewayProcess(pid, fds[0]));
  std::optional<std::string> line =
      process->WaitForLine({std::string(kListening)}, kStartTimeout);
  if (!line.has_value()) {
    const bool exited = !process->Running();
    absl::StatusOr<int> exit_code = process->Stop();
    std::string last_line;
    {
      absl::MutexLock lock(&process->mu_);
      if (!process->lines_.empty()) last_line = process->lines_.back();
    }
    if (exited && exit_code.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the gateway stopped with exit code ", *exit_code, ": ", last_line));
    }
    return absl::DeadlineExceededError("the gateway did not start listening");
  }
  absl::string_view rest(*line);
  rest.remove_prefix(rest.find(kListening) + kListening.size());
  if (!absl::SimpleAtoi(rest.substr(0, rest.find(' ')), &process->port_)) {
    return absl::InternalError(absl::StrCat("no port in: ", *line));
  }
  return process;
}

GatewayProcess::~GatewayProcess() {
  if (!exit_code_.has_value()) Stop().IgnoreError();
  if (reader_.joinable()) reader_.join();
  close(stderr_fd_);

  // Under scripts/sanitizers.sh the gateway is sanitized too; a report
  // (already passed on to the test log) fails the test whatever the test
  // checks.
  absl::MutexLock lock(&mu_);
  for (const std::string& line : lines_) {
    if (opsbrain::testing::IsSanitizerReportLine(line)) {
      ADD_FAILURE() << "sanitizer report from the gateway: " << line;
    }
  }
}

void GatewayProcess::ReadStderr() {
  std::string pending;
  char chunk[4096];
  while (true) {
    const ssize_t n = read(stderr_fd_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(chunk, static_cast<size_t>(n));
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, newline);
      pending.erase(0, newline + 1);
      // Pass the child's log on, for the test log.
      std::cerr << "[gateway] " << line << "\n";
      absl::MutexLock lock(&mu_);
      lines_.push_back(std::move(line));
    }
  }
  absl::MutexLock lock(&mu_);
  eof_ = true;
}

std::optional<std::string> GatewayProcess::WaitForLine(
    const std::vector<std::string>& needles, absl::Duration timeout) {
  std::optional<std::string> found;
  size_t checked = 0;
  // Runs under mu_, as the condition of AwaitWithTimeout.
  auto scan = [&]() {
    for (; checked < lines_.size(); ++checked) {
      bool all = true;
      for (const std::string& needle : needles) {
        if (lines_[checked].find(needle) == std::string::npos) all = false;
      }
      if (all) {
        found = lines_[checked];
        return true;
      }
    }
    return eof_;
  };
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&scan), timeout);
  return found;
}

int GatewayProcess::CountLines(const std::vector<std::string>& needles) {
  absl::MutexLock lock(&mu_);
  int count = 0;
  for (const std::string& line : lines_) {
    bool all = true;
    for (const std::string& needle : needles) {
      if (line.find(needle) == std::string::npos) all = false;
    }
    if (all) ++count;
  }
  return count;
}

std::vector<std::string> GatewayProcess::Lines() {
  absl::MutexLock lock(&mu_);
  return lines_;
}

bool GatewayProcess::Running() {
  absl::MutexLock lock(&mu_);
  return !eof_;
}

void GatewayProcess::Signal(int signal) {
  if (!exit_code_.has_value()) kill(pid_, signal);
}

absl::StatusOr<int> GatewayProcess::Stop() {
  if (exit_code_.has_value()) return *exit_code_;
  kill(pid_, SIGTERM);

  // The child closes its stderr when it exits.
  bool exited = false;
  {
    absl::MutexLock lock(&mu_);
    exited = mu_.AwaitWithTimeout(absl::Condition(&eof_), kStopTimeout);
  }
  if (!exited) kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (!exited) {
    return absl::DeadlineExceededError("the gateway did not stop on SIGTERM");
  }
  return *exit_code_;
}

}  // namespace opsbrain::gateway::testing
