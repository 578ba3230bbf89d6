#include "storage_service/sql/sqlite/sqlite_database.h"

#include <sqlite3.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/logging.h"
#include "common/periodic_task.h"
#include "storage_service/sql/sqlite/sqlite_errors.h"

namespace opsbrain::sql {
namespace {

// The repository runs a fixed set of statements, far fewer than this; the
// bound only keeps a caller that generates SQL text from growing the cache
// of every connection without limit.
constexpr size_t kMaxCachedStatements = 256;

struct ConnectionCloser {
  // close_v2 defers the close until every statement is finalized, so the
  // order in which owners are destroyed cannot leak the connection.
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using ConnectionHandle = std::unique_ptr<sqlite3, ConnectionCloser>;

struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const {
    sqlite3_finalize(statement);
  }
};
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// Runs `sql` (one or more statements, no parameters), discarding any rows.
absl::Status Exec(sqlite3* db, const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(db, rc, what);
  return absl::OkStatus();
}

// Rolls back the open transaction of `db`, if there is one. SQLite rolls
// back by itself after some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM,
// SQLITE_INTERRUPT), and a ROLLBACK without a transaction fails.
absl::Status RollBack(sqlite3* db) {
  if (sqlite3_get_autocommit(db)) return absl::OkStatus();
  return Exec(db, "ROLLBACK", "rolling back");
}

// True when `tail` (what follows the first statement of some SQL text) holds
// another statement, not just white space, semicolons or comments.
bool HasAnotherStatement(sqlite3* db, absl::string_view tail) {
  while (tail.find_first_not_of(" \t\n\v\f\r") != absl::string_view::npos) {
    sqlite3_stmt* raw = nullptr;
    const char* next = nullptr;
    const int rc = sqlite3_prepare_v2(
        db, tail.data(), static_cast<int>(tail.size()), &raw, &next);
    StatementHandle statement(raw);
    // Unparsable trailing text is "another statement" too: it was not run.
    // A tail SQLite did not advance over would be one as well.
    if (rc != SQLITE_OK || statement != nullptr || next == nullptr ||
        next == tail.data()) {
      return true;
    }
    tail.remove_prefix(static_cast<size_t>(next - tail.data()));
  }
  return false;
}

// One pooled connection and its prepared statements. Used by one thread at a
// time (the pool hands it to one transaction at a time).
class Connection {
 public:
  explicit Connection(ConnectionHandle db) : db_(std::move(db)) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_.get(); }

  // Reports the size of the write-ahead log after each commit of this
  // connection to wal_pages(). Replaces SQLite's automatic checkpoints.
  void WatchWal(int64_t page_size) {
    page_size_ = page_size;
    sqlite3_wal_hook(db(), &Connection::OnWalCommit, this);
  }
  // The log's size as of this connection's last commit.
  int64_t wal_bytes() const { return wal_pages_ * page_size_; }
  void ResetWalSize() { wal_pages_ = 0; }

  // Returns the statement for `sql`, prepared on first use and kept for the
  // life of the connection. The statement is owned by the connection; it is
  // reset and has no bindings.
  absl::StatusOr<sqlite3_stmt*> Prepare(absl::string_view sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) {
      return it->second.get();
    }

    if (sql.size() >= static_cast<size_t>(INT_MAX)) {
      return SqliteStatus(SQLITE_TOOBIG, "preparing statement");
    }
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int rc =
        sqlite3_prepare_v3(db(), sql.data(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &raw, &tail);
    StatementHandle statement(raw);
    if (rc != SQLITE_OK) return SqliteStatus(db(), rc, "preparing statement");
    if (statement == nullptr) {
      return absl::InternalError("statement is empty");
    }
    if (HasAnotherStatement(db(), sql.substr(tail - sql.data()))) {
      // The rest would be silently ignored; scripts go to ExecuteScript.
      return absl::InternalError(
          "Execute takes one statement; the text holds more");
    }

    if (statements_.size() >= kMaxCachedStatements) statements_.clear();
    auto it = statements_.emplace(std::string(sql), std::move(statement)).first;
    return it->second.get();
  }

 private:
  static int OnWalCommit(void* self, sqlite3* /*db*/, const char* /*schema*/,
                         int pages) {
    static_cast<Connection*>(self)->wal_pages_ = pages;
    return SQLITE_OK;
  }

