#include "storage_service/sql/postgres/postgres_database.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "storage_service/sql/postgres/postgres_errors.h"

namespace opsbrain::sql {
namespace {

// Debian's Abseil has its own string_view type, distinct from std's.
absl::string_view AbslView(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
using ConnectionHandle = std::unique_ptr<PGconn, ConnectionCloser>;

struct ResultCloser {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultHandle = std::unique_ptr<PGresult, ResultCloser>;

// ---------------------------------------------------------------------------
// Passwords in URLs

constexpr char kRedacted[] = "****";

// [begin, end) ranges of `url` that hold a password: the one in
// user:password@ and the values of password= and sslpassword= parameters
// (URL query or key=value form).
std::vector<std::pair<size_t, size_t>> SecretRanges(absl::string_view url) {
  std::vector<std::pair<size_t, size_t>> ranges;

  // The user information ends at the last '@' before the query, so a
  // password holding an unescaped '@' or '/' is still covered whole.
  const size_t scheme_end = url.find("://");
  if (scheme_end != absl::string_view::npos) {
    const size_t begin = scheme_end + 3;
    const size_t query = url.find('?', begin);
    const absl::string_view before_query = url.substr(
        begin, query == absl::string_view::npos ? query : query - begin);
    const size_t at = before_query.rfind('@');
    if (at != absl::string_view::npos) {
      const size_t colon = before_query.substr(0, at).find(':');
      if (colon != absl::string_view::npos && colon + 1 < at) {
        ranges.emplace_back(begin + colon + 1, begin + at);
      }
    }
  }

  constexpr absl::string_view kKey = "password=";
  for (size_t key = url.find(kKey); key != absl::string_view::npos;
       key = url.find(kKey, key + kKey.size())) {
    const size_t begin = key + kKey.size();
    size_t end;
    if (begin < url.size() && url[begin] == '\'') {
      // key='quoted value' with \' escapes.
      end = begin + 1;
      while (end < url.size() && url[end] != '\'') {
        end += url[end] == '\\' ? 2 : 1;
      }
      end = std::min(end + 1, url.size());
    } else {
      end = url.find_first_of("& \t\r\n", begin);
      if (end == absl::string_view::npos) end = url.size();
    }
    if (end > begin) ranges.emplace_back(begin, end);
  }

  // Merged, so that a password= inside user:password@ is one range.
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<size_t, size_t>> merged;
  for (const auto& range : ranges) {
    if (!merged.empty() && range.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, range.second);
    } else {
      merged.push_back(range);
    }
  }
  return merged;
}

// `text` with %XX escapes decoded, as libpq decodes URL components.
std::string PercentDecoded(absl::string_view text) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    int value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        absl::ascii_isxdigit(text[i + 1]) &&
        absl::ascii_isxdigit(text[i + 2]) &&
        absl::SimpleHexAtoi(text.substr(i + 1, 2), &value)) {
      decoded += static_cast<char>(value);
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

// Every form in which a password of `url` could show up in a message.
std::vector<std::string> UrlSecrets(absl::string_view url) {
  std::vector<std::string> secrets;
  for (const auto& [begin, end] : SecretRanges(url)) {
    std::string raw(url.substr(begin, end - begin));
    std::string decoded = PercentDecoded(raw);
    if (decoded != raw && !decoded.empty()) secrets.push_back(decoded);
    secrets.push_back(std::move(raw));
  }
  // Longest first, so a secret containing another is replaced whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() > b.size();
            });
  return secrets;
}

// `text` with each of `secrets` replaced by kRedacted.
std::string Scrubbed(std::string text,
                     const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    text = absl::StrReplaceAll(text, {{secret, kRedacted}});
  }
  return text;
}

// libpq's messages span lines ("...failed: Connection refused\n\tIs the
// server running..."); a status message reads better on one.
std::string OneLine(const char* message) {
  std::string line = absl::StrReplaceAll(
      absl::StripTrailingAsciiWhitespace(message == nullptr ? "" : message),
      {{"\n\t", " "}, {"\n", " "}});
  return line;
}

