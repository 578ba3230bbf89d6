// A flag type for long durations: absl::Duration's syntax ("90s", "36h")
// plus whole or fractional days ("90d", "1.5d"), which retention periods
// are usually given in. Negative durations are refused.
//
//   ABSL_FLAG(opsbrain::DurationWithDays, metrics_retention,
//             opsbrain::DurationWithDays{}, "...; 0 keeps forever");
//   absl::Duration retention = absl::GetFlag(FLAGS_metrics_retention).value;
#ifndef OPSBRAIN_COMMON_DURATION_FLAG_H_
#define OPSBRAIN_COMMON_DURATION_FLAG_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace opsbrain {

struct DurationWithDays {
  absl::Duration value = absl::ZeroDuration();
};

// For absl::Flag (found by argument-dependent lookup).
bool AbslParseFlag(absl::string_view text, DurationWithDays* duration,
                   std::string* error);
// Days when the duration is a whole number of them ("90d"), else
// absl::FormatDuration ("36h", "0").
std::string AbslUnparseFlag(const DurationWithDays& duration);

}  // namespace opsbrain

#endif  // OPSBRAIN_COMMON_DURATION_FLAG_H_
