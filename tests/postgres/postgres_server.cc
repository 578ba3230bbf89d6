#include "tests/postgres/postgres_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <locale.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

extern char** environ;

namespace opsbrain::testing {
namespace {

constexpr absl::Duration kInitdbTimeout = absl::Seconds(60);
// pg_ctl waits up to kPgCtlWaitSeconds itself; the extra margin covers its
// own start-up before we give up on the process.
constexpr int kPgCtlWaitSeconds = 30;
constexpr absl::Duration kPgCtlTimeout = absl::Seconds(kPgCtlWaitSeconds + 10);
constexpr int kStartAttempts = 3;
constexpr size_t kLogTailBytes = 2000;
// Clusters live in /tmp/<kRootPrefix>XXXXXX; kOwnerFile there holds the pid
// of the process that started the cluster.
constexpr char kTmp[] = "/tmp";
constexpr char kRootPrefix[] = "opsbrain-pg-";
constexpr char kOwnerFile[] = "owner.pid";

std::string ErrnoText(int error) { return std::strerror(error); }

bool IsExecutable(const std::string& path) {
  return access(path.c_str(), X_OK) == 0;
}

// $PG_BINDIR, else the highest /usr/lib/postgresql/<N>/bin with pg_ctl.
absl::StatusOr<std::string> FindBinDir() {
  if (const char* from_env = std::getenv("PG_BINDIR");
      from_env != nullptr && *from_env != '\0') {
    std::string dir = from_env;
    if (!IsExecutable(dir + "/pg_ctl")) {
      return absl::FailedPreconditionError(
          absl::StrCat("PG_BINDIR=", dir, " holds no executable pg_ctl"));
    }
    return dir;
  }

  constexpr const char* kRoot = "/usr/lib/postgresql";
  DIR* dir = opendir(kRoot);
  if (dir == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no PostgreSQL server binaries: cannot open ", kRoot,
                     " (set PG_BINDIR)"));
  }
  int best_version = -1;
  while (const dirent* entry = readdir(dir)) {
    int version = 0;
    if (!absl::SimpleAtoi(entry->d_name, &version)) continue;
    if (version > best_version &&
        IsExecutable(absl::StrCat(kRoot, "/", version, "/bin/pg_ctl"))) {
      best_version = version;
    }
  }
  closedir(dir);
  if (best_version < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no PostgreSQL server binaries under ", kRoot, " (set PG_BINDIR)"));
  }
  return absl::StrCat(kRoot, "/", best_version, "/bin");
}

absl::StatusOr<std::string> FindRunuser() {
  for (const char* path : {"/usr/sbin/runuser", "/sbin/runuser",
                           "/usr/bin/runuser", "/bin/runuser"}) {
    if (IsExecutable(path)) return std::string(path);
  }
  return absl::FailedPreconditionError(
      "running as root needs runuser(1) to start PostgreSQL as `postgres`");
}

absl::StatusOr<std::pair<uid_t, gid_t>> PostgresUser() {
  passwd entry;
  passwd* found = nullptr;
  std::vector<char> buffer(16384);
  const int error =
      getpwnam_r("postgres", &entry, buffer.data(), buffer.size(), &found);
  if (error != 0 || found == nullptr) {
    return absl::FailedPreconditionError(
        "running as root needs a `postgres` user to run PostgreSQL as");
  }
  return std::make_pair(entry.pw_uid, entry.pw_gid);
}

// initdb fails outright on a locale the C library does not have.
std::string LocaleFlag() {
  locale_t locale = newlocale(LC_ALL_MASK, "C.UTF-8", static_cast<locale_t>(0));
  if (locale == static_cast<locale_t>(0)) return "--locale=C";
  freelocale(locale);
  return "--locale=C.UTF-8";
}

// A port that was free a moment ago. Another process may take it before the
// server binds it; Start() retries with a new one when that happens.
absl::StatusOr<int> PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("socket: ", ErrnoText(errno)));
  }
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    close(fd);
    return absl::InternalError(
        absl::StrCat("cannot pick a free port: ", ErrnoText(error)));
  }
  close(fd);
  return ntohs(address.sin_port);
}

