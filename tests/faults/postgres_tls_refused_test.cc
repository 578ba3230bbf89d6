// The storage service against a PostgreSQL that speaks no TLS (the test
// server runs with ssl=off) when the connection requires TLS, by an explicit
// sslmode=require or by the default for a host that is not loopback: start-up
// fails at once, without waiting out --database_wait, exits non-zero with
// an error naming TLS, and never prints the password.
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/test_store.h"
#include "tests/util/subprocess.h"

namespace opsbrain::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Trust authentication accepts any password, so the URL can carry one that
// must never come out again.
constexpr char kPassword[] = "tls-Fault-S3cret";
// Well under the default --database_wait (30 s), which the tests leave in
// force: a refusal of TLS is not worth waiting for.
constexpr absl::Duration kExitBound = absl::Seconds(10);
// A name that is not loopback, so the driver requires TLS by default; the
// URL's hostaddr makes libpq connect to 127.0.0.1 without resolving it.
constexpr char kRemoteName[] = "db.faults.invalid";

struct StartRun {
  int exit_code = -1;
  absl::Duration took;
  std::string output;
};

// Runs the storage service on `url` until it exits (at most 40 s).
absl::StatusOr<StartRun> RunStorage(const std::string& url) {
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
      {RunfilePath("storage_service/storage_service"), "--listen=127.0.0.1:0"},
      {{"DATABASE_URL", url}});
  if (!process.ok()) return process.status();
  const absl::Time start = absl::Now();
  absl::StatusOr<int> exit_code = (*process)->Wait(absl::Seconds(40));
  if (!exit_code.ok()) return exit_code.status();
  StartRun run;
  run.exit_code = *exit_code;
  run.took = absl::Now() - start;
  // The last line may still be in the pipe when the exit is seen.
  (*process)->WaitForLine("cannot start", absl::Seconds(5)).IgnoreError();
  run.output = (*process)->output();
  return run;
}

class PostgresTlsRefusedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = NewDatabaseUrl(Backend::kPostgres);
    ASSERT_TRUE(url.ok()) << url.status();
    // postgres://postgres@127.0.0.1:PORT/DB
    url_ = *url;
    const size_t host = url_.find("@127.0.0.1:");
    ASSERT_NE(host, std::string::npos) << url_;
    port_and_database_ = url_.substr(host + sizeof("@127.0.0.1:") - 1);
  }

  // The database by `host`, with kPassword, and `query` after a '?'.
  std::string Url(const std::string& host, const std::string& query) const {
    return absl::StrCat("postgres://postgres:", kPassword, "@", host, ":",
                        port_and_database_, "?", query);
  }

  void ExpectRefusedAtStart(const std::string& url, const char* label) {
    absl::StatusOr<StartRun> run = RunStorage(url);
    ASSERT_TRUE(run.ok()) << run.status();
    const size_t line = run->output.find("cannot start");
    std::cout << "[faults] TLS required, " << label << ": exit "
              << run->exit_code << " after " << run->took << ": "
              << (line == std::string::npos
                      ? "(no error line)"
                      : run->output.substr(line,
                                           run->output.find('\n', line) - line))
              << std::endl;
    EXPECT_EQ(run->exit_code, 1) << run->output;
    EXPECT_LE(run->took, kExitBound) << run->output;
    EXPECT_THAT(run->output, HasSubstr("cannot start"));
    EXPECT_THAT(run->output, HasSubstr("does not accept TLS"));
    EXPECT_THAT(run->output, HasSubstr("sslmode=require"));
    EXPECT_THAT(run->output, Not(HasSubstr("did not answer")));
    EXPECT_THAT(run->output, Not(HasSubstr(kPassword)));
  }

  std::string url_;
  std::string port_and_database_;
};

TEST_F(PostgresTlsRefusedTest, SslmodeRequireFailsStartNamingTls) {
  ExpectRefusedAtStart(Url("127.0.0.1", "sslmode=require"),
                       "sslmode=require on 127.0.0.1");
}

TEST_F(PostgresTlsRefusedTest, VerifyFullFailsStartNamingTls) {
  ExpectRefusedAtStart(Url("127.0.0.1", "sslmode=verify-full"),
                       "sslmode=verify-full on 127.0.0.1");
}

TEST_F(PostgresTlsRefusedTest, HostThatIsNotLoopbackRequiresTlsByDefault) {
  ExpectRefusedAtStart(
      Url(kRemoteName, "hostaddr=127.0.0.1"),
      "no sslmode, host db.faults.invalid (hostaddr 127.0.0.1)");
}

// The control: the same name and address without the TLS requirement
// reach the server, so the refusals above are about TLS alone.
TEST_F(PostgresTlsRefusedTest, SameHostWithSslmodeDisableStarts) {
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
      {RunfilePath("storage_service/storage_service"), "--listen=127.0.0.1:0",
       "--migrate"},
      {{"DATABASE_URL",
        Url(kRemoteName, "hostaddr=127.0.0.1&sslmode=disable")}});
  ASSERT_TRUE(process.ok()) << process.status();
  absl::StatusOr<std::string> listening =
      (*process)->WaitForLine("listening on 127.0.0.1:", absl::Seconds(30));
  EXPECT_TRUE(listening.ok()) << listening.status();
  EXPECT_THAT((*process)->output(), Not(HasSubstr(kPassword)));
}

}  // namespace
}  // namespace opsbrain::testing
