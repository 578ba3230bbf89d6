// A thin logger: one line per event on stderr, with UTC time and severity.
//
// Debian's Abseil has no absl/log, and the project logs little: lifecycle at
// INFO, degraded states at WARNING, its own failures at ERROR, and
// per-request detail only at VERBOSE (off unless enabled). Callers must
// never pass a password, token or sensitive configuration value.
//
// Usage:
//   OPSBRAIN_LOG(INFO) << "listening on " << address;
//
// Thread-safe: each line is written with a single write to stderr.
#ifndef OPSBRAIN_COMMON_LOGGING_H_
#define OPSBRAIN_COMMON_LOGGING_H_

#include <sstream>

namespace opsbrain {

enum class LogSeverity { kVerbose, kInfo, kWarning, kError };

// Lines below this severity are dropped. Defaults to kInfo.
void SetMinLogSeverity(LogSeverity severity);
bool LogEnabled(LogSeverity severity);

// Collects one line and writes it when destroyed.
class LogLine {
 public:
  explicit LogLine(LogSeverity severity) : severity_(severity) {}
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  ~LogLine();

  std::ostream& stream() { return stream_; }

 private:
  LogSeverity severity_;
  std::ostringstream stream_;
};

}  // namespace opsbrain

#define OPSBRAIN_LOG_SEVERITY_VERBOSE ::opsbrain::LogSeverity::kVerbose
#define OPSBRAIN_LOG_SEVERITY_INFO ::opsbrain::LogSeverity::kInfo
#define OPSBRAIN_LOG_SEVERITY_WARNING ::opsbrain::LogSeverity::kWarning
#define OPSBRAIN_LOG_SEVERITY_ERROR ::opsbrain::LogSeverity::kError

#define OPSBRAIN_LOG(severity)                                     \
  if (!::opsbrain::LogEnabled(OPSBRAIN_LOG_SEVERITY_##severity)) { \
  } else                                                           \
    ::opsbrain::LogLine(OPSBRAIN_LOG_SEVERITY_##severity).stream()

#endif  // OPSBRAIN_COMMON_LOGGING_H_
