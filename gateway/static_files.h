// The operator console's static files (console/ in the repository), served
// by the gateway under /console/ without a token: the page itself holds no
// data; everything it shows comes from the REST API with the operator's
// bearer token, behind the same authentication, scopes and rate limits as
// any other client.
//
// The files are read once, at start, from a directory given by the
// operator (--console_dir), so that a request can only ever name a file
// that was found then: the lookup is an exact match on a normalised
// relative path, and a path with `..`, `.` segments, a percent sign, a
// backslash or a control character is refused before it. Files whose real
// path (symlinks resolved) leaves the directory, dot-files and files of an
// unknown type are never loaded.
//
// Every answer carries the browser hardening headers: a strict
// Content-Security-Policy (scripts and styles from the gateway only, no
// inline code, no eval, no framing), X-Content-Type-Options: nosniff,
// Referrer-Policy: no-referrer and X-Frame-Options: DENY. Files are sent
// with a strong ETag and `Cache-Control: no-cache`, so a browser revalidates
// (304) and picks up a new release at once. Thread-safe after Load.
#ifndef OPSBRAIN_GATEWAY_STATIC_FILES_H_
#define OPSBRAIN_GATEWAY_STATIC_FILES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/http_types.h"

namespace opsbrain::gateway {

// The URL prefix of the console; "/console" alone redirects to it.
inline constexpr char kConsolePrefix[] = "/console/";

// The charting library, from npm (console/package-lock.json), relative to
// the console directory; the gateway warns at start when it is missing.
inline constexpr char kConsoleChartLibrary[] =
    "node_modules/chart.js/dist/chart.umd.min.js";

// The Content-Security-Policy of every console answer.
inline constexpr char kConsoleContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

struct StaticFilesOptions {
  // Loading stops with an error past these: the console is a few hundred
  // KiB, so more means the wrong directory was named.
  int64_t max_file_bytes = 8 << 20;
  int64_t max_total_bytes = 64 << 20;
  int max_files = 2000;
};

class StaticFiles {
 public:
  // Reads every servable file under `directory`: regular files (or
  // symlinks to them inside the directory) with a known extension, not
  // starting with a dot, in directories not starting with a dot.
  // FAILED_PRECONDITION when the directory cannot be read or holds no
  // index.html; RESOURCE_EXHAUSTED past the options' limits.
  static absl::StatusOr<StaticFiles> Load(const std::string& directory,
                                          StaticFilesOptions options = {});

  // True for "/console" and everything under "/console/".
  static bool Handles(absl::string_view path);

  // The answer to `method` on `path` (without the query), given the
  // request's headers (If-None-Match). GET only. Every answer has
  // a Content-Type and the hardening headers.
  HttpResponse Serve(absl::string_view method, absl::string_view path,
                     const std::vector<HttpHeader>& request_headers) const;

  // True when `relative` (e.g. "index.html") was loaded.
  bool Has(absl::string_view relative) const;
  size_t size() const { return files_.size(); }
  int64_t total_bytes() const { return total_bytes_; }
  const std::string& root() const { return root_; }

 private:
  struct File {
    std::string content;
    std::string content_type;
    std::string etag;  // Quoted, strong.
  };

  StaticFiles() = default;

  std::string root_;  // Real path, without a trailing slash.
  std::map<std::string, File, std::less<>> files_;
  int64_t total_bytes_ = 0;
};

// The media type for a file name by its extension, or "" when the console
// does not serve that kind of file.
std::string ContentTypeFor(absl::string_view file_name);

// The relative file path a console URL path names ("index.html" for the
// prefix itself), or "" when the path is not a safe, normalised one.
std::string ConsoleRelativePath(absl::string_view path);

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_STATIC_FILES_H_
