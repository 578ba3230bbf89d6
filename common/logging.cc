#include "common/logging.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/json_escape.h"
#include "common/utf8.h"

namespace opsbrain {
namespace {

std::atomic<int> min_severity{static_cast<int>(LogSeverity::kInfo)};
std::atomic<int> log_format{static_cast<int>(LogFormat::kText)};

const char* SeverityName(LogSeverity severity) {
  switch (severity) {
    case LogSeverity::kVerbose:
      return "VERBOSE";
    case LogSeverity::kInfo:
      return "INFO";
    case LogSeverity::kWarning:
      return "WARNING";
    case LogSeverity::kError:
      return "ERROR";
  }
  return "?";
}

std::string Now() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(),
                          absl::UTCTimeZone());
}

// One write per line keeps lines whole when threads log at once.
void WriteLine(const std::string& line) {
  size_t written = 0;
  while (written < line.size()) {
    ssize_t n =
        ::write(STDERR_FILENO, line.data() + written, line.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
}

std::string JsonPrefix(LogSeverity severity) {
  return absl::StrCat(R"({"time":")", Now(), R"(","severity":")",
                      SeverityName(severity), R"(",)");
}

}  // namespace

void SetMinLogSeverity(LogSeverity severity) {
  min_severity.store(static_cast<int>(severity));
}

bool LogEnabled(LogSeverity severity) {
  return static_cast<int>(severity) >= min_severity.load();
}

void SetLogFormat(LogFormat format) {
  log_format.store(static_cast<int>(format));
}

LogFormat GetLogFormat() { return static_cast<LogFormat>(log_format.load()); }

LogField::LogField(absl::string_view key, double value)
    : key_(key), value_(absl::StrFormat("%.3f", value)), number_(true) {}

std::string JsonEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const unsigned char c = static_cast<unsigned char>(text.front());
    if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(text);
      if (length == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        text.remove_prefix(1);
        continue;
      }
      out.append(text.data(), length);
      text.remove_prefix(length);
      continue;
    }
    if (c == 0x7F) {
      AppendJsonUnicodeEscape(c, &out);
    } else if (!AppendRequiredJsonEscape(c, &out)) {
      out += static_cast<char>(c);
    }
    text.remove_prefix(1);
  }
  return out;
}

void LogEvent(LogSeverity severity, absl::string_view event,
              std::initializer_list<LogField> fields) {
  if (!LogEnabled(severity)) return;
  std::string line;
  if (GetLogFormat() == LogFormat::kJson) {
    line = absl::StrCat(JsonPrefix(severity), R"("msg":")", JsonEscape(event),
                        "\"");
    for (const LogField& field : fields) {
      absl::StrAppend(&line, ",\"", JsonEscape(field.key()), "\":");
      if (field.number()) {
        absl::StrAppend(&line, field.value());
      } else {
        absl::StrAppend(&line, "\"", JsonEscape(field.value()), "\"");
      }
    }
    line += "}\n";
  } else {
    line = absl::StrCat(Now(), " ", SeverityName(severity), " ", event);
    for (const LogField& field : fields) {
      absl::StrAppend(&line, " ", field.key(), "=", field.value());
    }
    line += '\n';
  }
  WriteLine(line);
}

LogLine::~LogLine() {
  std::string line;
  if (GetLogFormat() == LogFormat::kJson) {
    line = absl::StrCat(JsonPrefix(severity_), R"("msg":")",
                        JsonEscape(stream_.str()), "\"}\n");
  } else {
    line = absl::StrCat(Now(), " ", SeverityName(severity_), " ", stream_.str(),
                        "\n");
  }
  WriteLine(line);
}

}  // namespace opsbrain
