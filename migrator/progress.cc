#include "migrator/progress.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace opsbrain::migrator {
namespace {

constexpr int kBarWidth = 30;

// One decimal place, as records show rates and durations.
double Tenths(double value) { return std::round(value * 10) / 10; }

// "12s", "3m05s", "1h02m".
std::string ShortDuration(double seconds) {
  const int64_t whole = static_cast<int64_t>(std::ceil(seconds));
  if (whole < 60) return absl::StrCat(whole, "s");
  if (whole < 3600) return absl::StrFormat("%dm%02ds", whole / 60, whole % 60);
  return absl::StrFormat("%dh%02dm", whole / 3600, (whole % 3600) / 60);
}

// "41.2k", "950", "1.3M".
std::string ShortCount(double value) {
  if (value >= 1e6) return absl::StrFormat("%.1fM", value / 1e6);
  if (value >= 1e3) return absl::StrFormat("%.1fk", value / 1e3);
  return absl::StrFormat("%.0f", value);
}

}  // namespace

absl::StatusOr<ProgressStyle> ParseProgressStyle(absl::string_view flag,
                                                 bool terminal) {
  if (flag == "auto") {
    return terminal ? ProgressStyle::kBar : ProgressStyle::kJsonLines;
  }
  if (flag == "bar") return ProgressStyle::kBar;
  if (flag == "json") return ProgressStyle::kJsonLines;
  if (flag == "none") return ProgressStyle::kNone;
  return absl::InvalidArgumentError(absl::StrCat(
      "--progress must be auto, bar, json or none, not '", flag, "'"));
}

Progress::Progress(ProgressOptions options) : options_(std::move(options)) {}

void Progress::Start(absl::string_view phase, absl::string_view table,
                     int64_t total) {
  if (options_.style == ProgressStyle::kNone) return;
  if (active_) Finish();
  // An empty table has nothing to show.
  if (total <= 0) return;
  active_ = true;
  phase_ = std::string(phase);
  table_ = std::string(table);
  total_ = std::max<int64_t>(0, total);
  rows_ = 0;
  started_ = options_.clock();
  Emit(/*done=*/false);
}

void Progress::Update(int64_t rows) {
  if (!active_) return;
  rows_ = rows;
  if (options_.clock() >= next_emit_) Emit(/*done=*/false);
}

void Progress::Finish() {
  if (!active_) return;
  Emit(/*done=*/true);
  active_ = false;
}

double Progress::Rate(absl::Duration elapsed) const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? rows_ / seconds : 0;
}

void Progress::Emit(bool done) {
  const absl::Time now = options_.clock();
  const absl::Duration elapsed = now - started_;
  if (options_.style == ProgressStyle::kJsonLines) {
    *options_.out << JsonRecord(done, elapsed) << "\n" << std::flush;
    next_emit_ = now + options_.interval;
  } else {
    *options_.out << "\r" << BarLine(elapsed) << (done ? "\n" : "")
                  << std::flush;
    next_emit_ = now + kBarRedrawInterval;
  }
}

std::string Progress::JsonRecord(bool done, absl::Duration elapsed) const {
  nlohmann::ordered_json record;
  record["event"] = "progress";
  record["phase"] = phase_;
  record["table"] = table_;
  record["rows"] = rows_;
  record["total"] = total_;
  record["percent"] =
      total_ > 0 ? Tenths(100.0 * static_cast<double>(rows_) / total_) : 100.0;
  const double rate = Rate(elapsed);
  record["rows_per_second"] = Tenths(rate);
  record["elapsed_seconds"] = Tenths(absl::ToDoubleSeconds(elapsed));
  if (done) {
    record["eta_seconds"] = 0.0;
  } else if (rate > 0) {
    record["eta_seconds"] = Tenths(
        static_cast<double>(std::max<int64_t>(0, total_ - rows_)) / rate);
  }
  record["done"] = done;
  return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Progress::BarLine(absl::Duration elapsed) const {
  const double fraction =
      total_ > 0 ? std::min(1.0, static_cast<double>(rows_) / total_) : 1.0;
  const int filled = static_cast<int>(fraction * kBarWidth);
  const double rate = Rate(elapsed);
  const std::string eta =
      rate > 0 ? ShortDuration(
                     static_cast<double>(std::max<int64_t>(0, total_ - rows_)) /
                     rate)
               : "?";
  return absl::StrFormat(
      "%-9s %-20s [%s%s] %3d%% %d/%d  %s rows/s  ETA %-7s", phase_, table_,
      std::string(filled, '#'), std::string(kBarWidth - filled, '.'),
      static_cast<int>(fraction * 100), rows_, total_, ShortCount(rate), eta);
}

}  // namespace opsbrain::migrator
