#include "tests/hostile/corpus_case.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace opsbrain::hostile {
namespace {

constexpr absl::string_view kRepeatOpen = "{{repeat ";
constexpr absl::string_view kRepeatClose = "{{/repeat}}";
// Bounds a typo in a case file, not a real case (the largest is 1 MiB).
constexpr size_t kMaxRequestBytes = 8 << 20;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<Expect> ParseExpect(absl::string_view word) {
  if (word == "4xx") return Expect::k4xx;
  if (word == "4xx-or-close") return Expect::k4xxOrClose;
  if (word == "stored") return Expect::kStored;
  if (word == "empty-list") return Expect::kEmptyList;
  if (word == "timeout-close") return Expect::kTimeoutClose;
  if (word == "normalised") return Expect::kNormalised;
  return absl::InvalidArgumentError(absl::StrCat("unknown expect: ", word));
}

// Expands the repeat markers (not nested).
absl::StatusOr<std::string> ExpandRepeats(absl::string_view text) {
  std::string out;
  while (true) {
    const size_t open = text.find(kRepeatOpen);
    if (open == absl::string_view::npos) break;
    out.append(text.data(), open);
    text.remove_prefix(open + kRepeatOpen.size());
    const size_t brace = text.find("}}");
    int count = 0;
    if (brace == absl::string_view::npos ||
        !absl::SimpleAtoi(text.substr(0, brace), &count) || count < 0) {
      return absl::InvalidArgumentError("bad {{repeat N}} marker");
    }
    text.remove_prefix(brace + 2);
    const size_t close = text.find(kRepeatClose);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("{{repeat}} without {{/repeat}}");
    }
    const absl::string_view unit = text.substr(0, close);
    if (out.size() + unit.size() * count > kMaxRequestBytes) {
      return absl::InvalidArgumentError("request over 8 MiB");
    }
    for (int i = 0; i < count; ++i) out.append(unit.data(), unit.size());
    text.remove_prefix(close + kRepeatClose.size());
  }
  out.append(text.data(), text.size());
  return out;
}

}  // namespace

absl::string_view ExpectName(Expect expect) {
  switch (expect) {
    case Expect::k4xx:
      return "4xx";
    case Expect::k4xxOrClose:
      return "4xx-or-close";
    case Expect::kStored:
      return "stored";
    case Expect::kEmptyList:
      return "empty-list";
    case Expect::kTimeoutClose:
      return "timeout-close";
    case Expect::kNormalised:
      return "normalised";
  }
  return "?";
}

absl::StatusOr<std::string> Unescape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') continue;  // The file's line breaks are for people.
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i == text.size()) {
      return absl::InvalidArgumentError("backslash at the end");
    }
    switch (text[i]) {
      case 'r':
        out.push_back('\r');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case 'x': {
        const int high = i + 1 < text.size() ? HexDigit(text[i + 1]) : -1;
        const int low = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
        if (high < 0 || low < 0) {
          return absl::InvalidArgumentError("bad \\x escape");
        }
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        break;
      }
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("unknown escape \\", text.substr(i, 1)));
    }
  }
  return out;
}

absl::StatusOr<CorpusCase> ParseCase(absl::string_view category,
                                     absl::string_view name,
                                     absl::string_view contents) {
  CorpusCase c;
  c.category = std::string(category);
  c.name = std::string(name);
  bool saw_expect = false;
  while (true) {
    const size_t end = contents.find('\n');
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError("no --- line");
    }
    absl::string_view line = contents.substr(0, end);
    contents.remove_prefix(end + 1);
    if (line == "---") break;
    if (absl::ConsumePrefix(&line, "# ")) {
      if (c.note.empty()) c.note = std::string(line);
    } else if (absl::ConsumePrefix(&line, "expect: ")) {
      OPSBRAIN_ASSIGN_OR_RETURN(c.expect, ParseExpect(line));
      saw_expect = true;
    } else if (absl::ConsumePrefix(&line, "mode: ")) {
      if (line != "trickle") {
        return absl::InvalidArgumentError(absl::StrCat("unknown mode ", line));
      }
      c.mode = Mode::kTrickle;
    } else if (absl::ConsumePrefix(&line, "readback: ")) {
      c.readback = std::string(line);
    } else if (absl::ConsumePrefix(&line, "field: ")) {
      const size_t equals = line.find('=');
      if (equals == absl::string_view::npos) {
        return absl::InvalidArgumentError("field line without '='");
      }
      OPSBRAIN_ASSIGN_OR_RETURN(std::string value,
                                Unescape(line.substr(equals + 1)));
      c.fields.emplace_back(std::string(line.substr(0, equals)),
                            std::move(value));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown header line: ", line));
    }
  }
  if (!saw_expect) return absl::InvalidArgumentError("no expect: line");
  if (c.expect == Expect::kStored && (c.readback.empty() || c.fields.empty())) {
    return absl::InvalidArgumentError("stored without readback and fields");
  }
  c.request_text = std::string(contents);
  return c;
}

absl::StatusOr<std::string> RequestBytes(const CorpusCase& c,
                                         absl::string_view token) {
  OPSBRAIN_ASSIGN_OR_RETURN(std::string raw, Unescape(c.request_text));
  OPSBRAIN_ASSIGN_OR_RETURN(std::string expanded, ExpandRepeats(raw));
  return absl::StrReplaceAll(expanded, {{"{{token}}", token}});
}

absl::StatusOr<std::vector<CorpusCase>> LoadCorpus(const std::string& root) {
  namespace fs = std::filesystem;
  std::vector<CorpusCase> cases;
  std::error_code error;
  for (fs::recursive_directory_iterator it(root, error), end;
       !error && it != end; it.increment(error)) {
    const fs::path& path = it->path();
    if (path.extension() != ".case") continue;
    std::ifstream file(path, std::ios::binary);
    std::stringstream contents;
    contents << file.rdbuf();
    if (!file) {
      return absl::InternalError(absl::StrCat("cannot read ", path.string()));
    }
    absl::StatusOr<CorpusCase> c =
        ParseCase(path.parent_path().filename().string(), path.stem().string(),
                  contents.str());
    if (!c.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path.string(), ": ", c.status().message()));
    }
    cases.push_back(*std::move(c));
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot list ", root, ": ", error.message()));
  }
  std::sort(
      cases.begin(), cases.end(), [](const CorpusCase& a, const CorpusCase& b) {
        return std::tie(a.category, a.name) < std::tie(b.category, b.name);
      });
  return cases;
}

}  // namespace opsbrain::hostile
