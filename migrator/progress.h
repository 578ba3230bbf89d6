// Progress of the migrator's long phases, table by table: on a terminal a
// bar redrawn in place (rows done of all, rate, time left); otherwise one
// JSON object per line, at most once per interval, for log collectors:
//
//   {"event":"progress","phase":"import","table":"performance_metrics",
//    "rows":120000,"total":200000,"percent":60.0,"rows_per_second":41000.0,
//    "elapsed_seconds":2.9,"eta_seconds":1.9,"done":false}
//
// A table's first and last records (rows 0 and done:true) are always
// written. The time left is (total - rows) / rate, rounded to 0.1 s; it is
// absent from a record until a rate is known.
//
// Not thread-safe: one phase at a time, from one thread.
#ifndef OPSBRAIN_MIGRATOR_PROGRESS_H_
#define OPSBRAIN_MIGRATOR_PROGRESS_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace opsbrain::migrator {

enum class ProgressStyle { kNone, kBar, kJsonLines };

// The --progress flag: "auto" (a bar when `terminal`, else JSON lines),
// "bar", "json" or "none". INVALID_ARGUMENT for anything else.
absl::StatusOr<ProgressStyle> ParseProgressStyle(absl::string_view flag,
                                                 bool terminal);

struct ProgressOptions {
  ProgressStyle style = ProgressStyle::kNone;
  // Where records go (the binary: stderr, so that stdout keeps the
  // summary). Must outlive the Progress; unused with kNone.
  std::ostream* out = nullptr;
  // Least time between two JSON records of one table. The bar is redrawn
  // at most every kBarRedrawInterval.
  absl::Duration interval = absl::Seconds(1);
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

inline constexpr absl::Duration kBarRedrawInterval = absl::Milliseconds(100);

class Progress {
 public:
  explicit Progress(ProgressOptions options);

  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Begins `table` of `phase` ("preflight", "import", "verify"), which has
  // `total` rows to go through. A table of no rows shows nothing.
  void Start(absl::string_view phase, absl::string_view table, int64_t total);

  // `rows` of the current table are done. Cheap when nothing is due.
  void Update(int64_t rows);

  // The current table is done: its last record (the bar: its last drawing
  // and a newline). Does nothing without a table.
  void Finish();

 private:
  void Emit(bool done);
  std::string JsonRecord(bool done, absl::Duration elapsed) const;
  std::string BarLine(absl::Duration elapsed) const;
  double Rate(absl::Duration elapsed) const;

  const ProgressOptions options_;
  bool active_ = false;
  std::string phase_;
  std::string table_;
  int64_t total_ = 0;
  int64_t rows_ = 0;
  absl::Time started_;
  absl::Time next_emit_;
};

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_PROGRESS_H_
