#include "tests/postgres/postgres_server.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace opsbrain::testing {
namespace {

struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};

struct ResultCloser {
  void operator()(PGresult* result) const { PQclear(result); }
};

// Connects to `url` and runs SELECT 1; OK when the answer is 1.
absl::Status SelectOne(const std::string& url) {
  const std::string with_timeout = absl::StrCat(url, "?connect_timeout=5");
  std::unique_ptr<PGconn, ConnectionCloser> connection(
      PQconnectdb(with_timeout.c_str()));
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    return absl::UnavailableError(PQerrorMessage(connection.get()));
  }
  std::unique_ptr<PGresult, ResultCloser> result(
      PQexec(connection.get(), "SELECT 1"));
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK ||
      PQntuples(result.get()) != 1 ||
      std::string(PQgetvalue(result.get(), 0, 0)) != "1") {
    return absl::InternalError(PQerrorMessage(connection.get()));
  }
  return absl::OkStatus();
}

class PostgresServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<PostgresServer>> server =
        PostgresServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::unique_ptr<PostgresServer> server_;
};

TEST_F(PostgresServerTest, StartedServerAnswersOnItsPort) {
  EXPECT_GT(server_->port(), 0);
  EXPECT_EQ(server_->Url(), absl::StrCat("postgres://postgres@127.0.0.1:",
                                         server_->port(), "/postgres"));
  EXPECT_TRUE(SelectOne(server_->Url()).ok());
}

TEST_F(PostgresServerTest, CreateDatabaseReturnsDistinctWorkingDatabases) {
  absl::StatusOr<std::string> first = server_->CreateDatabase();
  absl::StatusOr<std::string> second = server_->CreateDatabase();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();

  EXPECT_NE(*first, *second);
  EXPECT_TRUE(SelectOne(*first).ok());
  EXPECT_TRUE(SelectOne(*second).ok());
}

TEST_F(PostgresServerTest, StopRefusesConnectionsAndRestartAcceptsThemAgain) {
  absl::StatusOr<std::string> url = server_->CreateDatabase();
  ASSERT_TRUE(url.ok()) << url.status();
  const int port = server_->port();

  ASSERT_TRUE(server_->Stop().ok());
  EXPECT_EQ(SelectOne(*url).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(server_->Stop().code(), absl::StatusCode::kFailedPrecondition);

  absl::Status restarted = server_->Restart();
  ASSERT_TRUE(restarted.ok()) << restarted;
  EXPECT_EQ(server_->port(), port);
  EXPECT_TRUE(SelectOne(*url).ok());
  EXPECT_EQ(server_->Restart().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PostgresServerTest, DestructionStopsTheServer) {
  const std::string url = server_->Url();
  ASSERT_TRUE(SelectOne(url).ok());

  server_.reset();

  EXPECT_EQ(SelectOne(url).code(), absl::StatusCode::kUnavailable);
}

TEST(PostgresServerStartTest, MissingBinariesAreFailedPrecondition) {
  ASSERT_EQ(std::getenv("PG_BINDIR"), nullptr);
  setenv("PG_BINDIR", "/nonexistent/postgresql/bin", /*overwrite=*/1);

  absl::StatusOr<std::unique_ptr<PostgresServer>> server =
      PostgresServer::Start();
  unsetenv("PG_BINDIR");

  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition)
      << server.status();
}

}  // namespace
}  // namespace opsbrain::testing
