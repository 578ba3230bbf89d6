#include "common/duration_flag.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace opsbrain {

bool AbslParseFlag(absl::string_view text, DurationWithDays* duration,
                   std::string* error) {
  text = absl::StripAsciiWhitespace(text);
  absl::Duration parsed;
  if (!text.empty() && text.back() == 'd') {
    double days = 0;
    if (!absl::SimpleAtod(text.substr(0, text.size() - 1), &days) ||
        !std::isfinite(days)) {
      *error = absl::StrCat("'", text, "' is not a number of days (e.g. 90d)");
      return false;
    }
    parsed = absl::Hours(24) * days;
  } else if (!absl::ParseDuration(text, &parsed)) {
    *error =
        absl::StrCat("'", text, "' is not a duration (e.g. 90d, 36h, 30m, 0)");
    return false;
  }
  if (parsed < absl::ZeroDuration()) {
    *error = absl::StrCat("'", text, "' is negative");
    return false;
  }
  duration->value = parsed;
  return true;
}

std::string AbslUnparseFlag(const DurationWithDays& duration) {
  const absl::Duration day = absl::Hours(24);
  if (duration.value >= day && duration.value < absl::InfiniteDuration()) {
    absl::Duration remainder;
    const int64_t days = absl::IDivDuration(duration.value, day, &remainder);
    if (remainder == absl::ZeroDuration()) return absl::StrCat(days, "d");
  }
  return absl::FormatDuration(duration.value);
}

}  // namespace opsbrain
