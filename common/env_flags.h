// Twelve-factor configuration: a flag wins, then an environment variable,
// then the built-in default.
#ifndef OPSBRAIN_COMMON_ENV_FLAGS_H_
#define OPSBRAIN_COMMON_ENV_FLAGS_H_

#include <cstdlib>
#include <string>

namespace opsbrain {

// `flag_value` when non-empty (flags default to empty for this reason),
// else the environment variable `env` when set and non-empty, else
// `fallback`.
inline std::string FlagOrEnv(const std::string& flag_value, const char* env,
                             const char* fallback) {
  if (!flag_value.empty()) return flag_value;
  const char* value = std::getenv(env);
  if (value != nullptr && *value != '\0') return value;
  return fallback;
}

}  // namespace opsbrain

#endif  // OPSBRAIN_COMMON_ENV_FLAGS_H_
