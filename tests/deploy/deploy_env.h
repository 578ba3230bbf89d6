// What the deploy tests share: the programs of the image started as a
// platform starts them (each in its own working directory, configured by
// environment variables, on loopback ports the kernel picks), runs of the
// migrator, plain HTTP calls to a gateway, and the legacy fixture.
//
// Thread-compatible.
#ifndef OPSBRAIN_TESTS_DEPLOY_DEPLOY_ENV_H_
#define OPSBRAIN_TESTS_DEPLOY_DEPLOY_ENV_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/util/subprocess.h"

namespace opsbrain::testing::deploy {

// The binaries, as runfiles paths.
std::string StorageBinary();
std::string GatewayBinary();
std::string MigratorBinary();
std::string HealthcheckBinary();

// A new, empty directory under TEST_TMPDIR, named after `name`.
std::string NewDirectory(const std::string& name);

// The names in `dir` (no "." or ".."); empty when it does not exist.
std::vector<std::string> ListDirectory(const std::string& dir);

// Deletes `path` and everything under it.
absl::Status RemoveTree(const std::string& path);

absl::StatusOr<std::string> ReadFile(const std::string& path);
absl::Status WriteFile(const std::string& path, const std::string& content);

// One long-running program of the deploy.
struct Service {
  std::unique_ptr<Subprocess> process;
  std::string working_directory;
  int port = 0;

  std::string address() const;
};

// Starts `binary` with `args` in `working_directory`, with the test's
// environment plus `env`, and waits until it logs "listening on
// 127.0.0.1:PORT".
absl::StatusOr<Service> StartService(
    const std::string& binary, const std::vector<std::string>& args,
    const std::map<std::string, std::string>& env,
    const std::string& working_directory);

// SIGTERM, then the exit code (bounded wait).
absl::StatusOr<int> StopService(Service& service);

struct ProcessRun {
  int exit_code = -1;
  // stdout and stderr together.
  std::string output;
};

// Runs `binary` with `args` in `working_directory` to its end.
ProcessRun RunToEnd(const std::string& binary,
                    const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env,
                    const std::string& working_directory,
                    absl::Duration timeout = absl::Seconds(120));

// Runs `healthcheck args...` until it exits 0 or `timeout` passes; the
// last run.
ProcessRun AwaitHealthy(const std::vector<std::string>& args,
                        absl::Duration timeout = absl::Seconds(20));

struct HttpResponse {
  int status = 0;
  std::string body;
};

// One HTTP/1.1 request to 127.0.0.1:`port`, with `token` as bearer token
// when not empty, bounded by `timeout`.
absl::StatusOr<HttpResponse> Http(int port, const std::string& method,
                                  const std::string& target,
                                  const std::string& body = "",
                                  const std::string& token = "",
                                  absl::Duration timeout = absl::Seconds(10));

// A gateway token-file line for `token` under `name` with `scopes`.
std::string TokenFileLine(const std::string& name, const std::string& token,
                          const std::string& scopes);

// The legacy fixture, built once per test process by
// tests/migrator/testdata/make_opsbrain_db.sh with ANCHOR=now, copied to
// `path`.
absl::Status CopyLegacyFixture(const std::string& path);

}  // namespace opsbrain::testing::deploy

#endif  // OPSBRAIN_TESTS_DEPLOY_DEPLOY_ENV_H_
