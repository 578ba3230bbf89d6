// A thin logger: one line per event on stderr, with UTC time and severity.
//
// Debian's Abseil has no absl/log, and the project logs little: lifecycle at
// INFO, degraded states at WARNING, its own failures at ERROR, and
// per-request detail only at VERBOSE (off unless enabled). Callers must
// never pass a password, token or sensitive configuration value.
//
// Usage:
//   OPSBRAIN_LOG(INFO) << "listening on " << address;
//   LogEvent(LogSeverity::kInfo, "access",
//            {{"method", "GET"}, {"status", 200}, {"latency_ms", 1.5}});
//
// Two formats, chosen once per process with SetLogFormat:
//   kText (default)  2024-05-01T10:00:00.000000Z INFO access method=GET ...
//   kJson            {"time":"2024-05-01T10:00:00.000000Z","severity":"INFO",
//                     "msg":"access","method":"GET",...}
// JSON lines are for log collectors; each is one JSON object. A stream line
// becomes {"time":...,"severity":...,"msg":"the text"}.
//
// Thread-safe: each line is written with a single write to stderr.
#ifndef OPSBRAIN_COMMON_LOGGING_H_
#define OPSBRAIN_COMMON_LOGGING_H_

#include <initializer_list>
#include <sstream>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace opsbrain {

enum class LogSeverity { kVerbose, kInfo, kWarning, kError };

enum class LogFormat { kText, kJson };

// Lines below this severity are dropped. Defaults to kInfo.
void SetMinLogSeverity(LogSeverity severity);
bool LogEnabled(LogSeverity severity);

// Defaults to kText. Set it before other threads log.
void SetLogFormat(LogFormat format);
LogFormat GetLogFormat();

// One named value of a structured event. Keys should be snake_case ASCII;
// string values may hold any bytes (JSON output escapes them and replaces
// invalid UTF-8). Numbers are written unquoted in JSON.
class LogField {
 public:
  LogField(absl::string_view key, absl::string_view value)
      : key_(key), value_(value) {}
  LogField(absl::string_view key, const char* value)
      : LogField(key, absl::string_view(value)) {}
  LogField(absl::string_view key, const std::string& value)
      : LogField(key, absl::string_view(value)) {}
  template <typename T, typename = std::enable_if_t<std::is_integral_v<T> &&
                                                    !std::is_same_v<T, bool>>>
  LogField(absl::string_view key, T value)
      : key_(key), value_(absl::StrCat(value)), number_(true) {}
  // Printed with three decimals (milliseconds with microseconds).
  LogField(absl::string_view key, double value);

  const std::string& key() const { return key_; }
  const std::string& value() const { return value_; }
  bool number() const { return number_; }

 private:
  std::string key_;
  std::string value_;
  bool number_ = false;
};

// Writes one event: `event` names it (the "msg" of a JSON line, the first
// word of a text line), then `fields` in order, as key=value in text.
void LogEvent(LogSeverity severity, absl::string_view event,
              std::initializer_list<LogField> fields);

// `text` as the contents of a JSON string (without the quotes): quotes,
// backslashes and control characters escaped, invalid UTF-8 replaced by
// U+FFFD. Exposed for tests and for other JSON writers.
std::string JsonEscape(absl::string_view text);

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