// ---------------------------------------------------------------------------
// Errors

// The status for a failed libpq call on `connection`: from the result's
// SQLSTATE and primary message when the server answered, else from libpq's
// own message (connection lost). Never the server's DETAIL, which quotes
// row values.
absl::Status FailureStatus(PGconn* connection, const PGresult* result,
                           absl::string_view step) {
  const char* sqlstate_field =
      result == nullptr ? nullptr
                        : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary_field =
      result == nullptr ? nullptr
                        : PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const std::string sqlstate = sqlstate_field == nullptr ? "" : sqlstate_field;

  std::string reason;
  if (primary_field != nullptr) {
    reason = SafePrimaryMessage(sqlstate, primary_field);
  } else {
    // Written by libpq itself: it holds no values.
    reason = OneLine(PQerrorMessage(connection));
  }
  absl::Status status =
      PostgresStatus(sqlstate, absl::StrCat(step, ": ", reason));

  // However the failure was reported, a connection that is gone means the
  // database is unreachable for now.
  if (PQstatus(connection) == CONNECTION_BAD &&
      status.code() != absl::StatusCode::kUnavailable) {
    return absl::UnavailableError(
        absl::StrCat("connection to PostgreSQL lost: ", status.message()));
  }
  return status;
}

bool Succeeded(const PGresult* result) {
  const ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ||
         status == PGRES_EMPTY_QUERY;
}

// "INSERT", "SELECT"...: names a statement in messages without its text.
std::string LeadingKeyword(absl::string_view sql) {
  const absl::string_view text = absl::StripLeadingAsciiWhitespace(sql);
  size_t end = 0;
  while (end < text.size() && absl::ascii_isalpha(text[end])) ++end;
  if (end == 0) return "statement";
  return absl::AsciiStrToUpper(text.substr(0, end));
}

// ---------------------------------------------------------------------------
// Parameters and results

// The text form of `param` as PostgreSQL's input functions read it, or
// nullopt for NULL. `number` is the 1-based placeholder, for messages.
absl::StatusOr<std::optional<std::string>> ParamText(const Param& param,
                                                     size_t number) {
  if (std::holds_alternative<std::nullptr_t>(param)) return std::nullopt;
  if (const bool* value = std::get_if<bool>(&param)) {
    return std::string(*value ? "true" : "false");
  }
  if (const int64_t* value = std::get_if<int64_t>(&param)) {
    return absl::StrCat(*value);
  }
  if (const double* value = std::get_if<double>(&param)) {
    // 17 significant digits read back as the same double.
    return absl::StrFormat("%.17g", *value);
  }
  if (const std::string* value = std::get_if<std::string>(&param)) {
    // libpq takes NUL-terminated text, and PostgreSQL text cannot hold NUL.
    if (value->find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter $", number, " contains a NUL character"));
    }
    return *value;
  }
  const absl::Time time = *std::get_if<absl::Time>(&param);
  if (time == absl::InfinitePast() || time == absl::InfiniteFuture()) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter $", number, " is an infinite time"));
  }
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", time, absl::UTCTimeZone());
}

// Rows inserted, updated or deleted. PQcmdTuples also counts the rows a
// SELECT returned, which the interface does not call affected.
int64_t RowsAffected(PGresult* result) {
  const absl::string_view command = PQcmdStatus(result);
  for (absl::string_view changing : {"INSERT", "UPDATE", "DELETE", "MERGE"}) {
    if (absl::StartsWith(command, changing)) {
      int64_t rows = 0;
      return absl::SimpleAtoi(PQcmdTuples(result), &rows) ? rows : 0;
    }
  }
  return 0;
}