  int64_t page_size_ = 4096;
  int64_t wal_pages_ = 0;
  ConnectionHandle db_;
  // After db_, so that statements are finalized before the connection closes.
  absl::flat_hash_map<std::string, StatementHandle> statements_;
};

// Binds one Param to parameter `index` of a statement; returns a SQLite code.
struct ParamBinder {
  sqlite3_stmt* statement;
  int index;

  int operator()(std::nullptr_t) const {
    return sqlite3_bind_null(statement, index);
  }
  int operator()(bool value) const {
    return sqlite3_bind_int64(statement, index, value ? 1 : 0);
  }
  int operator()(int64_t value) const {
    return sqlite3_bind_int64(statement, index, value);
  }
  int operator()(double value) const {
    return sqlite3_bind_double(statement, index, value);
  }
  int operator()(const std::string& value) const {
    // STATIC: the Param outlives the statement's run, and Execute clears
    // the bindings before it returns.
    return sqlite3_bind_text64(statement, index, value.data(), value.size(),
                               SQLITE_STATIC, SQLITE_UTF8);
  }
  int operator()(absl::Time value) const {
    const std::string text = FormatSqliteTime(value);
    return sqlite3_bind_text64(statement, index, text.data(), text.size(),
                               SQLITE_TRANSIENT, SQLITE_UTF8);
  }
};

// Binds params[i] to `$<i+1>`. The statement must use exactly those names:
// a mismatch is a bug in the SQL of the caller, not a database failure.
absl::Status BindParams(sqlite3* db, sqlite3_stmt* statement,
                        absl::Span<const Param> params) {
  const int count = sqlite3_bind_parameter_count(statement);
  if (static_cast<size_t>(count) != params.size()) {
    return absl::InternalError(absl::StrCat("statement has ", count,
                                            " parameters but ", params.size(),
                                            " values were given"));
  }

  for (size_t i = 0; i < params.size(); ++i) {
    const std::string name = absl::StrCat("$", i + 1);
    const int index = sqlite3_bind_parameter_index(statement, name.c_str());
    if (index == 0) {
      return absl::InternalError(absl::StrCat(
          "statement does not use parameter ", name,
          "; parameters must be written $1..$N, each of them used"));
    }
    if (const auto* time = std::get_if<absl::Time>(&params[i]);
        time != nullptr &&
        (*time == absl::InfiniteFuture() || *time == absl::InfinitePast())) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter ", name, " is an infinite time"));
    }
    const int rc = std::visit(ParamBinder{statement, index}, params[i]);
    if (rc != SQLITE_OK) {
      return SqliteStatus(db, rc, absl::StrCat("binding parameter ", name));
    }
  }
  return absl::OkStatus();
}

