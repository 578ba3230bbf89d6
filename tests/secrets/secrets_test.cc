// Secrets stay secret across the whole stack: the legacy fixture (whose
// configurations hold sensitive values) is imported by the real migrator
// through the real storage service, then the real gateway, with bearer
// tokens, is driven through its success and error paths: bad and unknown
// tokens, missing scopes, validation errors on sensitive keys, If-Match
// conflicts, a storage outage. Every log line of every process, every error
// body, both /metrics pages, the audit rows and what a caller without the
// secrets scope reads must hold no sensitive value and no bearer token; and
// at rest, the token file and the database hold tokens only as hashes.
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/gateway/http_test_client.h"
#include "tests/gateway_production/production_stack.h"
#include "tests/migrator/migrator_env.h"
#include "tests/secrets/secret_scan.h"

namespace opsbrain::secrets {
namespace {

using ::opsbrain::gateway::testing::HttpTestClient;
using ::opsbrain::gateway::testing::LogRecord;
using ::opsbrain::gateway::testing::ProductionStack;
using ::opsbrain::gateway::testing::TestResponse;
using ::opsbrain::gateway::testing::TestToken;
using ::opsbrain::testing::CopyLegacyFixture;
using ::opsbrain::testing::MigratorRun;
using ::opsbrain::testing::NewTempDir;
using ::opsbrain::testing::ReadLegacy;
using ::opsbrain::testing::RunMigrator;
using ::testing::IsEmpty;

// Sensitive values this test writes itself, beside the fixture's.
constexpr char kRotatedSecret[] = "sk-rotated-7Hq2Lx9Vb4Nc8Zr1Tw6Ys3Pd";
constexpr char kRefusedSecret[] = "sk-refused-4Fz8Ke2Wq7Jm1Xc5Vb9Ln3Hr";
constexpr char kOutageSecret[] = "sk-outage-9Dm3Tq6Rw1Gy8Kc2Vn5Bz7Lp";
constexpr char kSensitiveKey[] = "openai_api_key";

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir == nullptr ? "/tmp" : dir;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// A port nobody listens on now (the kernel's pick, then released).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(address.sin_port);
}

// SHA-256 in lower-case hex, computed here rather than by the gateway.
std::string Sha256Hex(absl::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), size));
}

class SecretsTest : public ::testing::Test {
 protected:
  // One exchange; an answer of 400 or more is kept as an error body.
  TestResponse Call(const TestToken* token, const std::string& method,
                    const std::string& target, const std::string& body = "",
                    gateway::testing::TestHeaders headers = {}) {
    TestResponse response =
        stack_->Http(token, method, target, body, std::move(headers));
    if (response.status >= 400) {
      ++error_bodies_;
      texts_.push_back({absl::StrCat("error body of ", method, " ", target,
                                     " (", response.status, ")"),
                        absl::StrCat(response.body, "\n",
                                     response.Header("WWW-Authenticate"))});
    }
    return response;
  }

  // An exchange with a raw Authorization header value.
  TestResponse CallWithAuthorization(const std::string& authorization,
                                     const std::string& target) {
    return Call(nullptr, "GET", target, "", {{"Authorization", authorization}});
  }

  void Keep(const std::string& source, const std::string& text) {
    texts_.push_back({source, text});
  }

  std::unique_ptr<ProductionStack> stack_;
  std::vector<ScannedText> texts_;
  int error_bodies_ = 0;
};