ResultSet ReadResult(PGresult* result) {
  const int num_rows = PQntuples(result);
  const int num_columns = PQnfields(result);
  std::vector<Cell> cells;
  cells.reserve(static_cast<size_t>(num_rows) * num_columns);
  for (int row = 0; row < num_rows; ++row) {
    for (int column = 0; column < num_columns; ++column) {
      if (PQgetisnull(result, row, column)) {
        cells.emplace_back(std::monostate());
      } else {
        cells.emplace_back(std::string(PQgetvalue(result, row, column),
                                       PQgetlength(result, row, column)));
      }
    }
  }
  return ResultSet(num_columns, std::move(cells), RowsAffected(result));
}

// ---------------------------------------------------------------------------
// Connection parameters

// Whether `host` (one entry of a host or hostaddr list) is on this machine:
// a unix socket directory, an abstract socket, localhost, or a loopback
// address. An empty entry means libpq's default unix socket.
bool IsLocalHost(absl::string_view host) {
  if (host.empty() || host.front() == '/' || host.front() == '@') return true;
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  const std::string text(host);
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

struct ConninfoCloser {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using ConninfoHandle = std::unique_ptr<PQconninfoOption, ConninfoCloser>;

// The keyword=value pairs that `url` sets itself, or nullopt when libpq
// cannot parse it.
std::optional<std::map<std::string, std::string>> UrlParameters(
    const std::string& url) {
  char* error = nullptr;
  ConninfoHandle parsed(PQconninfoParse(url.c_str(), &error));
  PQfreemem(error);
  if (parsed == nullptr) return std::nullopt;
  std::map<std::string, std::string> set;
  for (const PQconninfoOption* option = parsed.get();
       option->keyword != nullptr; ++option) {
    if (option->val != nullptr && *option->val != '\0') {
      set[option->keyword] = option->val;
    }
  }
  return set;
}

bool EnvSet(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0';
}

// Connection parameters the driver sets unless the URL (or libpq's
// environment variable for it) already does.
std::vector<std::pair<std::string, std::string>> ConnectDefaults(
    const PostgresOptions& options) {
  const std::map<std::string, std::string> set =
      UrlParameters(options.url).value_or(std::map<std::string, std::string>());
  std::vector<std::pair<std::string, std::string>> defaults;
  auto add = [&](const char* keyword, const char* env, std::string value) {
    if (set.count(keyword) > 0) return;
    if (env != nullptr && EnvSet(env)) return;
    defaults.emplace_back(keyword, std::move(value));
  };
  add("connect_timeout", "PGCONNECT_TIMEOUT",
      absl::StrCat(
          std::max<int64_t>(1, absl::ToInt64Seconds(options.connect_timeout))));
  const std::string sslmode = DefaultSslMode(options.url);
  if (!sslmode.empty()) add("sslmode", "PGSSLMODE", sslmode);
  // A server that vanished without closing the connection (host down,
  // network cut) is noticed within about a minute rather than hours.
  add("keepalives_idle", nullptr, "30");
  add("keepalives_interval", nullptr, "10");
  add("keepalives_count", nullptr, "3");
  return defaults;
}

// ---------------------------------------------------------------------------
// Connections and transactions

// One server session and the statements prepared in it.
struct Connection {
  ConnectionHandle handle;
  // SQL text -> prepared statement name.
  std::unordered_map<std::string, std::string> statements;
  int64_t statements_prepared = 0;
  // Opened for the transaction at hand rather than taken from the pool.
  bool fresh = true;
  absl::Time opened;
  absl::Time last_used;
};

// Usable again by another transaction: still connected and outside any
// transaction block.
bool Reusable(const Connection& connection) {
  return PQstatus(connection.handle.get()) == CONNECTION_OK &&
         PQtransactionStatus(connection.handle.get()) == PQTRANS_IDLE;
}

class PostgresTransaction final : public Transaction {
 public:
  PostgresTransaction(Connection& connection, bool statement_timeout_set)
      : connection_(connection),
        statement_timeout_set_(statement_timeout_set) {}

  absl::StatusOr<ResultSet> Execute(absl::string_view sql,
                                    absl::Span<const Param> params) override;
  absl::Status ExecuteScript(absl::string_view sql) override;

 private:
  // The name of `sql` prepared on this connection, preparing it first when
  // needed.
  absl::StatusOr<std::string> Prepared(const std::string& sql);

  Connection& connection_;
  const bool statement_timeout_set_;
};

absl::StatusOr<std::string> PostgresTransaction::Prepared(
    const std::string& sql) {
  if (auto found = connection_.statements.find(sql);
      found != connection_.statements.end()) {
    return found->second;
  }

  std::string name = absl::StrCat("s", ++connection_.statements_prepared);
  PGconn* handle = connection_.handle.get();
  // No parameter types: the server infers them from the statement.
  ResultHandle result(PQprepare(handle, name.c_str(), sql.c_str(),
                                /*nParams=*/0, /*paramTypes=*/nullptr));
  if (!Succeeded(result.get())) {
    return FailureStatus(handle, result.get(),
                         absl::StrCat("preparing ", LeadingKeyword(sql)));
  }
  connection_.statements.emplace(sql, name);
  return name;
}

absl::StatusOr<ResultSet> PostgresTransaction::Execute(
    absl::string_view sql, absl::Span<const Param> params) {
  // Checked before anything reaches the server, so that a bad argument
  // leaves the transaction usable.
  if (sql.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError("SQL text contains a NUL character");
  }
  std::vector<std::optional<std::string>> texts;
  texts.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    OPSBRAIN_ASSIGN_OR_RETURN(std::optional<std::string> text,
                              ParamText(params[i], i + 1));
    texts.push_back(std::move(text));
  }
  std::vector<const char*> values;
  values.reserve(texts.size());
  for (const std::optional<std::string>& text : texts) {
    values.push_back(text.has_value() ? text->c_str() : nullptr);
  }

  const std::string sql_text(sql);
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string name, Prepared(sql_text));

  PGconn* handle = connection_.handle.get();
  ResultHandle result(PQexecPrepared(
      handle, name.c_str(), static_cast<int>(values.size()), values.data(),
      /*paramLengths=*/nullptr, /*paramFormats=*/nullptr,
      /*resultFormat=*/0));
  if (!Succeeded(result.get())) {
    absl::Status status =
        FailureStatus(handle, result.get(), LeadingKeyword(sql));
    // "cached plan must not change result type": the schema changed under
    // the prepared statement. Prepare it afresh next time.
    const char* sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    if (sqlstate != nullptr && std::strcmp(sqlstate, "0A000") == 0) {
      connection_.statements.erase(sql_text);
    }
    return status;
  }
  return ReadResult(result.get());
}

