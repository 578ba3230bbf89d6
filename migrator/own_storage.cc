#include "migrator/own_storage.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace opsbrain::migrator {
namespace {

constexpr char kListeningOn[] = "listening on 127.0.0.1:";
constexpr size_t kLastLines = 20;

// The running child, for the signal handler; 0 when none runs.
std::atomic<pid_t> g_child{0};

// How long a signalled migrator waits for its child before SIGKILL.
constexpr int kSignalGraceMillis = 5000;

// On SIGTERM or SIGINT: SIGTERM to the child, up to kSignalGraceMillis for
// it to exit (a storage service still waiting for its database defers
// SIGTERM), then SIGKILL, then exit. Only async-signal-safe calls.
void PassOnAndExit(int signal) {
  const pid_t child = g_child.load();
  if (child > 0) {
    kill(child, SIGTERM);
    const struct timespec tick = {0, 10 * 1000 * 1000};
    int status;
    bool exited = false;
    for (int waited = 0; waited < kSignalGraceMillis && !exited; waited += 10) {
      exited = waitpid(child, &status, WNOHANG) == child;
      if (!exited) nanosleep(&tick, nullptr);
    }
    if (!exited) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
    }
  }
  _exit(128 + signal);
}

void InstallSignalHandlers() {
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = &PassOnAndExit;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

void RestoreSignalHandlers() {
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
}

// While the child runs, SIGTERM and SIGINT are blocked in the thread that
// started it (and so in every thread it starts meanwhile, gRPC's included)
// and taken by the thread that reads the child's output, which spends its
// time in read(). The handler then interrupts a system call rather than a
// thread parked inside a library, which ThreadSanitizer's runtime would
// only hand the signal to when the wait ended.
void SetStopSignalsBlocked(bool blocked) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &signals, nullptr);
}

int ExitCode(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status)
                                : 128 + WTERMSIG(wait_status);
}

}  // namespace

int ListeningPort(const std::string& line) {
  const size_t at = line.find(kListeningOn);
  if (at == std::string::npos) return 0;
  absl::string_view rest =
      absl::string_view(line).substr(at + sizeof(kListeningOn) - 1);
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
    ++digits;
  }
  int port = 0;
  if (!absl::SimpleAtoi(rest.substr(0, digits), &port)) return 0;
  return port > 0 && port <= 65535 ? port : 0;
}

absl::StatusOr<std::unique_ptr<OwnStorage>> OwnStorage::Start(
    const OwnStorageOptions& options) {
  struct stat info;
  if (stat(options.binary.c_str(), &info) != 0 || !S_ISREG(info.st_mode) ||
      access(options.binary.c_str(), X_OK) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--own-storage: ", options.binary,
                     " is not an executable file (the storage_service "
                     "binary)"));
  }

  // Flags win over the environment, which may hold the live service's
  // address, TLS files and metrics address.
  std::vector<std::string> args = {options.binary,     "--listen=127.0.0.1:0",
                                   "--tls_cert=",      "--tls_key=",
                                   "--tls_client_ca=", "--metrics_listen="};
  args.insert(args.end(), options.extra_flags.begin(),
              options.extra_flags.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  SetStopSignalsBlocked(true);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    SetStopSignalsBlocked(false);
    close(fds[0]);
    close(fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    // A migrator that dies without its handler running (SIGKILL, a crash)
    // takes the child along.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  g_child.store(pid);
  InstallSignalHandlers();

  std::unique_ptr<OwnStorage> storage(new OwnStorage(options, pid, fds[0]));
  absl::Status listening = storage->AwaitListening(options.start_timeout);
  if (!listening.ok()) return listening;
  return storage;
}

OwnStorage::OwnStorage(OwnStorageOptions options, pid_t pid, int output_fd)
    : options_(std::move(options)), pid_(pid), output_fd_(output_fd) {
  reader_ = std::thread([this] {
    SetStopSignalsBlocked(false);
    ReadOutput();
  });
}

OwnStorage::~OwnStorage() {
  Stop();
  reader_.join();
  close(output_fd_);
}

void OwnStorage::Log(const std::string& text) {
  // One write per line, so that lines from two threads do not interleave.
  if (options_.log == nullptr) return;
  *options_.log << text << std::flush;
}

void OwnStorage::ReadOutput() {
  std::string pending;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(output_fd_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    size_t end;
    while ((end = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, end);
      pending.erase(0, end + 1);
      Log(absl::StrCat("storage_service: ", line, "\n"));
      absl::MutexLock lock(&mu_);
      if (port_ == 0) port_ = ListeningPort(line);
      last_lines_.push_back(std::move(line));
      if (last_lines_.size() > kLastLines) {
        last_lines_.erase(last_lines_.begin());
      }
    }
  }
  if (!pending.empty()) Log(absl::StrCat("storage_service: ", pending, "\n"));
  absl::MutexLock lock(&mu_);
  if (!pending.empty()) last_lines_.push_back(std::move(pending));
  output_closed_ = true;
}

absl::Status OwnStorage::AwaitListening(absl::Duration timeout) {
  int port = 0;
  bool closed = false;
  std::string last;
  {
    absl::MutexLock lock(&mu_);
    auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return port_ != 0 || output_closed_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
    port = port_;
    closed = output_closed_;
    last = absl::StrJoin(last_lines_, "\n  ");
  }
  if (port != 0) {
    address_ = absl::StrCat("127.0.0.1:", port);
    return absl::OkStatus();
  }
  if (closed) {
    const int code = Reap();
    return absl::UnavailableError(
        absl::StrCat("the own storage service (", options_.binary,
                     ") exited with code ", code, " before it listened",
                     last.empty() ? "" : "; its last lines:\n  ", last));
  }
  kill(pid_, SIGKILL);
  Reap();
  return absl::DeadlineExceededError(absl::StrCat(
      "the own storage service (", options_.binary, ") did not listen within ",
      absl::FormatDuration(timeout), " and was killed",
      last.empty() ? "" : "; its last lines:\n  ", last));
}

int OwnStorage::Stop() {
  if (reaped_) return exit_code_;
  kill(pid_, SIGTERM);
  bool closed;
  {
    absl::MutexLock lock(&mu_);
    closed = mu_.AwaitWithTimeout(absl::Condition(&output_closed_),
                                  options_.stop_timeout);
  }
  if (!closed) {
    Log(absl::StrCat("migrator: the own storage service did not stop within ",
                     absl::FormatDuration(options_.stop_timeout),
                     " of SIGTERM; killing it\n"));
    kill(pid_, SIGKILL);
  }
  return Reap();
}

int OwnStorage::Reap() {
  if (reaped_) return exit_code_;
  int status = 0;
  pid_t done;
  do {
    done = waitpid(pid_, &status, 0);
  } while (done < 0 && errno == EINTR);
  g_child.store(0);
  RestoreSignalHandlers();
  SetStopSignalsBlocked(false);
  reaped_ = true;
  exit_code_ = done == pid_ ? ExitCode(status) : -1;
  return exit_code_;
}

}  // namespace opsbrain::migrator