// Appends column `column` of the current row of `statement` to `cells`, typed
// as SQLite stores it.
absl::Status AppendCell(sqlite3_stmt* statement, int column,
                        std::vector<Cell>& cells) {
  const int type = sqlite3_column_type(statement, column);
  if (type == SQLITE_INTEGER) {
    cells.emplace_back(
        static_cast<int64_t>(sqlite3_column_int64(statement, column)));
  } else if (type == SQLITE_FLOAT) {
    cells.emplace_back(sqlite3_column_double(statement, column));
  } else if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
    // The pointer first, then the size, as SQLite advises: fetching the
    // pointer may convert the value and change its size.
    const void* data =
        type == SQLITE_TEXT
            ? static_cast<const void*>(sqlite3_column_text(statement, column))
            : sqlite3_column_blob(statement, column);
    const int size = sqlite3_column_bytes(statement, column);
    // A null pointer for a non-empty value means the copy ran out of memory.
    if (data == nullptr && size > 0) {
      return SqliteStatus(SQLITE_NOMEM, "reading a column");
    }
    cells.emplace_back(size == 0
                           ? std::string()
                           : std::string(static_cast<const char*>(data), size));
  } else {
    cells.emplace_back(std::monostate());
  }
  return absl::OkStatus();
}

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(Connection& connection, TransactionMode mode)
      : connection_(connection), mode_(mode) {}

  absl::StatusOr<ResultSet> Execute(absl::string_view sql,
                                    absl::Span<const Param> params) override {
    sqlite3* const db = connection_.db();
    absl::Status active = CheckActive();
    if (!active.ok()) return active;

    absl::StatusOr<sqlite3_stmt*> prepared = connection_.Prepare(sql);
    if (!prepared.ok()) return prepared.status();
    sqlite3_stmt* const statement = *prepared;
    // Whatever happens below, leave the statement ready for its next use
    // and holding neither a read cursor nor pointers into `params`.
    absl::Cleanup reset = [statement] {
      sqlite3_reset(statement);
      sqlite3_clear_bindings(statement);
    };

    const bool read_only = sqlite3_stmt_readonly(statement) != 0;
    if (mode_ == TransactionMode::kReadOnly && !read_only) {
      return absl::InternalError(
          "a read-only transaction cannot run a statement that may write");
    }
    absl::Status bound = BindParams(db, statement, params);
    if (!bound.ok()) return bound;

    // Step through the rows.
    const int num_columns = sqlite3_column_count(statement);
    std::vector<Cell> cells;
    const int64_t total_changes_before = sqlite3_total_changes64(db);
    for (;;) {
      const int rc = sqlite3_step(statement);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return SqliteStatus(db, rc, "running statement");
      for (int column = 0; column < num_columns; ++column) {
        absl::Status read = AppendCell(statement, column, cells);
        if (!read.ok()) return read;
      }
    }

    // sqlite3_changes64 keeps the count of the last INSERT, UPDATE or
    // DELETE, so a statement of another kind (CREATE, say) would report a
    // stale count; the total count tells whether this one changed anything.
    int64_t rows_affected = 0;
    if (!read_only && sqlite3_total_changes64(db) != total_changes_before) {
      rows_affected = sqlite3_changes64(db);
    }
    return ResultSet(num_columns, std::move(cells), rows_affected);
  }

  absl::Status ExecuteScript(absl::string_view sql) override {
    absl::Status active = CheckActive();
    if (!active.ok()) return active;
    // sqlite3_exec cannot tell reads from writes before running them.
    if (mode_ == TransactionMode::kReadOnly) {
      return absl::InternalError("a read-only transaction cannot run a script");
    }
    const std::string script(sql);
    return Exec(connection_.db(), script.c_str(), "running script");
  }

 private:
  // After SQLITE_FULL, SQLITE_IOERR and a few others SQLite has rolled the
  // transaction back by itself; a later statement would then run, and
  // commit, on its own.
  absl::Status CheckActive() const {
    if (!sqlite3_get_autocommit(connection_.db())) return absl::OkStatus();
    return absl::AbortedError(
        "the transaction is no longer active: it was rolled back after an "
        "earlier error, or ended by a statement of its own");
  }

  Connection& connection_;
  const TransactionMode mode_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(const SqliteOptions& options,
                 std::vector<std::unique_ptr<Connection>> connections)
      : path_(options.path),
        checkpoint_wal_bytes_(options.read_only ? 0
                                                : options.checkpoint_wal_bytes),
        connections_(std::move(connections)) {
    {
      absl::MutexLock lock(&mu_);
      for (const auto& connection : connections_) {
        idle_.push_back(connection.get());
      }
    }
    if (!options.read_only &&
        options.checkpoint_interval > absl::ZeroDuration()) {
      checkpointer_ = std::make_unique<PeriodicTask>(
          options.checkpoint_interval, [this] { PeriodicCheckpoint(); });
    }
  }

  ~SqliteDatabase() override {
    // Before the connections go.
    if (checkpointer_ != nullptr) checkpointer_->Stop();
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  absl::Status RunInTransaction(
      TransactionMode mode,
      absl::FunctionRef<absl::Status(Transaction&)> body) override {
    // SQLite lets one connection write at a time. Queueing this process's
    // writers here hands the write lock over as soon as the previous writer
    // commits, where SQLite's busy handler would poll with sleeps.
    std::optional<absl::MutexLock> writer;
    if (mode == TransactionMode::kReadWrite) writer.emplace(&write_mu_);

    Connection* const connection = Acquire();
    absl::Cleanup release = [this, connection] { Release(connection); };
    sqlite3* const db = connection->db();

    // A transaction whose ROLLBACK failed is still open; end it first.
    absl::Status status = RollBack(db);
    if (!status.ok()) return status;

    status = Exec(
        db, mode == TransactionMode::kReadOnly ? "BEGIN" : "BEGIN IMMEDIATE",
        "starting a transaction");
    if (!status.ok()) return status;

    SqliteTransaction transaction(*connection, mode);
    status = body(transaction);
    if (!status.ok()) {
      // A failed rollback leaves the transaction open; the next user of
      // the connection retries it. The body's status is what the caller
      // needs to see.
      RollBack(db).IgnoreError();
      return status;
    }
    if (sqlite3_get_autocommit(db)) {
      return absl::AbortedError(
          "the transaction ended before its commit: it was rolled back "
          "after an error, or ended by a statement of its body");
    }

    status = Exec(db, "COMMIT", "committing");
    if (!status.ok()) {
      RollBack(db).IgnoreError();
      return status;
    }

    // The writer that takes the log past its bound shrinks it, still
    // holding the write lock, so that sustained writes cannot outrun a
    // background thread. The write itself is done either way.
    if (mode == TransactionMode::kReadWrite && checkpoint_wal_bytes_ > 0 &&
        connection->wal_bytes() > checkpoint_wal_bytes_) {
      Checkpoint(*connection);
    }
    return absl::OkStatus();
  }

  absl::Status Ping() override {
    absl::Status status = RunInTransaction(
        TransactionMode::kReadOnly, [](Transaction& transaction) {
          return transaction.Execute("SELECT 1", {}).status();
        });
    if (status.ok()) return status;
    return absl::UnavailableError(absl::StrCat(
        "SQLite database ", path_, " does not answer: ", status.message()));
  }

  PoolStats GetPoolStats() const override {
    absl::MutexLock lock(&mu_);
    PoolStats stats;
    stats.max_size = static_cast<int>(connections_.size());
    stats.idle = static_cast<int>(idle_.size());
    stats.in_use = stats.max_size - stats.idle;
    stats.waiting = waiting_;
    return stats;
  }

 private:
  // Waits for an idle connection and takes it out of the pool.
  Connection* Acquire() {
    absl::MutexLock lock(&mu_);
    ++waiting_;
    mu_.Await(absl::Condition(this, &SqliteDatabase::HasIdleConnection));
    --waiting_;
    Connection* const connection = idle_.back();
    idle_.pop_back();
    return connection;
  }

  void Release(Connection* connection) {
    absl::MutexLock lock(&mu_);
    // Last in, first out: the most recently used connection has the
    // warmest page and statement caches.
    idle_.push_back(connection);
  }

  bool HasIdleConnection() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty();
  }

  // Copies the log into the database and truncates it. Waits (busy_timeout)
  // for readers of older snapshots; the caller holds write_mu_, so no
  // writer of this process competes.
  void Checkpoint(Connection& connection)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    int log_frames = -1;
    int checkpointed_frames = -1;
    const int rc = sqlite3_wal_checkpoint_v2(connection.db(), /*zDb=*/nullptr,
                                             SQLITE_CHECKPOINT_TRUNCATE,
                                             &log_frames, &checkpointed_frames);
    if (rc == SQLITE_OK) {
      connection.ResetWalSize();
      if (checkpoint_failing_) {
        OPSBRAIN_LOG(INFO) << "WAL checkpoint of " << path_
                           << " completes again";
        checkpoint_failing_ = false;
      }
      return;
    }
    // Logged once per run of failures: under steady load it would repeat
    // on every write.
    if (!checkpoint_failing_) {
      OPSBRAIN_LOG(WARNING)
          << "WAL checkpoint of " << path_
          << " did not complete: " << sqlite3_errstr(rc)
          << "; the log keeps growing until one does (long-running readers "
             "or another process holding the database?)";
      checkpoint_failing_ = true;
    }
  }

  void PeriodicCheckpoint() {
    absl::MutexLock writer(&write_mu_);
    Connection* const connection = Acquire();
    absl::Cleanup release = [this, connection] { Release(connection); };
    if (!RollBack(connection->db()).ok()) return;
    Checkpoint(*connection);
  }

  const std::string path_;
  const int64_t checkpoint_wal_bytes_;
  // Owns every connection; fixed after construction.
  const std::vector<std::unique_ptr<Connection>> connections_;
  // Held by a kReadWrite transaction from before BEGIN until after COMMIT
  // (and its checkpoint, if any), and by the periodic checkpoint.
  absl::Mutex write_mu_;
  bool checkpoint_failing_ ABSL_GUARDED_BY(write_mu_) = false;
  mutable absl::Mutex mu_;
  std::vector<Connection*> idle_ ABSL_GUARDED_BY(mu_);
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  // Last: started after, and stopped before, everything it uses.
  std::unique_ptr<PeriodicTask> checkpointer_;
};