absl::Status PostgresTransaction::ExecuteScript(absl::string_view sql) {
  if (sql.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError("SQL script contains a NUL character");
  }
  PGconn* handle = connection_.handle.get();
  // A migration may rewrite a large table; the per-statement bound is for
  // the request path. SET LOCAL ends with the transaction.
  if (statement_timeout_set_) {
    ResultHandle unbounded(PQexec(handle, "SET LOCAL statement_timeout = 0"));
    if (!Succeeded(unbounded.get())) {
      return FailureStatus(handle, unbounded.get(), "script");
    }
  }
  // PQexec runs every statement of the script and returns the last result,
  // or the first error.
  ResultHandle result(PQexec(handle, std::string(sql).c_str()));
  if (!Succeeded(result.get())) {
    return FailureStatus(handle, result.get(), "script");
  }
  return absl::OkStatus();
}

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(const PostgresOptions& options)
      : options_(options),
        redacted_url_(RedactPostgresUrl(options.url)),
        secrets_(UrlSecrets(options.url)),
        connect_defaults_(ConnectDefaults(options)) {}

  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  // Opens the first connection of the pool.
  absl::Status OpenFirst() ABSL_LOCKS_EXCLUDED(mu_);

  Dialect dialect() const override { return Dialect::kPostgres; }
  absl::Status RunInTransaction(
      TransactionMode mode,
      absl::FunctionRef<absl::Status(Transaction&)> body) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Ping() override ABSL_LOCKS_EXCLUDED(mu_);
  PoolStats GetPoolStats() const override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // A connection lent out of the pool; gives it back, or closes it when it
  // is no longer reusable, on destruction.
  class Lease {
   public:
    Lease(PostgresDatabase* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_->Release(std::move(connection_)); }

    Connection& connection() { return *connection_; }
    PGconn* handle() { return connection_->handle.get(); }

   private:
    PostgresDatabase* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // A new session, set up for the driver.
  absl::StatusOr<std::unique_ptr<Connection>> Connect() const;
  // An idle connection, or a new one while fewer than pool_size are open;
  // waits otherwise, up to pool_wait_timeout. Fails at once while new
  // connections are in their backoff window.
  absl::StatusOr<std::unique_ptr<Lease>> Acquire() ABSL_LOCKS_EXCLUDED(mu_);
  void Release(std::unique_ptr<Connection> connection) ABSL_LOCKS_EXCLUDED(mu_);
  bool CanAcquire() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < options_.pool_size;
  }
  bool Expired(const Connection& connection, absl::Time now) const;
  // Closes the idle connections past their idle time or lifetime. Under the
  // lock, so that open_ never undercounts the server's sessions; closing a
  // healthy idle session only queues a few bytes.
  void CloseExpired(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordConnectFailure(const absl::Status& status, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordConnectSuccess() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status InBackoff(absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PostgresOptions options_;
  const std::string redacted_url_;
  const std::vector<std::string> secrets_;
  const std::vector<std::pair<std::string, std::string>> connect_defaults_;

  mutable absl::Mutex mu_;
  // Most recently used last.
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  // Idle, lent out or being opened; never above options_.pool_size.
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  // Callers in Acquire waiting for a connection.
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  // Connection attempts that failed in a row; 0 while the server answers.
  int failed_connects_ ABSL_GUARDED_BY(mu_) = 0;
  // While failed_connects_ > 0: no attempt before this time, and at most
  // one at a time.
  absl::Time next_connect_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool connect_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status last_connect_error_ ABSL_GUARDED_BY(mu_);
  absl::BitGen jitter_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::unique_ptr<Connection>> PostgresDatabase::Connect() const {
  // Keywords after dbname override what the URL says, so the URL's own
  // choices were taken out of connect_defaults_ already.
  std::vector<const char*> keywords = {"dbname"};
  std::vector<const char*> values = {options_.url.c_str()};
  for (const auto& [keyword, value] : connect_defaults_) {
    keywords.push_back(keyword.c_str());
    values.push_back(value.c_str());
  }
  keywords.push_back("application_name");
  values.push_back(options_.application_name.c_str());
  keywords.push_back("client_encoding");
  values.push_back("UTF8");
  keywords.push_back(nullptr);
  values.push_back(nullptr);

  auto connection = std::make_unique<Connection>();
  connection->handle.reset(
      PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1));
  PGconn* handle = connection->handle.get();
  if (handle == nullptr) {
    return absl::ResourceExhaustedError("libpq could not allocate");
  }
  if (PQstatus(handle) != CONNECTION_OK) {
    // libpq's messages may quote the URL, password included.
    return absl::UnavailableError(
        Scrubbed(absl::StrCat("cannot connect to PostgreSQL at ", redacted_url_,
                              ": ", OneLine(PQerrorMessage(handle))),
                 secrets_));
  }

  // Server notices (such as "relation already exists, skipping") are
  // informational; libpq would print each one on stderr.
  PQsetNoticeProcessor(
      handle, [](void* /*arg*/, const char* /*message*/) {}, nullptr);

  // The session settings RowReader depends on, set after connecting so that
  // an `options` parameter in the URL keeps its own settings: timestamptz
  // printed in UTC as "2025-09-01 12:00:00.5+00", dates as "2025-12-31",
  // doubles with every digit needed to read them back exactly. Then the
  // statement bound, when there is one.
  std::string setup =
      "SET TIME ZONE 'UTC'; "
      "SET DateStyle = 'ISO, YMD'; "
      "SET extra_float_digits = 3";
  if (options_.statement_timeout > absl::ZeroDuration()) {
    absl::StrAppend(&setup, "; SET statement_timeout = ",
                    std::max<int64_t>(1, absl::ToInt64Milliseconds(
                                             options_.statement_timeout)));
  }
  ResultHandle result(PQexec(handle, setup.c_str()));
  if (!Succeeded(result.get())) {
    return FailureStatus(handle, result.get(), "setting up the session");
  }
  connection->opened = absl::Now();
  connection->last_used = connection->opened;
  return connection;
}

absl::Status PostgresDatabase::OpenFirst() {
  absl::StatusOr<std::unique_ptr<Connection>> connected = Connect();
  // A server that answers but will not speak TLS where the connection
  // requires it is a configuration mismatch, not an outage: start-up would
  // retry it for --database_wait only to fail the same way, under a message
  // saying the database did not answer. Later, in the pool, it stays
  // UNAVAILABLE like any lost server. The test is on libpq's own wording.
  if (!connected.ok() && absl::StrContains(connected.status().message(),
                                           "server does not support SSL")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "PostgreSQL does not accept TLS, which this connection requires "
        "(sslmode=require or stricter, the default for a host that is not "
        "loopback): ",
        connected.status().message()));
  }
  if (!connected.ok()) return connected.status();
  std::unique_ptr<Connection> connection = *std::move(connected);
  connection->fresh = false;
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(connection));
  ++open_;
  return absl::OkStatus();
}

