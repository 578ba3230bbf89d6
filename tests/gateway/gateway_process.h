// A gateway binary run as a child process, for tests over real sockets.
//
// The child listens on 127.0.0.1 on a free port (--port=0) and logs
// "listening on 127.0.0.1:PORT"; Start waits for that line. Its stderr is
// collected line by line so that tests can wait for access-log lines.
//
// Thread-safe.
#ifndef OPSBRAIN_TESTS_GATEWAY_GATEWAY_PROCESS_H_
#define OPSBRAIN_TESTS_GATEWAY_GATEWAY_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace opsbrain::gateway::testing {

class GatewayProcess {
 public:
  // Runs `binary` (a path in the test's runfiles, e.g.
  // "tests/gateway/test_gateway") with `args` after --port=0 and
  // --bind_address=127.0.0.1, in this process's environment plus `env`
  // ("NAME=value" each), and waits up to 10 s for it to listen. When the
  // child exits instead, the error says "exit code N" and quotes its last
  // log line.
  static absl::StatusOr<std::unique_ptr<GatewayProcess>> Start(
      absl::string_view binary, const std::vector<std::string>& args,
      const std::vector<std::string>& env = {});

  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;
  // Stops the child if it still runs.
  ~GatewayProcess();

  int port() const { return port_; }

  // Sends `signal` to the child, without waiting.
  void Signal(int signal);

  // Sends SIGTERM and returns the child's exit code. Kills it if it has
  // not exited within 10 s and returns DEADLINE_EXCEEDED.
  absl::StatusOr<int> Stop();

  // Waits up to `timeout` for a line of the child's stderr that contains
  // every one of `needles`, and returns it.
  std::optional<std::string> WaitForLine(
      const std::vector<std::string>& needles, absl::Duration timeout);

  // How many lines so far contain every one of `needles`.
  int CountLines(const std::vector<std::string>& needles);

  // Every line of the child's stderr so far.
  std::vector<std::string> Lines();

  // True while the child runs (it has not closed its stderr).
  bool Running();

 private:
  GatewayProcess(pid_t pid, int stderr_fd);
  void ReadStderr();

  const pid_t pid_;
  const int stderr_fd_;
  int port_ = 0;
  std::thread reader_;
  std::optional<int> exit_code_;

  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
  bool eof_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace opsbrain::gateway::testing

#endif  // OPSBRAIN_TESTS_GATEWAY_GATEWAY_PROCESS_H_
