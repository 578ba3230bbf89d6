// The production binaries on loopback, for the gateway's production tests:
// the real storage_service on a fresh SQLite file, the real gateway in front
// of it with bearer tokens made by its own --new_token, and certificates for
// TLS made with the openssl command.
//
// Every line the processes print is kept in the LogRecord, with every token
// and sensitive value the tests use, so that a final test can check that no
// log line ever held one.
//
// Thread-compatible: one test thread drives the processes.
#ifndef OPSBRAIN_TESTS_GATEWAY_PRODUCTION_PRODUCTION_STACK_H_
#define OPSBRAIN_TESTS_GATEWAY_PRODUCTION_PRODUCTION_STACK_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "tests/gateway/gateway_process.h"
#include "tests/gateway/http_test_client.h"
#include "tests/util/subprocess.h"

namespace opsbrain::gateway::testing {

// What the processes of this test binary printed, and what they must not.
// Thread-safe.
class LogRecord {
 public:
  static LogRecord& Get();

  // Keeps `lines`, each prefixed with `source`.
  void AddLines(absl::string_view source,
                const std::vector<std::string>& lines);
  // A string that no log line may contain.
  void AddSecret(absl::string_view secret);

  std::vector<std::string> lines() const;
  std::vector<std::string> secrets() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> secrets_ ABSL_GUARDED_BY(mu_);
};

struct TestToken {
  std::string name;
  std::string token;      // The bearer token.
  std::string file_line;  // Its line for the token file.
};

// A new token under `name` with `scopes`, from `gateway --new_token`. The
// token and its hash go into the LogRecord's secrets.
absl::StatusOr<TestToken> MakeToken(const std::string& name,
                                    const std::string& scopes);

// Writes `contents` to a new file `name` under the test's temporary
// directory and returns its path.
absl::StatusOr<std::string> WriteTestFile(absl::string_view name,
                                          absl::string_view contents);

// The storage_service binary on a new SQLite file, migrated at start, with
// --verbose (so that its per-call lines are checked too).
class StorageProcess {
 public:
  // `flags` are added to --listen, --migrate and --verbose.
  static absl::StatusOr<std::unique_ptr<StorageProcess>> Start(
      const std::vector<std::string>& flags = {});

  StorageProcess(const StorageProcess&) = delete;
  StorageProcess& operator=(const StorageProcess&) = delete;
  // Stops it (SIGTERM) and keeps its output in the LogRecord.
  ~StorageProcess();

  std::string address() const;

 private:
  StorageProcess() = default;

  std::unique_ptr<opsbrain::testing::Subprocess> process_;
  int port_ = 0;
};

// The gateway binary with --verbose and JSON logs (the default), dialling
// `storage_address`.
class Gateway {
 public:
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(
      const std::string& storage_address, std::vector<std::string> args);

  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;
  // Stops it and keeps its output in the LogRecord.
  ~Gateway();

  int port() const { return process_->port(); }
  GatewayProcess& process() { return *process_; }

 private:
  explicit Gateway(std::unique_ptr<GatewayProcess> process)
      : process_(std::move(process)) {}

  std::unique_ptr<GatewayProcess> process_;
};

// PEM files made with the openssl command: a CA; a server certificate for
// 127.0.0.1 and localhost and a client certificate, both from that CA; and
// a second CA that signed neither.
struct TlsFiles {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
  std::string other_ca_cert;
};

absl::StatusOr<TlsFiles> MakeTlsFiles();

// A storage service and a gateway in front of it that knows five tokens:
// reader (read), writer (read,write), secret-keeper (read,secrets),
// ops-admin (admin) and prometheus (no scope).
class ProductionStack {
 public:
  // The gateway gets the token file, the storage address, `gateway_args`
  // and, unless they name --storage_ca, --storage_plaintext. The storage
  // service gets `storage_flags`.
  static absl::StatusOr<std::unique_ptr<ProductionStack>> Start(
      std::vector<std::string> gateway_args = {},
      const std::vector<std::string>& storage_flags = {});

  ProductionStack(const ProductionStack&) = delete;
  ProductionStack& operator=(const ProductionStack&) = delete;

  // One exchange on a new connection, as `token` (none when null); a body
  // goes as application/json. A failed exchange fails the test.
  TestResponse Http(const TestToken* token, absl::string_view method,
                    absl::string_view target, absl::string_view body = "",
                    TestHeaders headers = {});

  // An exchange that must answer 200 (else the test fails); the body.
  std::string Ok(const TestToken& token, absl::string_view method,
                 absl::string_view target, absl::string_view body = "");

  TestToken reader, writer, secrets, admin, scraper;
  // In this order, so that the gateway stops before the storage service.
  std::unique_ptr<StorageProcess> storage;
  std::unique_ptr<Gateway> gateway;

 private:
  ProductionStack() = default;
};

// Fails the test for any kept log line that holds a secret, a bearer
// token or a JSON "value", and for any gateway line that is not one JSON
// object; and unless the gateways wrote at least `min_access_lines` access
// lines.
void ExpectCleanLogs(int min_access_lines);

}  // namespace opsbrain::gateway::testing

#endif  // OPSBRAIN_TESTS_GATEWAY_PRODUCTION_PRODUCTION_STACK_H_
