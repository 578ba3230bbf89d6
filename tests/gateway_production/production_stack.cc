#include "tests/gateway_production/production_stack.h"

#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_process.h"
#include "tests/gateway/http_test_client.h"
#include "tests/util/subprocess.h"

namespace opsbrain::gateway::testing {
namespace {

using ::opsbrain::testing::RunfilePath;
using ::opsbrain::testing::Subprocess;

constexpr char kGatewayBinary[] = "gateway/gateway";
constexpr char kStorageBinary[] = "storage_service/storage_service";
constexpr char kListening[] = "listening on 127.0.0.1:";
constexpr char kOpenssl[] = "/usr/bin/openssl";
constexpr absl::Duration kStartTimeout = absl::Seconds(30);
constexpr absl::Duration kToolTimeout = absl::Seconds(30);
constexpr absl::Duration kStopTimeout = absl::Seconds(15);

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir == nullptr ? "/tmp" : dir;
}

// A name no other file of this test process has.
std::string UniqueName(absl::string_view stem) {
  static std::atomic<int> counter{0};
  return absl::StrCat(stem, "-", ++counter);
}

// Runs a tool to completion; its output when it exits 0.
absl::StatusOr<std::string> RunTool(const std::vector<std::string>& argv) {
  OPSBRAIN_ASSIGN_OR_RETURN(std::unique_ptr<Subprocess> tool,
                            Subprocess::Start(argv));
  OPSBRAIN_ASSIGN_OR_RETURN(const int exit_code, tool->Wait(kToolTimeout));
  if (exit_code != 0) {
    return absl::InternalError(absl::StrCat(argv[0], " exited with ", exit_code,
                                            ": ", tool->output()));
  }
  return tool->output();
}

}  // namespace

LogRecord& LogRecord::Get() {
  static LogRecord* const record = new LogRecord();
  return *record;
}

void LogRecord::AddLines(absl::string_view source,
                         const std::vector<std::string>& lines) {
  absl::MutexLock lock(&mu_);
  for (const std::string& line : lines) {
    lines_.push_back(absl::StrCat(source, ": ", line));
  }
}

void LogRecord::AddSecret(absl::string_view secret) {
  absl::MutexLock lock(&mu_);
  secrets_.emplace_back(secret);
}

std::vector<std::string> LogRecord::lines() const {
  absl::MutexLock lock(&mu_);
  return lines_;
}

std::vector<std::string> LogRecord::secrets() const {
  absl::MutexLock lock(&mu_);
  return secrets_;
}

absl::StatusOr<TestToken> MakeToken(const std::string& name,
                                    const std::string& scopes) {
  OPSBRAIN_ASSIGN_OR_RETURN(
      const std::string output,
      RunTool({RunfilePath(kGatewayBinary), absl::StrCat("--new_token=", name),
               absl::StrCat("--new_token_scopes=", scopes)}));
  std::vector<std::string> lines =
      absl::StrSplit(output, '\n', absl::SkipEmpty());
  if (lines.size() != 2) {
    return absl::InternalError("--new_token did not print two lines");
  }
  TestToken token{name, lines[0], lines[1]};
  LogRecord::Get().AddSecret(token.token);
  std::vector<std::string> words = absl::StrSplit(token.file_line, ' ');
  if (words.size() == 3) LogRecord::Get().AddSecret(words[1].substr(7));
  return token;
}

absl::StatusOr<std::string> WriteTestFile(absl::string_view name,
                                          absl::string_view contents) {
  const std::string path = absl::StrCat(TempDir(), "/", UniqueName(name));
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << contents;
  file.close();
  if (!file) return absl::InternalError(absl::StrCat("cannot write ", path));
  return path;
}

