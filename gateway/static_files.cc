#include "gateway/static_files.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "openssl/sha.h"

namespace opsbrain::gateway {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kIndex = "index.html";

struct Extension {
  absl::string_view suffix;
  absl::string_view content_type;
};

// The kinds of file a static single-page console needs, and no more: no
// file type a browser might run as something else is served at all.
constexpr Extension kExtensions[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".png", "image/png"},
    {".svg", "image/svg+xml"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
};

std::string StrongEtag(absl::string_view content) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(content.data()), content.size(),
         digest);
  return absl::StrCat("\"",
                      absl::BytesToHexString(absl::string_view(
                          reinterpret_cast<const char*>(digest), 16)),
                      "\"");
}

void AddHardeningHeaders(HttpResponse* response) {
  response->headers.push_back(
      {"Content-Security-Policy", kConsoleContentSecurityPolicy});
  response->headers.push_back({"X-Content-Type-Options", "nosniff"});
  response->headers.push_back({"Referrer-Policy", "no-referrer"});
  response->headers.push_back({"X-Frame-Options", "DENY"});
  response->headers.push_back({"Cross-Origin-Opener-Policy", "same-origin"});
}

HttpResponse TextAnswer(int status, absl::string_view text) {
  HttpResponse response;
  response.status = status;
  response.body = std::string(text);
  response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  response.headers.push_back({"Cache-Control", "no-store"});
  AddHardeningHeaders(&response);
  return response;
}

// True when If-None-Match names `etag` (or is "*").
bool NoneMatchHits(const std::vector<HttpHeader>& headers,
                   absl::string_view etag) {
  const std::string* none_match = FindHeader(headers, "If-None-Match");
  if (none_match == nullptr) return false;
  for (absl::string_view tag : absl::StrSplit(*none_match, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    if (absl::StartsWith(tag, "W/")) tag.remove_prefix(2);
    if (tag == etag || tag == "*") return true;
  }
  return false;
}

bool IsUnder(const fs::path& real, const std::string& root) {
  const std::string text = real.string();
  return text.size() > root.size() && absl::StartsWith(text, root) &&
         text[root.size()] == '/';
}

}  // namespace

std::string ContentTypeFor(absl::string_view file_name) {
  for (const Extension& extension : kExtensions) {
    if (absl::EndsWith(file_name, extension.suffix) &&
        file_name.size() > extension.suffix.size()) {
      return std::string(extension.content_type);
    }
  }
  return "";
}

std::string ConsoleRelativePath(absl::string_view path) {
  if (!absl::ConsumePrefix(&path, kConsolePrefix)) return "";
  if (path.empty()) return std::string(kIndex);
  // Only the characters of our own file names: anything percent-encoded,
  // a backslash, a control or non-ASCII byte is not a console file.
  for (char c : path) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!absl::ascii_isalnum(u) && c != '/' && c != '.' && c != '-' &&
        c != '_' && c != '@') {
      return "";
    }
  }
  for (absl::string_view segment : absl::StrSplit(path, '/')) {
    // Empty ("//", a trailing slash), "." and ".." segments, and dot-files.
    if (segment.empty() || segment.front() == '.') return "";
  }
  return std::string(path);
}

absl::StatusOr<StaticFiles> StaticFiles::Load(const std::string& directory,
                                              StaticFilesOptions options) {
  std::error_code error;
  const fs::path root = fs::canonical(directory, error);
  if (error || !fs::is_directory(root, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the console directory ", directory,
                     " cannot be read: ", error.message()));
  }
  StaticFiles files;
  files.root_ = root.string();

  fs::recursive_directory_iterator it(root, error), end;
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot list the console directory ", directory, ": ",
                     error.message()));
  }
  for (; it != end; it.increment(error)) {
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot list the console directory ", directory, ": ",
                       error.message()));
    }
    const fs::directory_entry& entry = *it;
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name.front() == '.') {
      // Dot-files and dot-directories (.git, .cache, .bin) stay private.
      if (entry.is_directory(error)) it.disable_recursion_pending();
      continue;
    }
    // The iterator does not follow directory symlinks; a file symlink
    // counts only when its target is inside the directory.
    if (!entry.is_regular_file(error)) continue;
    const fs::path real = fs::canonical(entry.path(), error);
    if (error || !IsUnder(real, files.root_)) continue;
    const std::string relative =
        entry.path().lexically_relative(root).generic_string();
    const std::string content_type = ContentTypeFor(name);
    if (content_type.empty() || ConsoleRelativePath(absl::StrCat(
                                    kConsolePrefix, relative)) != relative) {
      continue;
    }

    const uintmax_t bytes = fs::file_size(real, error);
    if (error) continue;
    if (static_cast<int64_t>(bytes) > options.max_file_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("console file ", relative, " is larger than ",
                       options.max_file_bytes, " bytes"));
    }
    std::ifstream in(real, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot read console file ", relative));
    }
    files.total_bytes_ += static_cast<int64_t>(content.size());
    if (files.total_bytes_ > options.max_total_bytes ||
        static_cast<int>(files.files_.size()) >= options.max_files) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the console directory ", directory, " holds more than ",
                       options.max_files, " files or ", options.max_total_bytes,
                       " bytes; is it the right directory?"));
    }
    File file;
    file.etag = StrongEtag(content);
    file.content = std::move(content);
    file.content_type = content_type;
    files.files_.emplace(relative, std::move(file));
  }
  if (!files.Has(kIndex)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the console directory ", directory, " has no index.html"));
  }
  return files;
}

bool StaticFiles::Handles(absl::string_view path) {
  return path == "/console" || absl::StartsWith(path, kConsolePrefix);
}

bool StaticFiles::Has(absl::string_view relative) const {
  return files_.find(relative) != files_.end();
}

HttpResponse StaticFiles::Serve(
    absl::string_view method, absl::string_view path,
    const std::vector<HttpHeader>& request_headers) const {
  // Not HEAD: the HTTP server would send the body of a GET after it.
  if (method != "GET") {
    HttpResponse response = TextAnswer(405, "method not allowed\n");
    response.headers.push_back({"Allow", "GET"});
    return response;
  }
  if (path == "/console") {
    // Relative links in the page resolve against the directory.
    HttpResponse response = TextAnswer(301, "moved to /console/\n");
    response.headers.push_back({"Location", kConsolePrefix});
    return response;
  }
  const std::string relative = ConsoleRelativePath(path);
  if (relative.empty()) return TextAnswer(404, "no such console file\n");
  const auto found = files_.find(relative);
  if (found == files_.end()) return TextAnswer(404, "no such console file\n");
  const File& file = found->second;

  HttpResponse response;
  response.headers.push_back({"Content-Type", file.content_type});
  response.headers.push_back({"ETag", file.etag});
  response.headers.push_back({"Cache-Control", "no-cache"});
  AddHardeningHeaders(&response);
  if (NoneMatchHits(request_headers, file.etag)) {
    response.status = 304;
    return response;
  }
  response.body = file.content;
  return response;
}

}  // namespace opsbrain::gateway