std::string ReadTail(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::StrCat("(no log at ", path, ")");
  std::stringstream contents;
  contents << file.rdbuf();
  std::string text = contents.str();
  if (text.size() > kLogTailBytes) {
    text = absl::StrCat("...", text.substr(text.size() - kLogTailBytes));
  }
  return std::string(absl::StripTrailingAsciiWhitespace(text));
}

int RemoveEntry(const char* path, const struct stat*, int, FTW*) {
  return remove(path) == 0 ? 0 : -1;
}

absl::Status RemoveTree(const std::string& path) {
  if (nftw(path.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot remove ", path, ": ", ErrnoText(errno)));
  }
  return absl::OkStatus();
}

struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};

struct ResultCloser {
  void operator()(PGresult* result) const { PQclear(result); }
};

// The pid on the first line of `path`, the format of both kOwnerFile and
// PostgreSQL's postmaster.pid.
std::optional<pid_t> ReadPid(const std::string& path) {
  std::ifstream file(path);
  std::string text;
  int pid = 0;
  if (!std::getline(file, text) || !absl::SimpleAtoi(text, &pid) || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

bool IsAlive(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

bool WriteOwner(const std::string& root_dir) {
  std::ofstream file(absl::StrCat(root_dir, "/", kOwnerFile));
  file << getpid() << "\n";
  file.close();
  return !file.fail();
}

// Whether the process that started the cluster in `root_dir` is known to
// be gone. False while the directory is still being set up (no owner yet).
bool OwnerIsGone(const std::string& root_dir) {
  std::optional<pid_t> owner = ReadPid(absl::StrCat(root_dir, "/", kOwnerFile));
  return owner.has_value() && !IsAlive(*owner);
}

// Owns a posix_spawn_file_actions_t.
class FileActions {
 public:
  FileActions() { posix_spawn_file_actions_init(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

// Owns a posix_spawnattr_t.
class SpawnAttributes {
 public:
  SpawnAttributes() { posix_spawnattr_init(&attributes_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  ~SpawnAttributes() { posix_spawnattr_destroy(&attributes_); }
  posix_spawnattr_t* get() { return &attributes_; }

 private:
  posix_spawnattr_t attributes_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string bin_dir, FindBinDir());

  const bool as_postgres_user = geteuid() == 0;
  ReapAbandoned(bin_dir, as_postgres_user);

  // The directory must be reachable by the server's user: /tmp is, whereas
  // TEST_TMPDIR (under root's Bazel cache) usually is not.
  std::string root_template = absl::StrCat(kTmp, "/", kRootPrefix, "XXXXXX");
  if (mkdtemp(root_template.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("mkdtemp under /tmp: ", ErrnoText(errno)));
  }
  // From here on the destructor removes the directory.
  std::unique_ptr<PostgresServer> server(
      new PostgresServer(bin_dir, root_template, as_postgres_user));

  if (!WriteOwner(server->root_dir_)) {
    return absl::InternalError(
        absl::StrCat("cannot write ", server->root_dir_, "/", kOwnerFile));
  }
  if (as_postgres_user) {
    OPSBRAIN_ASSIGN_OR_RETURN(const auto user, PostgresUser());
    if (chown(server->root_dir_.c_str(), user.first, user.second) != 0) {
      return absl::InternalError(absl::StrCat(
          "chown postgres ", server->root_dir_, ": ", ErrnoText(errno),
          " (inside Bazel's sandbox: tag the test no-sandbox)"));
    }
  }
  if (chmod(server->root_dir_.c_str(), 0700) != 0) {
    return absl::InternalError(
        absl::StrCat("chmod ", server->root_dir_, ": ", ErrnoText(errno)));
  }

  OPSBRAIN_RETURN_IF_ERROR(server->InitCluster());

  absl::Status started;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    OPSBRAIN_ASSIGN_OR_RETURN(const int port, PickFreePort());
    started = server->StartOn(port);
    if (started.ok()) return server;
  }
  return started;
}

void PostgresServer::ReapAbandoned(const std::string& bin_dir,
                                   bool as_postgres_user) {
  DIR* tmp = opendir(kTmp);
  if (tmp == nullptr) return;
  std::vector<std::string> abandoned;
  while (const dirent* entry = readdir(tmp)) {
    const std::string name = entry->d_name;
    if (name.rfind(kRootPrefix, 0) != 0) continue;
    const std::string root_dir = absl::StrCat(kTmp, "/", name);
    if (OwnerIsGone(root_dir)) abandoned.push_back(root_dir);
  }
  closedir(tmp);

  for (const std::string& root_dir : abandoned) {
    // Renaming claims the directory, so that two processes starting at once
    // do not both reap it. The new name is outside kRootPrefix.
    const std::string claimed =
        absl::StrCat(kTmp, "/opsbrain-reap-", getpid(), "-",
                     root_dir.substr(root_dir.rfind('-') + 1));
    if (rename(root_dir.c_str(), claimed.c_str()) != 0) continue;
    // The destructor stops the server, if it still runs, and removes the
    // directory.
    PostgresServer reaped(bin_dir, claimed, as_postgres_user);
  }
}

PostgresServer::PostgresServer(std::string bin_dir, std::string root_dir,
                               bool as_postgres_user)
    : bin_dir_(std::move(bin_dir)),
      root_dir_(std::move(root_dir)),
      as_postgres_user_(as_postgres_user) {}

PostgresServer::~PostgresServer() {
  // Also when a failed start left a server behind.
  if (running_ || PostmasterAlive()) {
    absl::Status stopped = StopWithMode("immediate");
    if (!stopped.ok()) {
      std::fprintf(stderr, "PostgresServer: %s\n", stopped.ToString().c_str());
    }
  }
  absl::Status removed = RemoveTree(root_dir_);
  if (!removed.ok()) {
    std::fprintf(stderr, "PostgresServer: %s\n", removed.ToString().c_str());
  }
}

std::string PostgresServer::data_dir() const {
  return absl::StrCat(root_dir_, "/data");
}

bool PostgresServer::PostmasterAlive() const {
  std::optional<pid_t> postmaster =
      ReadPid(absl::StrCat(data_dir(), "/postmaster.pid"));
  return postmaster.has_value() && IsAlive(*postmaster);
}

std::string PostgresServer::server_log() const {
  return absl::StrCat(root_dir_, "/server.log");
}

std::string PostgresServer::command_log() const {
  return absl::StrCat(root_dir_, "/command.log");
}

std::string PostgresServer::Url(std::string_view database) const {
  return absl::StrCat("postgres://postgres@127.0.0.1:", port_, "/",
                      std::string(database));
}

absl::Status PostgresServer::Run(const std::vector<std::string>& argv,
                                 absl::Duration timeout) const {
  std::vector<std::string> full_argv;
  if (as_postgres_user_) {
    OPSBRAIN_ASSIGN_OR_RETURN(std::string runuser, FindRunuser());
    full_argv = {std::move(runuser), "-u", "postgres", "--"};
  }
  full_argv.insert(full_argv.end(), argv.begin(), argv.end());
  std::vector<char*> raw_argv;
  for (std::string& arg : full_argv) raw_argv.push_back(arg.data());
  raw_argv.push_back(nullptr);

  // The child starts in the cluster's directory (PostgreSQL programs fail
  // when the user cannot read their working directory, as with Bazel's under
  // /root) and in its own process group, so a timeout can kill all of it.
  FileActions actions;
  posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(actions.get(), STDOUT_FILENO,
                                   command_log().c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(actions.get(), STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addchdir_np(actions.get(), root_dir_.c_str());
  SpawnAttributes attributes;
  posix_spawnattr_setflags(attributes.get(), POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(attributes.get(), 0);

  pid_t pid = 0;
  const int spawn_error =
      posix_spawn(&pid, raw_argv[0], actions.get(), attributes.get(),
                  raw_argv.data(), environ);
  if (spawn_error != 0) {
    return absl::InternalError(absl::StrCat("cannot run ", full_argv[0], ": ",
                                            ErrnoText(spawn_error)));
  }

  // Poll rather than block so that a hung program cannot hang the test.
  const absl::Time deadline = absl::Now() + timeout;
  int wait_status = 0;
  while (true) {
    const pid_t done = waitpid(pid, &wait_status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("waitpid: ", ErrnoText(errno)));
    }
    if (absl::Now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &wait_status, 0);
      return absl::DeadlineExceededError(
          absl::StrCat(absl::StrJoin(argv, " "), " did not finish within ",
                       absl::FormatDuration(timeout), "; output:\n",
                       ReadTail(command_log())));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }

  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    return absl::InternalError(
        absl::StrCat(absl::StrJoin(argv, " "), " failed (wait status ",
                     wait_status, "); output:\n", ReadTail(command_log())));
  }
  return absl::OkStatus();
}

absl::Status PostgresServer::InitCluster() const {
  // --no-sync: a crash loses the cluster anyway.
  return Run({absl::StrCat(bin_dir_, "/initdb"), "--pgdata=" + data_dir(),
              "--auth=trust", "--username=postgres", "--encoding=UTF8",
              LocaleFlag(), "--no-sync"},
             kInitdbTimeout);
}

absl::Status PostgresServer::StartOn(int port) {
  // pg_ctl hands -o to the server through a shell; every value in it is a
  // number or the mkdtemp path, which holds no shell metacharacters.
  const std::string server_options = absl::StrCat(
      "-c listen_addresses=127.0.0.1 -p ", port,
      " -c unix_socket_directories=", root_dir_,
      " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
  absl::Status started =
      Run({absl::StrCat(bin_dir_, "/pg_ctl"), "start", "-w", "-t",
           absl::StrCat(kPgCtlWaitSeconds), "-D", data_dir(), "-l",
           server_log(), "-o", server_options},
          kPgCtlTimeout);
  if (!started.ok()) {
    // pg_ctl's own output says little; the reason is in the server's log.
    return absl::Status(started.code(),
                        absl::StrCat("PostgreSQL did not start on port ", port,
                                     ": ", started.message(), "\nserver log:\n",
                                     ReadTail(server_log())));
  }
  port_ = port;
  running_ = true;
  return absl::OkStatus();
}

absl::Status PostgresServer::StopWithMode(const char* mode) {
  absl::Status stopped =
      Run({absl::StrCat(bin_dir_, "/pg_ctl"), "stop", "-w", "-t",
           absl::StrCat(kPgCtlWaitSeconds), "-D", data_dir(), "-m", mode},
          kPgCtlTimeout);
  if (stopped.ok()) running_ = false;
  return stopped;
}

absl::Status PostgresServer::Stop() {
  if (!running_) {
    return absl::FailedPreconditionError("PostgreSQL is not running");
  }
  return StopWithMode("fast");
}

absl::Status PostgresServer::Restart() {
  if (running_) {
    return absl::FailedPreconditionError("PostgreSQL is already running");
  }
  return StartOn(port_);
}

absl::StatusOr<std::string> PostgresServer::CreateDatabase() {
  // The name is made only of letters, digits and underscores we choose, so
  // it can be spliced into the statement.
  const std::string name =
      absl::StrCat("test_", next_database_.fetch_add(1), "_", getpid());

  const std::string url = absl::StrCat(Url(), "?connect_timeout=10");
  std::unique_ptr<PGconn, ConnectionCloser> connection(
      PQconnectdb(url.c_str()));
  if (connection == nullptr) {
    return absl::ResourceExhaustedError("libpq could not allocate");
  }
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat(
        "cannot connect to ", Url(), ": ",
        absl::StripTrailingAsciiWhitespace(PQerrorMessage(connection.get()))));
  }
  std::unique_ptr<PGresult, ResultCloser> result(
      PQexec(connection.get(), absl::StrCat("CREATE DATABASE ", name).c_str()));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return absl::InternalError(absl::StrCat(
        "CREATE DATABASE ", name, ": ",
        absl::StripTrailingAsciiWhitespace(PQerrorMessage(connection.get()))));
  }
  return Url(name);
}

}  // namespace opsbrain::testing