absl::StatusOr<std::unique_ptr<StorageProcess>> StorageProcess::Start(
    const std::vector<std::string>& flags) {
  std::unique_ptr<StorageProcess> storage(new StorageProcess());
  const std::string database =
      absl::StrCat("sqlite://", TempDir(), "/", UniqueName("store"), ".db");
  std::vector<std::string> argv = {RunfilePath(kStorageBinary),
                                   "--listen=127.0.0.1:0", "--migrate",
                                   "--verbose"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  OPSBRAIN_ASSIGN_OR_RETURN(
      storage->process_, Subprocess::Start(argv, {{"DATABASE_URL", database}}));
  OPSBRAIN_ASSIGN_OR_RETURN(
      const std::string line,
      storage->process_->WaitForLine(kListening, kStartTimeout));
  if (!absl::SimpleAtoi(line.substr(line.rfind(':') + 1), &storage->port_)) {
    return absl::InternalError(absl::StrCat("no port in: ", line));
  }
  return storage;
}

StorageProcess::~StorageProcess() {
  if (process_ == nullptr) return;
  process_->Signal(SIGTERM).IgnoreError();
  process_->Wait(kStopTimeout).IgnoreError();
  LogRecord::Get().AddLines(
      "storage_service",
      absl::StrSplit(process_->output(), '\n', absl::SkipEmpty()));
}

std::string StorageProcess::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(
    const std::string& storage_address, std::vector<std::string> args) {
  args.push_back(absl::StrCat("--storage=", storage_address));
  args.push_back("--verbose");
  OPSBRAIN_ASSIGN_OR_RETURN(std::unique_ptr<GatewayProcess> process,
                            GatewayProcess::Start(kGatewayBinary, args));
  return std::unique_ptr<Gateway>(new Gateway(std::move(process)));
}

Gateway::~Gateway() {
  process_->Stop().IgnoreError();
  LogRecord::Get().AddLines("gateway", process_->Lines());
}

absl::StatusOr<TlsFiles> MakeTlsFiles() {
  const std::string dir = absl::StrCat(TempDir(), "/", UniqueName("tls"));
  if (mkdir(dir.c_str(), 0700) != 0) {
    return absl::InternalError(absl::StrCat("cannot make ", dir));
  }
  const auto path = [&dir](absl::string_view name) {
    return absl::StrCat(dir, "/", name);
  };
  TlsFiles files;
  files.ca_cert = path("ca.pem");
  files.server_cert = path("server.pem");
  files.server_key = path("server.key");
  files.client_cert = path("client.pem");
  files.client_key = path("client.key");
  files.other_ca_cert = path("other-ca.pem");

  // P-256 keys: quick to make, and every TLS stack takes them.
  const std::vector<std::string> kNewKey = {
      "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
  const auto request = [&](std::vector<std::string> argv) {
    std::vector<std::string> full = {kOpenssl, "req"};
    full.insert(full.end(), kNewKey.begin(), kNewKey.end());
    full.insert(full.end(), argv.begin(), argv.end());
    return RunTool(full).status();
  };
  const auto sign = [&](absl::string_view csr, absl::string_view cert,
                        absl::string_view extensions, int serial) {
    return RunTool({kOpenssl, "x509", "-req", "-in", std::string(csr), "-CA",
                    files.ca_cert, "-CAkey", path("ca.key"), "-set_serial",
                    absl::StrCat(serial), "-days", "2", "-out",
                    std::string(cert), "-extfile", std::string(extensions)})
        .status();
  };

  // The CAs.
  OPSBRAIN_RETURN_IF_ERROR(
      request({"-x509", "-days", "2", "-subj", "/CN=opsbrain test CA",
               "-keyout", path("ca.key"), "-out", files.ca_cert}));
  OPSBRAIN_RETURN_IF_ERROR(
      request({"-x509", "-days", "2", "-subj", "/CN=another CA", "-keyout",
               path("other-ca.key"), "-out", files.other_ca_cert}));

  // The server's certificate, for the names a test dials.
  OPSBRAIN_ASSIGN_OR_RETURN(
      const std::string server_ext,
      WriteTestFile("server.ext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    "extendedKeyUsage=serverAuth\n"));
  OPSBRAIN_RETURN_IF_ERROR(
      request({"-subj", "/CN=localhost", "-keyout", files.server_key, "-out",
               path("server.csr")}));
  OPSBRAIN_RETURN_IF_ERROR(
      sign(path("server.csr"), files.server_cert, server_ext, 2));

  // The gateway's client certificate.
  OPSBRAIN_ASSIGN_OR_RETURN(
      const std::string client_ext,
      WriteTestFile("client.ext", "extendedKeyUsage=clientAuth\n"));
  OPSBRAIN_RETURN_IF_ERROR(
      request({"-subj", "/CN=gateway", "-keyout", files.client_key, "-out",
               path("client.csr")}));
  OPSBRAIN_RETURN_IF_ERROR(
      sign(path("client.csr"), files.client_cert, client_ext, 3));
  return files;
}

absl::StatusOr<std::unique_ptr<ProductionStack>> ProductionStack::Start(
    std::vector<std::string> gateway_args,
    const std::vector<std::string>& storage_flags) {
  auto stack = std::unique_ptr<ProductionStack>(new ProductionStack());

  // The tokens, and the file that holds their hashes.
  const struct {
    TestToken* token;
    const char* name;
    const char* scopes;
  } kTokens[] = {
      {&stack->reader, "reader", "read"},
      {&stack->writer, "writer", "read,write"},
      {&stack->secrets, "secret-keeper", "read,secrets"},
      {&stack->admin, "ops-admin", "admin"},
      {&stack->scraper, "prometheus", ""},
  };
  std::string file_text = "# name hash scopes\n";
  for (const auto& entry : kTokens) {
    OPSBRAIN_ASSIGN_OR_RETURN(*entry.token,
                              MakeToken(entry.name, entry.scopes));
    absl::StrAppend(&file_text, entry.token->file_line, "\n");
  }
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string file,
                            WriteTestFile("tokens", file_text));

  // The storage service, then the gateway.
  OPSBRAIN_ASSIGN_OR_RETURN(stack->storage,
                            StorageProcess::Start(storage_flags));
  gateway_args.push_back(absl::StrCat("--auth_tokens_file=", file));
  bool tls = false;
  for (const std::string& arg : gateway_args) {
    if (absl::StartsWith(arg, "--storage_ca")) tls = true;
  }
  if (!tls) gateway_args.push_back("--storage_plaintext");
  OPSBRAIN_ASSIGN_OR_RETURN(
      stack->gateway, Gateway::Start(stack->storage->address(), gateway_args));
  return stack;
}

TestResponse ProductionStack::Http(const TestToken* token,
                                   absl::string_view method,
                                   absl::string_view target,
                                   absl::string_view body,
                                   TestHeaders headers) {
  if (token != nullptr) {
    headers.push_back({"Authorization", absl::StrCat("Bearer ", token->token)});
  }
  if (!body.empty()) headers.push_back({"Content-Type", "application/json"});
  HttpTestClient client(gateway->port());
  absl::StatusOr<TestResponse> response =
      client.Send(method, target, body, headers);
  EXPECT_TRUE(response.ok())
      << method << " " << target << ": " << response.status();
  return response.ok() ? *std::move(response) : TestResponse();
}

std::string ProductionStack::Ok(const TestToken& token,
                                absl::string_view method,
                                absl::string_view target,
                                absl::string_view body) {
  TestResponse response = Http(&token, method, target, body);
  EXPECT_EQ(response.status, 200)
      << method << " " << target << ": " << response.body;
  return response.body;
}

void ExpectCleanLogs(int min_access_lines) {
  using ::testing::HasSubstr;
  using ::testing::Not;
  const std::vector<std::string> lines = LogRecord::Get().lines();
  const std::vector<std::string> secrets = LogRecord::Get().secrets();
  ASSERT_FALSE(secrets.empty());

  int access_lines = 0;
  for (const std::string& line : lines) {
    for (const std::string& secret : secrets) {
      EXPECT_THAT(line, Not(HasSubstr(secret)));
    }
    EXPECT_THAT(line, Not(HasSubstr("Bearer ")));
    EXPECT_THAT(line, Not(HasSubstr(R"("value":)")));

    // The gateway writes one JSON object per line.
    absl::string_view text = line;
    if (!absl::ConsumePrefix(&text, "gateway: ")) continue;
    google::protobuf::Struct parsed;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(std::string(text), &parsed)
            .ok())
        << line;
    const auto msg = parsed.fields().find("msg");
    if (msg != parsed.fields().end() &&
        msg->second.string_value() == "access") {
      ++access_lines;
    }
  }
  EXPECT_GE(access_lines, min_access_lines);
}

}  // namespace opsbrain::gateway::testing