// The status for a failure while opening or setting up a connection to
// `path`. A file that is not a database does not become one on a retry: it
// is a broken precondition of the service, not lost data.
absl::Status OpenError(sqlite3* db, int rc, const std::string& path) {
  const int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " is not a SQLite database or is corrupt: ", sqlite3_errstr(rc)));
  }
  return SqliteStatus(db, rc, absl::StrCat("opening SQLite database ", path));
}

// Runs `sql` and returns the first column of its first row as text.
absl::StatusOr<std::string> QueryText(sqlite3* db, const char* sql,
                                      const std::string& path) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  StatementHandle statement(raw);
  if (rc != SQLITE_OK) return OpenError(db, rc, path);
  rc = sqlite3_step(statement.get());
  if (rc != SQLITE_ROW) {
    if (rc == SQLITE_DONE) {
      return absl::InternalError(absl::StrCat(sql, " returned no row"));
    }
    return OpenError(db, rc, path);
  }
  const unsigned char* text = sqlite3_column_text(statement.get(), 0);
  return text == nullptr ? std::string()
                         : std::string(reinterpret_cast<const char*>(text));
}

absl::StatusOr<std::unique_ptr<Connection>> OpenConnection(
    const SqliteOptions& options, bool first) {
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= options.read_only ? SQLITE_OPEN_READONLY
                             : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
#ifdef SQLITE_OPEN_EXRESCODE
  flags |= SQLITE_OPEN_EXRESCODE;
#endif
  sqlite3* raw = nullptr;
  // Even a failed open allocates a handle, which must be closed.
  const int rc = sqlite3_open_v2(options.path.c_str(), &raw, flags, nullptr);
  ConnectionHandle db(raw);
  if (rc != SQLITE_OK) return OpenError(db.get(), rc, options.path);
  sqlite3_extended_result_codes(db.get(), 1);
  const int64_t busy_ms = std::clamp<int64_t>(
      absl::ToInt64Milliseconds(options.busy_timeout), 0, INT_MAX);
  sqlite3_busy_timeout(db.get(), static_cast<int>(busy_ms));

  // Opening is lazy: the file is read, and found to be a database or not,
  // only by the first statement.
  absl::StatusOr<std::string> probe =
      QueryText(db.get(), "SELECT count(*) FROM sqlite_master", options.path);
  if (!probe.ok()) return probe.status();

  // WAL mode is a property of the file: set once, every later connection
  // (of this or another process) uses it. A read-only connection cannot
  // set it and takes the file as it is.
  if (first && !options.read_only) {
    absl::StatusOr<std::string> mode =
        QueryText(db.get(), "PRAGMA journal_mode=WAL", options.path);
    if (!mode.ok()) return mode.status();
    if (!absl::EqualsIgnoreCase(*mode, "wal")) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot switch SQLite database ", options.path,
                       " to WAL mode; it stays in ", *mode, " mode"));
    }
  }

  const char* const settings =
      options.synchronous_full
          ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
          : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
  const int settings_rc =
      sqlite3_exec(db.get(), settings, nullptr, nullptr, nullptr);
  if (settings_rc != SQLITE_OK) {
    return OpenError(db.get(), settings_rc, options.path);
  }

  auto connection = std::make_unique<Connection>(std::move(db));
  // Without a size bound SQLite's own automatic checkpoints stay on.
  if (!options.read_only && options.checkpoint_wal_bytes > 0) {
    absl::StatusOr<std::string> page_size =
        QueryText(connection->db(), "PRAGMA page_size", options.path);
    if (!page_size.ok()) return page_size.status();
    int64_t bytes = 0;
    if (!absl::SimpleAtoi(*page_size, &bytes) || bytes <= 0) bytes = 4096;
    connection->WatchWal(bytes);
  }
  return connection;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenSqliteDatabase(
    const SqliteOptions& options) {
  if (options.path.empty() || options.path == ":memory:") {
    return absl::InvalidArgumentError(
        "SQLite database path must name a file (not empty, not :memory:)");
  }
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("SQLite pool size must be at least 1, not ",
                     options.pool_size, " (database ", options.path, ")"));
  }

  std::vector<std::unique_ptr<Connection>> connections;
  connections.reserve(options.pool_size);
  for (int i = 0; i < options.pool_size; ++i) {
    absl::StatusOr<std::unique_ptr<Connection>> connection =
        OpenConnection(options, /*first=*/i == 0);
    if (!connection.ok()) return connection.status();
    connections.push_back(*std::move(connection));
  }
  return std::make_unique<SqliteDatabase>(options, std::move(connections));
}

}  // namespace opsbrain::sql