bool PostgresDatabase::Expired(const Connection& connection,
                               absl::Time now) const {
  const absl::Duration idle = options_.max_idle_time;
  const absl::Duration lifetime = options_.max_lifetime;
  return (idle > absl::ZeroDuration() && now - connection.last_used >= idle) ||
         (lifetime > absl::ZeroDuration() &&
          now - connection.opened >= lifetime);
}

void PostgresDatabase::CloseExpired(absl::Time now) {
  auto kept = idle_.begin();
  for (auto it = idle_.begin(); it != idle_.end(); ++it) {
    if (Expired(**it, now)) {
      it->reset();
      --open_;
    } else {
      *kept++ = std::move(*it);
    }
  }
  idle_.erase(kept, idle_.end());
}

absl::Status PostgresDatabase::InBackoff(absl::Time now) const {
  const absl::Duration wait =
      absl::Trunc(std::max(next_connect_ - now, absl::ZeroDuration()),
                  absl::Milliseconds(1));
  return absl::UnavailableError(absl::StrCat(
      "PostgreSQL is unavailable (", failed_connects_,
      " failed connection attempts; next in ", absl::FormatDuration(wait),
      "): ", last_connect_error_.message()));
}

void PostgresDatabase::RecordConnectFailure(const absl::Status& status,
                                            absl::Time now) {
  ++failed_connects_;
  absl::Duration backoff = options_.reconnect_backoff_initial;
  for (int i = 1;
       i < failed_connects_ && backoff < options_.reconnect_backoff_max; ++i) {
    backoff *= 2;
  }
  backoff = std::min(backoff, options_.reconnect_backoff_max) *
            absl::Uniform(jitter_, 0.8, 1.2);
  next_connect_ = now + backoff;
  last_connect_error_ = status;
  if (failed_connects_ == 1) {
    OPSBRAIN_LOG(WARNING)
        << "PostgreSQL unreachable: " << status.message()
        << "; calls that need a new connection fail at once while it is "
           "down, and connecting is retried with backoff up to "
        << absl::FormatDuration(options_.reconnect_backoff_max);
  }
}

