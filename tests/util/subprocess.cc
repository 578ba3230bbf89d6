#include "tests/util/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

extern char** environ;

namespace opsbrain::testing {

// AddressSanitizer, LeakSanitizer and ThreadSanitizer end a report with a
// line "SUMMARY: <name>Sanitizer: ...", UndefinedBehaviorSanitizer (gcc's)
// writes only "<file>:<line>:<column>: runtime error: ...".
bool IsSanitizerReportLine(absl::string_view line) {
  return (absl::StartsWith(line, "SUMMARY: ") &&
          absl::StrContains(line, "Sanitizer")) ||
         absl::StrContains(line, ": runtime error: ");
}

bool HasSanitizerReport(absl::string_view output) {
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (IsSanitizerReportLine(line)) return true;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& env) {
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");

  // The child's environment: ours, with `env` applied.
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::pair<std::string, std::string> pair =
        absl::StrSplit(*entry, absl::MaxSplits('=', 1));
    merged[pair.first] = pair.second;
  }
  for (const auto& [name, value] : env) {
    if (value.empty()) {
      merged.erase(name);
    } else {
      merged[name] = value;
    }
  }
  std::vector<std::string> env_strings;
  for (const auto& [name, value] : merged) {
    env_strings.push_back(absl::StrCat(name, "=", value));
  }
  std::vector<char*> child_env, child_argv;
  for (std::string& entry : env_strings) child_env.push_back(entry.data());
  child_env.push_back(nullptr);
  std::vector<std::string> args = argv;
  for (std::string& arg : args) child_argv.push_back(arg.data());
  child_argv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  pid_t pid = fork();
  if (pid < 0) {
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    // Unblock the signals a test may have blocked, so SIGTERM reaches the
    // child's own handling.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(child_argv[0], child_argv.data(), child_env.data());
    _exit(127);
  }
  close(fds[1]);
  return std::unique_ptr<Subprocess>(new Subprocess(pid, fds[0]));
}

Subprocess::Subprocess(pid_t pid, int output_fd)
    : pid_(pid), output_fd_(output_fd) {
  reader_ = std::thread([this] { ReadOutput(); });
}

Subprocess::~Subprocess() {
  bool reaped;
  {
    absl::MutexLock lock(&mu_);
    reaped = reaped_;
  }
  if (!reaped) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  reader_.join();
  close(output_fd_);

  // Under scripts/sanitizers.sh the child is sanitized too; a report in it
  // fails the test that started it even when the test never looks at the
  // child's output or exit code.
  absl::MutexLock lock(&mu_);
  if (HasSanitizerReport(output_)) {
    ADD_FAILURE() << "sanitizer report from child process " << pid_
                  << "; its output:\n"
                  << output_;
  }
}

void Subprocess::ReadOutput() {
  char buffer[4096];
  while (true) {
    ssize_t n = read(output_fd_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    absl::MutexLock lock(&mu_);
    if (n <= 0) {
      output_closed_ = true;
      return;
    }
    output_.append(buffer, static_cast<size_t>(n));
  }
}

absl::StatusOr<std::string> Subprocess::WaitForLine(absl::string_view needle,
                                                    absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  size_t found = std::string::npos;
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    found = output_.find(std::string(needle));
    // A whole line: the needle and the newline after it.
    return (found != std::string::npos &&
            output_.find('\n', found) != std::string::npos) ||
           output_closed_;
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&ready), timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat("no line with '", needle, "' within ",
                     absl::FormatDuration(timeout), "; output:\n", output_));
  }
  if (found == std::string::npos) {
    return absl::FailedPreconditionError(absl::StrCat(
        "process ended without '", needle, "'; output:\n", output_));
  }
  size_t start = output_.rfind('\n', found);
  start = start == std::string::npos ? 0 : start + 1;
  size_t end = output_.find('\n', found);
  return output_.substr(start, end - start);
}

absl::Status Subprocess::Signal(int signal) {
  if (kill(pid_, signal) != 0) {
    return absl::InternalError(absl::StrCat("kill: ", strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Subprocess::Wait(absl::Duration timeout) {
  {
    absl::MutexLock lock(&mu_);
    if (reaped_) return exit_code_;
  }
  // A pidfd becomes readable when the process exits, so poll() can wait
  // for the exit with a timeout, which waitpid() cannot.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd < 0) {
    return absl::InternalError(absl::StrCat("pidfd_open: ", strerror(errno)));
  }
  struct pollfd poll_fd = {pidfd, POLLIN, 0};
  int timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
  int ready;
  do {
    ready = poll(&poll_fd, 1, timeout_ms);
  } while (ready < 0 && errno == EINTR);
  close(pidfd);
  if (ready == 0) {
    kill(pid_, SIGKILL);
    return absl::DeadlineExceededError(absl::StrCat(
        "process did not exit within ", absl::FormatDuration(timeout)));
  }

  int status = 0;
  waitpid(pid_, &status, 0);
  absl::MutexLock lock(&mu_);
  // The exit closes the pipe; let the reader drain what is left in it so
  // output() holds everything the process wrote.
  mu_.AwaitWithTimeout(absl::Condition(&output_closed_), absl::Seconds(5));
  reaped_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

std::string Subprocess::output() {
  absl::MutexLock lock(&mu_);
  return output_;
}

std::string RunfilePath(absl::string_view rootpath) {
  const char* dir = getenv("TEST_SRCDIR");
  const char* workspace = getenv("TEST_WORKSPACE");
  if (dir == nullptr || workspace == nullptr) return std::string(rootpath);
  return absl::StrCat(dir, "/", workspace, "/", rootpath);
}

}  // namespace opsbrain::testing
