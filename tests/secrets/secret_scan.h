// Finds secrets in text: what the secrets suite uses to check logs, error
// bodies, metrics and audit rows. A finding names the text and the line and
// shows only a masked form of the secret, so that a failing test does not
// print the very value it guards (its own log is scanned too).
#ifndef OPSBRAIN_TESTS_SECRETS_SECRET_SCAN_H_
#define OPSBRAIN_TESTS_SECRETS_SECRET_SCAN_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace opsbrain::secrets {

// A text to scan and where it came from ("gateway log", "error body of ...").
struct ScannedText {
  std::string source;
  std::string text;
};

// "sk-F...(59 bytes)": enough to tell secrets apart, too little to use one.
std::string Masked(absl::string_view secret);

// One description per (text line, secret) where the line holds the secret.
// Empty secrets are ignored.
std::vector<std::string> FindLeaks(const std::vector<ScannedText>& texts,
                                   const std::vector<std::string>& secrets);

}  // namespace opsbrain::secrets

#endif  // OPSBRAIN_TESTS_SECRETS_SECRET_SCAN_H_
