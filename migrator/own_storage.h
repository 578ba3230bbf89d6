// The migrator's own storage service: the storage_service binary run as a
// child process on loopback, so that a pre-deploy step talks to the
// version of the service it ships with instead of the live replicas (which
// still run the previous version while the step runs).
//
// The child is started with --listen=127.0.0.1:0 and with TLS and the
// metrics listener turned off by flags (the environment may set them for
// the live service), and otherwise inherits the migrator's environment:
// DATABASE_URL chooses its database. Its output is copied, line by line,
// to `log` with the prefix "storage_service: ", and Start learns its port
// from the line "listening on 127.0.0.1:PORT".
//
// The child cannot outlive the migrator. While it runs, SIGTERM or SIGINT
// to the migrator is passed on to it as SIGTERM (SIGKILL if it has not
// exited 5 s later) and ends the migrator with exit code 128 + N: a
// migrator that is PID 1 in a container would otherwise ignore SIGTERM. A
// migrator that dies otherwise takes it along with SIGKILL
// (PR_SET_PDEATHSIG).
//
// Thread-compatible: one owner calls Start, Stop and the accessors.
#ifndef OPSBRAIN_MIGRATOR_OWN_STORAGE_H_
#define OPSBRAIN_MIGRATOR_OWN_STORAGE_H_

#include <sys/types.h>

#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace opsbrain::migrator {

struct OwnStorageOptions {
  // Path of the storage_service binary.
  std::string binary;
  // Flags after the ones above, for tests; empty in production.
  std::vector<std::string> extra_flags;
  // How long the child may take to listen. The storage service itself
  // waits up to 30 s (--database_wait) for PostgreSQL to answer.
  absl::Duration start_timeout = absl::Seconds(60);
  // How long Stop waits after SIGTERM before SIGKILL. The service drains
  // for up to 10 s (--drain_timeout).
  absl::Duration stop_timeout = absl::Seconds(15);
  // Where the child's output lines go. Not owned; must outlive the object.
  std::ostream* log = nullptr;
};

class OwnStorage {
 public:
  // Starts the child and waits until it listens. INVALID_ARGUMENT when the
  // binary is not an executable file; UNAVAILABLE when the child exits
  // before it listens (its exit code and last output lines in the
  // message); DEADLINE_EXCEEDED when it does not listen within
  // start_timeout (the child is killed).
  static absl::StatusOr<std::unique_ptr<OwnStorage>> Start(
      const OwnStorageOptions& options);

  OwnStorage(const OwnStorage&) = delete;
  OwnStorage& operator=(const OwnStorage&) = delete;

  // Stops the child (as Stop does) if it still runs.
  ~OwnStorage();

  // "127.0.0.1:PORT".
  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }

  // SIGTERM, then waits up to stop_timeout for the child to exit, then
  // SIGKILL. Returns its exit code (128 + N when a signal N ended it);
  // later calls return the same. Never fails for a child that already
  // exited.
  int Stop();

 private:
  OwnStorage(OwnStorageOptions options, pid_t pid, int output_fd);

  void Log(const std::string& text);
  // The reader thread: copies output lines to the log, notes the port.
  void ReadOutput();
  // Waits until the port is known or the output closed, up to `timeout`.
  absl::Status AwaitListening(absl::Duration timeout);
  // Reaps the child once the output is closed or it was killed.
  int Reap();

  const OwnStorageOptions options_;
  const pid_t pid_;
  const int output_fd_;
  std::string address_;
  std::thread reader_;
  bool reaped_ = false;
  int exit_code_ = 0;

  absl::Mutex mu_;
  int port_ ABSL_GUARDED_BY(mu_) = 0;
  bool output_closed_ ABSL_GUARDED_BY(mu_) = false;
  // The last few lines, for error messages.
  std::vector<std::string> last_lines_ ABSL_GUARDED_BY(mu_);
};

// The port of a storage service's "listening on 127.0.0.1:PORT" log line;
// 0 when `line` is not one.
int ListeningPort(const std::string& line);

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_OWN_STORAGE_H_
