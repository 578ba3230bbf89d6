#include "tests/faults/fault_helpers.h"

#include <libpq-fe.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "openssl/sha.h"

namespace opsbrain::testing {

using ::opsbrain::gateway::testing::GatewayProcess;
using ::opsbrain::gateway::testing::TestHeaders;

absl::StatusOr<std::unique_ptr<GatewayProcess>> StartGateway(int storage_port) {
  const absl::string_view token = kFaultsToken;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         digest);
  const std::string token_line =
      absl::StrCat("faults-writer sha256:",
                   absl::BytesToHexString(absl::string_view(
                       reinterpret_cast<const char*>(digest), sizeof(digest))),
                   " scopes=read,write");
  // GatewayProcess adds --port=0 and --bind_address=127.0.0.1.
  return GatewayProcess::Start(
      "gateway/gateway",
      {absl::StrCat("--storage=127.0.0.1:", storage_port),
       "--storage_plaintext", "--log_format=text", "--rate_limit=0",
       absl::StrCat("--auth_tokens=", token_line)});
}

TestHeaders AuthHeaders() {
  return {{"Authorization", absl::StrCat("Bearer ", kFaultsToken)}};
}

TestHeaders JsonHeaders() {
  TestHeaders headers = AuthHeaders();
  headers.emplace_back("Content-Type", "application/json");
  return headers;
}

absl::StatusOr<google::rpc::Status> ParseErrorBody(absl::string_view body) {
  google::rpc::Status status;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (!google::protobuf::util::JsonStringToMessage(std::string(body), &status,
                                                   options)
           .ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON error body: ", body));
  }
  if (status.code() == 0 || status.message().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("error body without a code or a message: ", body));
  }
  return status;
}

absl::StatusOr<std::unique_ptr<PgSession>> PgSession::Connect(
    const std::string& url) {
  PGconn* connection = PQconnectdb(url.c_str());
  if (connection == nullptr) return absl::InternalError("PQconnectdb failed");
  if (PQstatus(connection) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(connection);
    PQfinish(connection);
    return absl::UnavailableError(message);
  }
  return std::unique_ptr<PgSession>(new PgSession(connection));
}

PgSession::~PgSession() { PQfinish(connection_); }

absl::StatusOr<std::vector<std::vector<std::string>>> PgSession::Query(
    const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const std::string& param : params) values.push_back(param.c_str());
  PGresult* result =
      PQexecParams(connection_, sql.c_str(), static_cast<int>(values.size()),
                   nullptr, values.data(), nullptr, nullptr, 0);
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    const std::string message =
        absl::StrCat(sql, ": ", PQerrorMessage(connection_));
    PQclear(result);
    return absl::InternalError(message);
  }
  std::vector<std::vector<std::string>> rows;
  for (int row = 0; row < PQntuples(result); ++row) {
    std::vector<std::string>& columns = rows.emplace_back();
    for (int column = 0; column < PQnfields(result); ++column) {
      columns.emplace_back(PQgetvalue(result, row, column));
    }
  }
  PQclear(result);
  return rows;
}

absl::StatusOr<std::string> PgSession::Value(
    const std::string& sql, const std::vector<std::string>& params) {
  absl::StatusOr<std::vector<std::vector<std::string>>> rows =
      Query(sql, params);
  if (!rows.ok()) return rows.status();
  if (rows->size() != 1 || (*rows)[0].size() != 1) {
    return absl::InternalError(
        absl::StrCat(sql, ": ", rows->size(), " rows, not one value"));
  }
  return (*rows)[0][0];
}

}  // namespace opsbrain::testing