void PostgresDatabase::RecordConnectSuccess() {
  if (failed_connects_ > 0) {
    OPSBRAIN_LOG(INFO) << "PostgreSQL reachable again after "
                       << failed_connects_ << " failed connection attempts";
  }
  failed_connects_ = 0;
  next_connect_ = absl::InfinitePast();
  last_connect_error_ = absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PostgresDatabase::Lease>>
PostgresDatabase::Acquire() {
  bool probing = false;
  {
    absl::MutexLock lock(&mu_);
    ++waiting_;
    const bool ready = mu_.AwaitWithTimeout(
        absl::Condition(this, &PostgresDatabase::CanAcquire),
        options_.pool_wait_timeout);
    --waiting_;
    if (!ready) {
      return absl::UnavailableError(
          absl::StrCat("no free PostgreSQL connection within ",
                       absl::FormatDuration(options_.pool_wait_timeout),
                       ": all ", options_.pool_size, " are in use"));
    }

    const absl::Time now = absl::Now();
    CloseExpired(now);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return std::make_unique<Lease>(this, std::move(connection));
    }
    // A new connection is needed. During an outage only one caller at a
    // time tries, once the backoff window has passed.
    if (failed_connects_ > 0) {
      if (now < next_connect_ || connect_in_flight_) return InBackoff(now);
      connect_in_flight_ = probing = true;
    }
    // Reserve the slot before connecting, outside the lock.
    ++open_;
  }

  absl::StatusOr<std::unique_ptr<Connection>> connection = Connect();
  absl::MutexLock lock(&mu_);
  if (probing) connect_in_flight_ = false;
  if (!connection.ok()) {
    --open_;
    RecordConnectFailure(connection.status(), absl::Now());
    return connection.status();
  }
  RecordConnectSuccess();
  return std::make_unique<Lease>(this, *std::move(connection));
}

