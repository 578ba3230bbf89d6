#include "tests/secrets/secret_scan.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace opsbrain::secrets {

std::string Masked(absl::string_view secret) {
  return absl::StrCat(secret.substr(0, 4), "...(", secret.size(), " bytes)");
}

std::vector<std::string> FindLeaks(const std::vector<ScannedText>& texts,
                                   const std::vector<std::string>& secrets) {
  std::vector<std::string> leaks;
  for (const ScannedText& scanned : texts) {
    int line_number = 0;
    for (absl::string_view line : absl::StrSplit(scanned.text, '\n')) {
      ++line_number;
      for (const std::string& secret : secrets) {
        if (secret.empty() || !absl::StrContains(line, secret)) continue;
        leaks.push_back(absl::StrCat(scanned.source, ", line ", line_number,
                                     ": holds ", Masked(secret)));
      }
    }
  }
  return leaks;
}

}  // namespace opsbrain::secrets
