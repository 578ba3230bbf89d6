// The hostile HTTP corpus's case files (tests/hostile/README.md describes
// the format): reading one, and turning its escaped text into the bytes
// that go on the wire.
#ifndef OPSBRAIN_TESTS_HOSTILE_CORPUS_CASE_H_
#define OPSBRAIN_TESTS_HOSTILE_CORPUS_CASE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace opsbrain::hostile {

// What a case must get.
enum class Expect {
  k4xx,           // One answer, a 4xx with the JSON error body.
  k4xxOrClose,    // 4xx answers only, or the connection closed unanswered.
  kStored,        // One 200; the record reads back with its fields intact.
  kEmptyList,     // One 200 holding no record.
  kTimeoutClose,  // Sent slowly; the gateway closes it by its read timeout.
  kNormalised,    // A shape HTTP lets a server normalise (obs-fold): one
                  // answer, below 500.
};

enum class Mode {
  kSend,     // All bytes at once, then a half-close.
  kTrickle,  // One byte at a time, never finished.
};

struct CorpusCase {
  std::string category;  // The directory under corpus/.
  std::string name;      // The file name without ".case".
  std::string note;      // The first comment line.
  Expect expect = Expect::k4xx;
  Mode mode = Mode::kSend;
  // For kStored: the target to GET, and (field path, value) pairs it must
  // hold, e.g. ("messages[0]", "...") or ("successMetrics.k", "...").
  std::string readback;
  std::vector<std::pair<std::string, std::string>> fields;
  // The request as written: escapes and markers not yet resolved.
  std::string request_text;
};

// Decodes \r \n \t \\ \xHH and drops the file's own line breaks.
absl::StatusOr<std::string> Unescape(absl::string_view text);

// Parses a case file's contents.
absl::StatusOr<CorpusCase> ParseCase(absl::string_view category,
                                     absl::string_view name,
                                     absl::string_view contents);

// The bytes to send: unescaped, {{repeat N}}...{{/repeat}} expanded and
// {{token}} replaced by `token`.
absl::StatusOr<std::string> RequestBytes(const CorpusCase& c,
                                         absl::string_view token);

// Every *.case file under `root` (one directory per category), sorted by
// category and name.
absl::StatusOr<std::vector<CorpusCase>> LoadCorpus(const std::string& root);

absl::string_view ExpectName(Expect expect);

}  // namespace opsbrain::hostile

#endif  // OPSBRAIN_TESTS_HOSTILE_CORPUS_CASE_H_