void PostgresDatabase::Release(std::unique_ptr<Connection> connection) {
  if (connection == nullptr) return;
  connection->fresh = false;
  connection->last_used = absl::Now();
  const bool too_old =
      options_.max_lifetime > absl::ZeroDuration() &&
      connection->last_used - connection->opened >= options_.max_lifetime;
  if (Reusable(*connection) && !too_old) {
    absl::MutexLock lock(&mu_);
    idle_.push_back(std::move(connection));
    return;
  }
  // Closed before its slot is freed, so that the server never sees more
  // than pool_size sessions of ours.
  connection.reset();
  absl::MutexLock lock(&mu_);
  --open_;
}

absl::Status PostgresDatabase::RunInTransaction(
    TransactionMode mode, absl::FunctionRef<absl::Status(Transaction&)> body) {
  const char* const begin =
      mode == TransactionMode::kReadOnly
          ? "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY"
          : "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE";

  // Begin. A connection that died while idle in the pool (server restart,
  // idle timeout) fails here, before anything ran, so it is dropped and the
  // next one tried; there are at most pool_size of those before a fresh one.
  std::unique_ptr<Lease> lease;
  for (int attempt = 0;; ++attempt) {
    OPSBRAIN_ASSIGN_OR_RETURN(lease, Acquire());
    ResultHandle result(PQexec(lease->handle(), begin));
    if (Succeeded(result.get())) break;
    absl::Status status = FailureStatus(lease->handle(), result.get(), "BEGIN");
    if (lease->connection().fresh ||
        PQstatus(lease->handle()) == CONNECTION_OK ||
        attempt >= options_.pool_size) {
      return status;
    }
    lease.reset();
  }

  // Body.
  PostgresTransaction transaction(
      lease->connection(),
      /*statement_timeout_set=*/options_.statement_timeout >
          absl::ZeroDuration());
  absl::Status status = body(transaction);
  if (!status.ok()) {
    // A failed ROLLBACK leaves the connection unusable, and Release drops
    // it; the body's status is what the caller needs.
    ResultHandle rollback(PQexec(lease->handle(), "ROLLBACK"));
    return status;
  }

  // Commit. The server would turn COMMIT of a failed transaction into a
  // silent ROLLBACK.
  if (PQtransactionStatus(lease->handle()) == PQTRANS_INERROR) {
    ResultHandle rollback(PQexec(lease->handle(), "ROLLBACK"));
    return absl::InternalError(
        "transaction rolled back: one of its statements failed, and its "
        "error was not returned by the transaction body");
  }
  ResultHandle commit(PQexec(lease->handle(), "COMMIT"));
  if (!Succeeded(commit.get())) {
    return FailureStatus(lease->handle(), commit.get(), "COMMIT");
  }
  if (!absl::StartsWith(PQcmdStatus(commit.get()), "COMMIT")) {
    return absl::InternalError(absl::StrCat(
        "COMMIT answered ", PQcmdStatus(commit.get()), "; not committed"));
  }
  return absl::OkStatus();
}

