// A throwaway PostgreSQL cluster for tests.
//
// Usage:
//   absl::StatusOr<std::unique_ptr<PostgresServer>> server =
//       PostgresServer::Start();
//   ASSERT_TRUE(server.ok()) << server.status();
//   absl::StatusOr<std::string> url = (*server)->CreateDatabase();
//
// The cluster lives in a fresh directory under /tmp, listens on 127.0.0.1
// (and a unix socket in that directory) on a free port, trusts every local
// connection, and runs with durability off (fsync, synchronous_commit and
// full_page_writes disabled): fast, and worthless after a crash.
//
// PostgreSQL refuses to run as root. When the test runs as root, every
// PostgreSQL program runs as the `postgres` user through runuser(1), so such
// tests need `tags = ["no-sandbox"]` in Bazel (its sandbox forbids both
// chown and runuser). When not root, the programs run as the current user.
//
// Binaries come from $PG_BINDIR, else from the highest-numbered
// /usr/lib/postgresql/<version>/bin.
//
// A test process that dies without destroying its servers (a crash, a
// timeout) leaves them behind; the next Start() on the machine stops them
// and deletes their directories.
#ifndef OPSBRAIN_TESTS_POSTGRES_POSTGRES_SERVER_H_
#define OPSBRAIN_TESTS_POSTGRES_POSTGRES_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace opsbrain::testing {

// Owns one running (or stopped) cluster and its directory.
//
// Thread-safety: Url(), port() and CreateDatabase() may be called from any
// thread at any time; Stop() and Restart() must not run concurrently with
// each other.
class PostgresServer {
 public:
  // Creates the cluster (initdb) and starts it. Every step is bounded in
  // time. Errors: FAILED_PRECONDITION when the binaries, the `postgres` user
  // or runuser are missing; INTERNAL or DEADLINE_EXCEEDED when a step fails,
  // with the tail of that step's log in the message.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Stops the server at once (pg_ctl stop -m immediate) and deletes its
  // directory. Failures are reported on stderr only.
  ~PostgresServer();

  // postgres://postgres@127.0.0.1:PORT/DATABASE. `database` must be a plain
  // identifier (letters, digits, underscores).
  std::string Url(std::string_view database = "postgres") const;

  // Creates a new empty database with a unique name and returns its URL, so
  // each test can have its own. UNAVAILABLE when the server does not answer.
  absl::StatusOr<std::string> CreateDatabase();

  // Shuts the server down (pg_ctl stop -m fast: open sessions are ended),
  // keeping its data. FAILED_PRECONDITION when it is not running.
  absl::Status Stop();

  // Starts a stopped server again on the same port, with the same data.
  // FAILED_PRECONDITION when it is running; an error when the port has been
  // taken meanwhile.
  absl::Status Restart();

  int port() const { return port_; }

 private:
  PostgresServer(std::string bin_dir, std::string root_dir,
                 bool as_postgres_user);

  // Stops and deletes the clusters under /tmp whose starting process has
  // died.
  static void ReapAbandoned(const std::string& bin_dir, bool as_postgres_user);

  std::string data_dir() const;
  // Whether postmaster.pid names a live process.
  bool PostmasterAlive() const;
  std::string server_log() const;
  std::string command_log() const;

  // Runs `argv` (argv[0] an absolute path) as the PostgreSQL user with
  // stdout and stderr appended to command_log(); OK only on exit status 0.
  absl::Status Run(const std::vector<std::string>& argv,
                   absl::Duration timeout) const;

  absl::Status InitCluster() const;
  // One pg_ctl start on `port`; on failure the server log's tail is in the
  // message.
  absl::Status StartOn(int port);
  absl::Status StopWithMode(const char* mode);

  const std::string bin_dir_;
  const std::string root_dir_;
  const bool as_postgres_user_;
  int port_ = 0;
  bool running_ = false;
  std::atomic<int> next_database_{0};
};

}  // namespace opsbrain::testing

#endif  // OPSBRAIN_TESTS_POSTGRES_POSTGRES_SERVER_H_
