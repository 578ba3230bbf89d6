#include "gateway/static_files.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gateway/http_types.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::gateway {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

void Write(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string Header(const HttpResponse& response, const char* name) {
  const std::string* value = FindHeader(response.headers, name);
  return value == nullptr ? "" : *value;
}

// A console directory beside a private file, with the tricks a request or
// a careless deploy could play.
class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    base_ =
        fs::path(tmp == nullptr ? "/tmp" : tmp) /
        absl::StrCat(
            "static_files_", getpid(), "_",
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "console";
    Write(root_ / "index.html", "<!doctype html><title>c</title>");
    Write(root_ / "js" / "app.js", "export const x = 1;\n");
    Write(root_ / "style.css", "body{}");
    Write(root_ / "node_modules/chart.js/dist/chart.umd.min.js", "chart");
    Write(root_ / "node_modules/chart.js/package.json", "{}");
    Write(root_ / ".env", "SECRET=1");
    Write(root_ / ".git" / "config", "x");
    Write(root_ / "notes.sh", "#!/bin/sh");
    Write(base_ / "private.js", "outside");
    fs::create_symlink(base_ / "private.js", root_ / "escape.js");
    fs::create_symlink(base_, root_ / "up");
    fs::create_symlink(root_ / "style.css", root_ / "inside.css");
  }

  void TearDown() override { fs::remove_all(base_); }

  StaticFiles Load() {
    absl::StatusOr<StaticFiles> files = StaticFiles::Load(root_.string());
    EXPECT_TRUE(files.ok()) << files.status();
    return *std::move(files);
  }

  fs::path base_, root_;
};

