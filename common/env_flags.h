// Twelve-factor configuration: a flag on the command line wins, then an
// environment variable, then the flag's default.
//
//   ABSL_FLAG(int, port, 8080, "...");
//   ...
//   // Before absl::ParseCommandLine, which then overrides what it set:
//   absl::Status status = FlagFromEnv(&FLAGS_port, "PORT");
#ifndef OPSBRAIN_COMMON_ENV_FLAGS_H_
#define OPSBRAIN_COMMON_ENV_FLAGS_H_

#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace opsbrain {

// Sets `flag` from the environment variable `env` when that is set and not
// empty, parsed as the flag's type. INVALID_ARGUMENT naming the variable
// when it does not parse (its value is not echoed: it may be a secret).
template <typename T>
absl::Status FlagFromEnv(absl::Flag<T>* flag, const char* env) {
  const char* text = std::getenv(env);
  if (text == nullptr || *text == '\0') return absl::OkStatus();
  T value;
  std::string error;
  if (!absl::ParseFlag(absl::string_view(text), &value, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("environment variable ", env, ": ", error));
  }
  absl::SetFlag(flag, value);
  return absl::OkStatus();
}

}  // namespace opsbrain

#endif  // OPSBRAIN_COMMON_ENV_FLAGS_H_