TEST_F(SecretsTest, NoSensitiveValueOrTokenLeavesTheStack) {
  // The fixture and its sensitive values.
  const std::string legacy = absl::StrCat(NewTempDir(), "/opsbrain.db");
  ASSERT_TRUE(CopyLegacyFixture(legacy, nullptr).ok());
  auto tables = ReadLegacy(legacy);
  ASSERT_TRUE(tables.ok()) << tables.status();
  std::vector<std::string> sensitive = {kRotatedSecret, kRefusedSecret,
                                        kOutageSecret};
  for (const auto& row : (*tables)["configurations"]) {
    if (row.at("is_sensitive").integer == 1) {
      sensitive.push_back(row.at("value").text);
    }
  }
  ASSERT_GE(sensitive.size(), 3 + 4) << "the fixture lost its secrets";

  // The stack, with the storage service's metrics on a port of our own.
  const int metrics_port = FreePort();
  ASSERT_NE(metrics_port, 0);
  auto stack = ProductionStack::Start(
      {}, {absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port)});
  ASSERT_TRUE(stack.ok()) << stack.status();
  stack_ = *std::move(stack);
  // Copies: they outlive the stack.
  const std::vector<TestToken> tokens = {stack_->reader, stack_->writer,
                                         stack_->secrets, stack_->admin,
                                         stack_->scraper};

  // The migrator: a failed run, then the import (which checks every row
  // and then archives the legacy file).
  const std::string storage = stack_->storage->address();
  MigratorRun missing =
      RunMigrator({"import", "--from", "/nonexistent/opsbrain.db"}, storage);
  EXPECT_NE(missing.exit_code, 0);
  Keep("migrator import of a missing file", missing.output);
  MigratorRun import = RunMigrator({"import", "--from", legacy}, storage);
  ASSERT_EQ(import.exit_code, 0) << "the import failed";
  Keep("migrator import", import.output);

  const std::string config = absl::StrCat("/v1/configurations/", kSensitiveKey);

  // What a caller without the secrets scope reads.
  TestResponse list =
      Call(&stack_->reader, "GET", "/v1/configurations?pageSize=1000");
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(absl::StrContains(list.body, kSensitiveKey));
  Keep("configurations as read by reader", list.body);
  TestResponse one = Call(&stack_->writer, "GET", config);
  ASSERT_EQ(one.status, 200);
  EXPECT_TRUE(absl::StrContains(one.body, R"("valueRedacted":true)"));
  Keep("sensitive configuration as read by writer", one.body);
  // The secrets scope does see it (so the store does hold it).
  TestResponse unmasked = stack_->Http(&stack_->secrets, "GET", config);
  ASSERT_EQ(unmasked.status, 200);
  EXPECT_TRUE(absl::StrContains(unmasked.body, "sk-"));

  // Authentication failures, some of them carrying a secret as the token.
  EXPECT_EQ(Call(nullptr, "GET", config).status, 401);
  EXPECT_EQ(
      CallWithAuthorization(absl::StrCat("Bearer ", sensitive.back()), config)
          .status,
      401);
  EXPECT_EQ(CallWithAuthorization(
                absl::StrCat("Bearer ", stack_->writer.token, "x"), config)
                .status,
            401);
  EXPECT_EQ(
      CallWithAuthorization(absl::StrCat("Basic ", stack_->admin.token), config)
          .status,
      401);

  // A missing scope, with a new secret in the body.
  const std::string refused_body =
      absl::StrCat(R"({"value":")", kRefusedSecret, R"("})");
  EXPECT_EQ(Call(&stack_->reader, "PATCH", config, refused_body).status, 403);
  EXPECT_EQ(Call(&stack_->scraper, "PATCH", config, refused_body).status, 403);

  // Validation errors on the sensitive key, each body holding a secret.
  const std::vector<std::string> invalid_bodies = {
      absl::StrCat(R"({"value":")", kRefusedSecret,
                   R"(","category":"not-a-category"})"),
      absl::StrCat(R"({"value":")", kRefusedSecret, R"(\u0000"})"),
      absl::StrCat(R"({"value":")", kRefusedSecret, R"(","bogusField":1})"),
      absl::StrCat(R"({"value":")", kRefusedSecret),
      absl::StrCat(R"({"value":[")", kRefusedSecret, R"("]})"),
      absl::StrCat(R"({"value":")", kRefusedSecret, R"(","value":"x"})"),
      absl::StrCat(R"({"value":")", std::string(70000, 'a'), kRefusedSecret,
                   R"("})"),
      absl::StrCat(R"({"value":")", kRefusedSecret, R"(","isSensitive":"no"})"),
  };
  for (size_t i = 0; i < invalid_bodies.size(); ++i) {
    const int status =
        Call(&stack_->writer, "PATCH", config, invalid_bodies[i]).status;
    EXPECT_GE(status, 400) << "invalid body " << i;
    EXPECT_LT(status, 500) << "invalid body " << i;
  }
  // A secret pasted where a page token goes.
  EXPECT_EQ(Call(&stack_->writer, "GET",
                 absl::StrCat("/v1/configurations?pageToken=", kRefusedSecret))
                .status,
            400);

  // If-Match conflicts: in the header and in the body.
  EXPECT_EQ(Call(&stack_->writer, "PATCH", config, refused_body,
                 {{"If-Match", "\"0000000000000000\""}})
                .status,
            412);
  EXPECT_EQ(Call(&stack_->writer, "PATCH", config,
                 absl::StrCat(R"({"value":")", kRefusedSecret,
                              R"(","etag":"0000000000000000"})"))
                .status,
            409);

  // A successful rotation, then the audit rows of it all.
  TestResponse rotated =
      stack_->Http(&stack_->admin, "PATCH", config,
                   absl::StrCat(R"({"value":")", kRotatedSecret, R"("})"));
  ASSERT_EQ(rotated.status, 200) << "rotation failed";
  TestResponse check = stack_->Http(&stack_->secrets, "GET", config);
  EXPECT_TRUE(absl::StrContains(check.body, kRotatedSecret))
      << "the rotation did not store the new value";
  TestResponse audit = Call(
      &stack_->admin, "GET",
      absl::StrCat("/v1/auditEntries?pageSize=1000&tableName=configurations"));
  ASSERT_EQ(audit.status, 200);
  EXPECT_TRUE(absl::StrContains(audit.body, kSensitiveKey));
  EXPECT_TRUE(absl::StrContains(audit.body, "[REDACTED]"));
  Keep("audit rows of configurations (as admin)", audit.body);
  TestResponse all_audit =
      Call(&stack_->admin, "GET", "/v1/auditEntries?pageSize=1000");
  ASSERT_EQ(all_audit.status, 200);
  Keep("all audit rows (as admin)", all_audit.body);

  // Both metrics pages.
  TestResponse gateway_metrics = Call(&stack_->scraper, "GET", "/metrics");
  ASSERT_EQ(gateway_metrics.status, 200);
  EXPECT_TRUE(
      absl::StrContains(gateway_metrics.body, "gateway_auth_failures_total"));
  Keep("gateway /metrics", gateway_metrics.body);
  {
    HttpTestClient client(metrics_port);
    auto storage_metrics = client.Send("GET", "/metrics");
    ASSERT_TRUE(storage_metrics.ok()) << storage_metrics.status();
    ASSERT_EQ(storage_metrics->status, 200);
    EXPECT_TRUE(
        absl::StrContains(storage_metrics->body, "grpc_server_handled_total"));
    Keep("storage_service /metrics", storage_metrics->body);
  }

  // A storage outage: writes of a secret fail with 503.
  stack_->storage.reset();
  EXPECT_EQ(Call(&stack_->writer, "PATCH", config,
                 absl::StrCat(R"({"value":")", kOutageSecret, R"("})"))
                .status,
            503);
  EXPECT_EQ(Call(&stack_->reader, "GET", config).status, 503);
  TestResponse outage_metrics = Call(&stack_->scraper, "GET", "/metrics");
  EXPECT_EQ(outage_metrics.status, 200);
  Keep("gateway /metrics in the outage", outage_metrics.body);

  // Every log line of both services (kept as they stop).
  stack_.reset();
  const std::vector<std::string> lines = LogRecord::Get().lines();
  Keep("gateway and storage_service logs", absl::StrJoin(lines, "\n"));

  // The scan is not vacuous: what it reads is there, and it finds a
  // planted secret.
  EXPECT_GE(lines.size(), 30);
  EXPECT_GE(error_bodies_, 18);
  std::vector<std::string> needles = sensitive;
  for (const TestToken& token : tokens) needles.push_back(token.token);
  ASSERT_EQ(FindLeaks({{"planted", absl::StrCat("x", sensitive[3], "y")},
                       {"planted token", absl::StrCat(tokens[2].token, "\n")}},
                      needles)
                .size(),
            2);

  EXPECT_THAT(FindLeaks(texts_, needles), IsEmpty());
  size_t scanned_lines = 0;
  for (const ScannedText& text : texts_) {
    scanned_lines += std::count(text.text.begin(), text.text.end(), '\n') + 1;
  }
  std::cout << "secrets scan: " << texts_.size() << " texts (" << lines.size()
            << " log lines, " << error_bodies_
            << " error bodies, 3 metrics pages, 2 audit listings), "
            << scanned_lines << " lines in all, " << needles.size()
            << " secrets and tokens\n";

  // At rest: the token file holds each token's SHA-256, never the token;
  // the database files hold no token.
  std::vector<ScannedText> at_rest;
  int token_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(TempDir())) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, "tokens-")) {
      ++token_files;
      const std::string text = ReadFile(entry.path().string());
      for (const TestToken& token : tokens) {
        EXPECT_TRUE(absl::StrContains(
            text, absl::StrCat(token.name, " sha256:", Sha256Hex(token.token))))
            << token.name << " is not in the token file as its hash";
      }
      at_rest.push_back({name, text});
    } else if (absl::StartsWith(name, "store-")) {
      at_rest.push_back({name, ReadFile(entry.path().string())});
    }
  }
  EXPECT_EQ(token_files, 1);
  EXPECT_GE(at_rest.size(), 2);
  std::vector<std::string> plain_tokens;
  for (const TestToken& token : tokens) plain_tokens.push_back(token.token);
  EXPECT_THAT(FindLeaks(at_rest, plain_tokens), IsEmpty());
}

}  // namespace
}  // namespace opsbrain::secrets