TEST_F(StaticFilesTest, ServesIndexAndFilesWithTypesAndHardening) {
  const StaticFiles files = Load();
  HttpResponse index = files.Serve("GET", "/console/", {});
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html><title>c</title>");
  EXPECT_EQ(Header(index, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(Header(index, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(index, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(Header(index, "X-Frame-Options"), "DENY");
  EXPECT_EQ(Header(index, "Cache-Control"), "no-cache");
  const std::string csp = Header(index, "Content-Security-Policy");
  EXPECT_THAT(csp, HasSubstr("script-src 'self';"));
  EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(csp, HasSubstr("object-src 'none'"));
  EXPECT_THAT(csp, ::testing::Not(HasSubstr("unsafe")));

  HttpResponse script = files.Serve("GET", "/console/js/app.js", {});
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(Header(script, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(files.Serve("GET", "/console/style.css", {}).status, 200);
  EXPECT_EQ(
      Header(files.Serve("GET", "/console/style.css", {}), "Content-Type"),
      "text/css; charset=utf-8");
  EXPECT_TRUE(files.Has(kConsoleChartLibrary));
  EXPECT_EQ(
      files.Serve("GET", absl::StrCat("/console/", kConsoleChartLibrary), {})
          .body,
      "chart");
}

TEST_F(StaticFilesTest, RedirectsTheBarePrefix) {
  const StaticFiles files = Load();
  HttpResponse response = files.Serve("GET", "/console", {});
  EXPECT_EQ(response.status, 301);
  EXPECT_EQ(Header(response, "Location"), "/console/");
  EXPECT_TRUE(StaticFiles::Handles("/console"));
  EXPECT_TRUE(StaticFiles::Handles("/console/x"));
  EXPECT_FALSE(StaticFiles::Handles("/consoles"));
  EXPECT_FALSE(StaticFiles::Handles("/v1/console"));
}

TEST_F(StaticFilesTest, RefusesTraversalAndEncodedTricks) {
  const StaticFiles files = Load();
  for (const char* path : {
           "/console/../private.js",
           "/console/js/../index.html",
           "/console/./index.html",
           "/console/%2e%2e/private.js",
           "/console/%2E%2E%2Fprivate.js",
           "/console/js%2fapp.js",
           "/console/js/app.js%00.html",
           "/console/..%5cprivate.js",
           "/console/js\\app.js",
           "/console//index.html",
           "/console/js/",
           "/console/up/private.js",
           "/console/up/console/index.html",
       }) {
    HttpResponse response = files.Serve("GET", path, {});
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_NE(response.body, "outside") << path;
    // Refusals are hardened too.
    EXPECT_EQ(Header(response, "X-Content-Type-Options"), "nosniff") << path;
  }
  EXPECT_EQ(ConsoleRelativePath("/console/a/../b.js"), "");
  EXPECT_EQ(ConsoleRelativePath("/console/a%2Fb.js"), "");
  EXPECT_EQ(ConsoleRelativePath("/console/a/b.js"), "a/b.js");
  EXPECT_EQ(ConsoleRelativePath("/console/"), "index.html");
}

TEST_F(StaticFilesTest, NeverLoadsSymlinksOutDotFilesOrUnknownTypes) {
  const StaticFiles files = Load();
  EXPECT_FALSE(files.Has("escape.js"));      // Symlink out of the directory.
  EXPECT_FALSE(files.Has("up/private.js"));  // Directory symlink.
  EXPECT_TRUE(files.Has("inside.css"));      // Symlink inside is fine.
  EXPECT_FALSE(files.Has(".env"));
  EXPECT_FALSE(files.Has(".git/config"));
  EXPECT_FALSE(files.Has("notes.sh"));
  EXPECT_FALSE(files.Has("node_modules/chart.js/package.json"));
  EXPECT_EQ(files.Serve("GET", "/console/escape.js", {}).status, 404);
  EXPECT_EQ(files.Serve("GET", "/console/.env", {}).status, 404);
  EXPECT_EQ(files.Serve("GET", "/console/notes.sh", {}).status, 404);
  // index.html, app.js, style.css, inside.css, the chart library.
  EXPECT_EQ(files.size(), 5u);
}

TEST_F(StaticFilesTest, RevalidatesWithTheEtag) {
  const StaticFiles files = Load();
  HttpResponse first = files.Serve("GET", "/console/js/app.js", {});
  const std::string etag = Header(first, "ETag");
  ASSERT_THAT(etag, StartsWith("\""));
  EXPECT_EQ(etag.size(), 34u);
  HttpResponse again =
      files.Serve("GET", "/console/js/app.js", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_THAT(again.body, IsEmpty());
  EXPECT_EQ(Header(again, "ETag"), etag);
  HttpResponse changed =
      files.Serve("GET", "/console/js/app.js", {{"If-None-Match", "\"0000\""}});
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(Header(files.Serve("GET", "/console/style.css", {}), "ETag"), etag);
}

TEST_F(StaticFilesTest, OnlyGet) {
  const StaticFiles files = Load();
  for (const char* method : {"POST", "PUT", "DELETE", "HEAD", "PATCH"}) {
    HttpResponse response = files.Serve(method, "/console/index.html", {});
    EXPECT_EQ(response.status, 405) << method;
    EXPECT_EQ(Header(response, "Allow"), "GET");
  }
}

TEST_F(StaticFilesTest, LoadFailsWithoutIndexOrDirectoryOrPastLimits) {
  fs::remove(root_ / "index.html");
  absl::StatusOr<StaticFiles> no_index = StaticFiles::Load(root_.string());
  EXPECT_EQ(no_index.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(no_index.status().message(), HasSubstr("index.html"));

  absl::StatusOr<StaticFiles> missing =
      StaticFiles::Load((base_ / "nowhere").string());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);

  Write(root_ / "index.html", "x");
  StaticFilesOptions small;
  small.max_file_bytes = 3;
  EXPECT_EQ(StaticFiles::Load(root_.string(), small).status().code(),
            absl::StatusCode::kResourceExhausted);
  StaticFilesOptions few;
  few.max_files = 2;
  EXPECT_EQ(StaticFiles::Load(root_.string(), few).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(ContentTypeForTest, KnownTypesOnly) {
  EXPECT_EQ(ContentTypeFor("a.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("a.png"), "image/png");
  EXPECT_EQ(ContentTypeFor("a.json"), "");
  EXPECT_EQ(ContentTypeFor("a.cjs"), "");
  EXPECT_EQ(ContentTypeFor(".js"), "");
  EXPECT_EQ(ContentTypeFor("README"), "");
}

}  // namespace
}  // namespace opsbrain::gateway
