// A child process for tests that drive the project's binaries: started
// with arguments and extra environment, its stdout and stderr captured
// together, signalled, and waited for with a bound on every wait.
#ifndef OPSBRAIN_TESTS_UTIL_SUBPROCESS_H_
#define OPSBRAIN_TESTS_UTIL_SUBPROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace opsbrain::testing {

// Whether a line of a child's output is the summary of a sanitizer report
// (scripts/sanitizers.sh builds the children sanitized too), and whether
// some line of `output` is.
bool IsSanitizerReportLine(absl::string_view line);
bool HasSanitizerReport(absl::string_view output);

// Thread-safe.
class Subprocess {
 public:
  // Starts `argv` (argv[0] is the program path) with the test's environment
  // plus `env` (an empty value unsets the variable).
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::vector<std::string>& argv,
      const std::map<std::string, std::string>& env = {});

  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Kills the process (SIGKILL) if it still runs.
  ~Subprocess();

  // Waits until the output holds a line containing `needle` and returns
  // that line. DEADLINE_EXCEEDED after `timeout`; FAILED_PRECONDITION when
  // the process exits first. Both messages carry the output so far.
  absl::StatusOr<std::string> WaitForLine(absl::string_view needle,
                                          absl::Duration timeout);

  absl::Status Signal(int signal);

  // Waits for exit and returns the exit code (128 + N when killed by signal
  // N). DEADLINE_EXCEEDED (and the process is killed) after `timeout`.
  absl::StatusOr<int> Wait(absl::Duration timeout);

  // Everything the process wrote so far.
  std::string output();

  pid_t pid() const { return pid_; }

 private:
  Subprocess(pid_t pid, int output_fd);
  void ReadOutput();

  const pid_t pid_;
  const int output_fd_;
  std::thread reader_;

  absl::Mutex mu_;
  std::string output_ ABSL_GUARDED_BY(mu_);
  bool output_closed_ ABSL_GUARDED_BY(mu_) = false;
  bool reaped_ ABSL_GUARDED_BY(mu_) = false;
  int exit_code_ ABSL_GUARDED_BY(mu_) = 0;
};

// The path of a binary in the test's runfiles, from its workspace-relative
// path (as `$(rootpath //storage_service:storage_service)` gives it).
std::string RunfilePath(absl::string_view rootpath);

}  // namespace opsbrain::testing

#endif  // OPSBRAIN_TESTS_UTIL_SUBPROCESS_H_
