#include "storage_service/sql/postgres/postgres_database.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
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
// Connections and transactions

// One server session and the statements prepared in it.
struct Connection {
  ConnectionHandle handle;
  // SQL text -> prepared statement name.
  std::unordered_map<std::string, std::string> statements;
  int64_t statements_prepared = 0;
  // Opened for the transaction at hand rather than taken from the pool.
  bool fresh = true;
};

// Usable again by another transaction: still connected and outside any
// transaction block.
bool Reusable(const Connection& connection) {
  return PQstatus(connection.handle.get()) == CONNECTION_OK &&
         PQtransactionStatus(connection.handle.get()) == PQTRANS_IDLE;
}

class PostgresTransaction final : public Transaction {
 public:
  explicit PostgresTransaction(Connection& connection)
      : connection_(connection) {}

  absl::StatusOr<ResultSet> Execute(absl::string_view sql,
                                    absl::Span<const Param> params) override;
  absl::Status ExecuteScript(absl::string_view sql) override;

 private:
  // The name of `sql` prepared on this connection, preparing it first when
  // needed.
  absl::StatusOr<std::string> Prepared(const std::string& sql);

  Connection& connection_;
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
        secrets_(UrlSecrets(options.url)) {}

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
  // waits otherwise.
  absl::StatusOr<std::unique_ptr<Lease>> Acquire() ABSL_LOCKS_EXCLUDED(mu_);
  void Release(std::unique_ptr<Connection> connection) ABSL_LOCKS_EXCLUDED(mu_);
  bool CanAcquire() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < options_.pool_size;
  }

  const PostgresOptions options_;
  const std::string redacted_url_;
  const std::vector<std::string> secrets_;

  absl::Mutex mu_;
  // Most recently used last.
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  // Idle, lent out or being opened; never above options_.pool_size.
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

absl::StatusOr<std::unique_ptr<Connection>> PostgresDatabase::Connect() const {
  // Keywords after dbname override what the URL says.
  const std::string timeout = absl::StrCat(
      std::max<int64_t>(1, absl::ToInt64Seconds(options_.connect_timeout)));
  const char* const keywords[] = {"dbname", "application_name",
                                  "connect_timeout", "client_encoding",
                                  nullptr};
  const char* const values[] = {options_.url.c_str(),
                                options_.application_name.c_str(),
                                timeout.c_str(), "UTF8", nullptr};
  auto connection = std::make_unique<Connection>();
  connection->handle.reset(
      PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
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
  // doubles with every digit needed to read them back exactly.
  ResultHandle result(PQexec(handle,
                             "SET TIME ZONE 'UTC'; "
                             "SET DateStyle = 'ISO, YMD'; "
                             "SET extra_float_digits = 3"));
  if (!Succeeded(result.get())) {
    return FailureStatus(handle, result.get(), "setting up the session");
  }
  return connection;
}

absl::Status PostgresDatabase::OpenFirst() {
  OPSBRAIN_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connect());
  connection->fresh = false;
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(connection));
  ++open_;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PostgresDatabase::Lease>>
PostgresDatabase::Acquire() {
  {
    absl::MutexLock lock(&mu_,
                         absl::Condition(this, &PostgresDatabase::CanAcquire));
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return std::make_unique<Lease>(this, std::move(connection));
    }
    // Reserve the slot before connecting, outside the lock.
    ++open_;
  }

  absl::StatusOr<std::unique_ptr<Connection>> connection = Connect();
  if (!connection.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return connection.status();
  }
  return std::make_unique<Lease>(this, *std::move(connection));
}

void PostgresDatabase::Release(std::unique_ptr<Connection> connection) {
  if (connection == nullptr) return;
  connection->fresh = false;
  if (Reusable(*connection)) {
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
  PostgresTransaction transaction(lease->connection());
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