absl::Status PostgresDatabase::Ping() {
  absl::Status status = RunInTransaction(
      TransactionMode::kReadOnly,
      [](Transaction& t) { return t.Execute("SELECT 1", {}).status(); });
  if (status.ok() || status.code() == absl::StatusCode::kUnavailable) {
    return status;
  }
  return absl::UnavailableError(
      absl::StrCat("PostgreSQL does not answer: ", status.message()));
}

PoolStats PostgresDatabase::GetPoolStats() const {
  absl::MutexLock lock(&mu_);
  PoolStats stats;
  stats.idle = static_cast<int>(idle_.size());
  stats.in_use = open_ - stats.idle;
  stats.waiting = waiting_;
  stats.max_size = options_.pool_size;
  return stats;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(
    const PostgresOptions& options) {
  const std::string redacted = RedactPostgresUrl(options.url);
  const absl::string_view url = options.url;
  if (!absl::StartsWith(url, "postgres://") &&
      !absl::StartsWith(url, "postgresql://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PostgreSQL URL must start with postgres:// or postgresql://: ",
        redacted));
  }
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PostgreSQL pool size must be at least 1, not ", options.pool_size));
  }

  // libpq's parse errors quote the URL, password included: mask it.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.url.c_str(), &parse_error);
  if (parsed == nullptr) {
    const std::string reason =
        parse_error == nullptr ? "out of memory" : OneLine(parse_error);
    PQfreemem(parse_error);
    return absl::InvalidArgumentError(Scrubbed(
        absl::StrCat("invalid PostgreSQL URL ", redacted, ": ", reason),
        UrlSecrets(options.url)));
  }
  PQconninfoFree(parsed);

  auto database = std::make_unique<PostgresDatabase>(options);
  OPSBRAIN_RETURN_IF_ERROR(database->OpenFirst());
  return database;
}

std::string DefaultSslMode(std::string_view url) {
  const std::optional<std::map<std::string, std::string>> set =
      UrlParameters(std::string(url));
  // An unparsable URL fails later, with its own message.
  if (!set.has_value()) return "";
  if (set->count("sslmode") > 0 || EnvSet("PGSSLMODE")) return "";

  // Every host the URL may connect to, by name or by address.
  std::vector<std::string> hosts;
  for (const char* keyword : {"host", "hostaddr"}) {
    auto found = set->find(keyword);
    if (found == set->end()) continue;
    for (absl::string_view host : absl::StrSplit(found->second, ',')) {
      hosts.emplace_back(host);
    }
  }
  if (hosts.empty()) {
    const char* env_host = std::getenv("PGHOST");
    hosts.emplace_back(env_host == nullptr ? "" : env_host);
  }
  for (const std::string& host : hosts) {
    if (!IsLocalHost(host)) return "require";
  }
  return "";
}

std::string RedactPostgresUrl(std::string_view url) {
  std::string redacted(url);
  const std::vector<std::pair<size_t, size_t>> ranges =
      SecretRanges(AbslView(url));
  // Back to front, so earlier offsets stay valid.
  for (auto range = ranges.rbegin(); range != ranges.rend(); ++range) {
    redacted.replace(range->first, range->second - range->first, kRedacted);
  }
  return redacted;
}

}  // namespace opsbrain::sql
