// sqlite_direct: the statements the storage service runs on SQLite for a
// point read of a configuration and for an upsert of a user preference,
// run in-process on the sqlite3 library: the in-process contender of
// bench/README.md, which shows what the RPC costs.
//
// It mirrors the storage service's SQLite driver
// (storage_service/sql/sqlite/sqlite_database.cc) and repository
// (storage_service/sql/sql_repository.cc, keyed_table.h):
// - one connection per client thread (the driver's pool), WAL mode,
//   synchronous=FULL, foreign_keys=ON, statements prepared once per
//   connection;
// - a read is BEGIN; SELECT <columns> FROM configurations WHERE key = ?;
//   COMMIT, with every cell copied out as the driver does;
// - an upsert is, under one in-process writer lock, BEGIN IMMEDIATE;
//   SELECT the preference; UPDATE every column; INSERT its audit row;
//   COMMIT; and a TRUNCATE checkpoint once the log passes 4 MiB.
//
// Each of --connections threads keeps one transaction going at a time for
// --warmup plus --duration and prints one JSON line in grpc_load's format.
// The database must already hold the store's schema (the storage service
// creates it) and, for upserts, the preferences bench_user_1..--keys/theme.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

ABSL_FLAG(std::string, db, "", "The storage service's SQLite file.");
ABSL_FLAG(std::string, method, "get_configuration",
          "get_configuration or update_user_preference.");
ABSL_FLAG(int, connections, 8, "Client threads, one connection each.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Measured time.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1),
          "Time before measuring; its transactions are not counted.");
ABSL_FLAG(std::string, key, "bench_config", "The configuration key.");
ABSL_FLAG(int, keys, 1000, "Preferences are drawn from bench_user_1..N.");

namespace opsbrain::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The storage service's SQL (SQLite dialect), parameters numbered as its
// KeyedTable numbers them.
constexpr char kSelectConfiguration[] =
    "SELECT key, value, category, description, is_sensitive, created_at, "
    "updated_at, etag FROM configurations WHERE key = ?1";
constexpr char kSelectPreference[] =
    "SELECT user_id, preference_key, preference_value, created_at, "
    "updated_at, etag FROM user_preferences WHERE user_id = ?1 AND "
    "preference_key = ?2";
constexpr char kUpdatePreference[] =
    "UPDATE user_preferences SET user_id = ?1, preference_key = ?2, "
    "preference_value = ?3, created_at = ?4, updated_at = ?5, etag = ?6 "
    "WHERE user_id = ?1 AND preference_key = ?2";
constexpr char kInsertAudit[] =
    "INSERT INTO config_audit (table_name, record_id, action, old_values, "
    "new_values, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

// The driver's bound: checkpoint once the log passes 4 MiB.
constexpr int64_t kCheckpointWalBytes = 4 << 20;

struct DirectOptions {
  std::string db;
  bool write = false;
  std::string method_name;
  int connections = 8;
  absl::Duration duration;
  absl::Duration warmup;
  std::string key;
  int keys = 1000;
};

struct Tally {
  std::vector<double> latencies_ms;
  int64_t errors = 0;
  std::string first_error;
};

struct StatementCloser {
  void operator()(sqlite3_stmt* statement) const {
    sqlite3_finalize(statement);
  }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementCloser>;

// One client thread's connection and its prepared statements.
class Client {
 public:
  ~Client() {
    select_configuration_.reset();
    select_preference_.reset();
    update_preference_.reset();
    insert_audit_.reset();
    sqlite3_close(db_);
  }

  // An error message, or empty on success.
  std::string Open(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      return Error("open");
    }
    sqlite3_busy_timeout(db_, 5000);
    if (sqlite3_exec(db_, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                     nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Error("pragmas");
    }
    sqlite3_wal_hook(db_, &Client::OnWalCommit, this);
    for (auto [sql, statement] :
         {std::pair{kSelectConfiguration, &select_configuration_},
          std::pair{kSelectPreference, &select_preference_},
          std::pair{kUpdatePreference, &update_preference_},
          std::pair{kInsertAudit, &insert_audit_}}) {
      sqlite3_stmt* raw = nullptr;
      if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw,
                             nullptr) != SQLITE_OK) {
        return Error("prepare");
      }
      statement->reset(raw);
    }
    return "";
  }

  std::string GetConfiguration(const std::string& key) {
    if (!Exec("BEGIN")) return Error("BEGIN");
    sqlite3_stmt* select = select_configuration_.get();
    Bind(select, 1, key);
    std::vector<std::string> row;
    const bool found = ReadRow(select, &row);
    Reset(select);
    if (!found) {
      Exec("ROLLBACK");
      return absl::StrCat("configuration ", key, " not found");
    }
    if (!Exec("COMMIT")) return Error("COMMIT");
    return "";
  }

  std::string UpdatePreference(std::mutex& writer, int user, int64_t call) {
    const std::string user_id = absl::StrCat("bench_user_", user);
    const std::string value = absl::StrCat("dark-", call % 1000);
    const std::string now = absl::FormatTime("%Y-%m-%d %H:%M:%E6S", absl::Now(),
                                             absl::UTCTimeZone());
    std::lock_guard<std::mutex> lock(writer);
    if (!Exec("BEGIN IMMEDIATE")) return Error("BEGIN IMMEDIATE");

    sqlite3_stmt* select = select_preference_.get();
    Bind(select, 1, user_id);
    Bind(select, 2, "theme");
    std::vector<std::string> stored;
    const bool found = ReadRow(select, &stored);
    Reset(select);
    if (!found) {
      Exec("ROLLBACK");
      return absl::StrCat("preference of ", user_id, " not seeded");
    }

    sqlite3_stmt* update = update_preference_.get();
    Bind(update, 1, user_id);
    Bind(update, 2, "theme");
    Bind(update, 3, value);
    Bind(update, 4, stored[3]);
    Bind(update, 5, now);
    Bind(update, 6, absl::StrCat("e", call));
    const int updated = sqlite3_step(update);
    Reset(update);
    if (updated != SQLITE_DONE) {
      std::string error = Error("UPDATE");
      Exec("ROLLBACK");
      return error;
    }

    sqlite3_stmt* audit = insert_audit_.get();
    Bind(audit, 1, "user_preferences");
    Bind(audit, 2, absl::StrCat(user_id, "/theme"));
    Bind(audit, 3, "UPDATE");
    Bind(audit, 4, absl::StrCat("{\"preference_value\":\"", stored[2], "\"}"));
    Bind(audit, 5, absl::StrCat("{\"preference_value\":\"", value, "\"}"));
    Bind(audit, 6, "bench-writer");
    Bind(audit, 7, now);
    const int inserted = sqlite3_step(audit);
    Reset(audit);
    if (inserted != SQLITE_DONE) {
      std::string error = Error("INSERT");
      Exec("ROLLBACK");
      return error;
    }

    if (!Exec("COMMIT")) return Error("COMMIT");
    if (wal_pages_ * 4096 > kCheckpointWalBytes) {
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                nullptr, nullptr);
      wal_pages_ = 0;
    }
    return "";
  }

 private:
  static int OnWalCommit(void* self, sqlite3*, const char*, int pages) {
    static_cast<Client*>(self)->wal_pages_ = pages;
    return SQLITE_OK;
  }

  bool Exec(const char* sql) {
    return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
  }

  static void Bind(sqlite3_stmt* statement, int index,
                   const std::string& text) {
    sqlite3_bind_text64(statement, index, text.data(), text.size(),
                        SQLITE_TRANSIENT, SQLITE_UTF8);
  }

  static void Reset(sqlite3_stmt* statement) {
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
  }

  // Steps `statement` once and copies the row's cells out as text, as the
  // driver's result set does. False when there is no row.
  static bool ReadRow(sqlite3_stmt* statement, std::vector<std::string>* row) {
    if (sqlite3_step(statement) != SQLITE_ROW) return false;
    const int columns = sqlite3_column_count(statement);
    for (int i = 0; i < columns; ++i) {
      const unsigned char* text = sqlite3_column_text(statement, i);
      row->emplace_back(
          text == nullptr ? "" : reinterpret_cast<const char*>(text),
          static_cast<size_t>(sqlite3_column_bytes(statement, i)));
    }
    while (sqlite3_step(statement) == SQLITE_ROW) {
    }
    return true;
  }

  std::string Error(const char* step) {
    return absl::StrCat(step, ": ",
                        db_ == nullptr ? "no handle" : sqlite3_errmsg(db_));
  }

  sqlite3* db_ = nullptr;
  int64_t wal_pages_ = 0;
  Statement select_configuration_;
  Statement select_preference_;
  Statement update_preference_;
  Statement insert_audit_;
};

void Drive(const DirectOptions& options, Client* client, std::mutex* writer,
           uint32_t seed, Clock::time_point measure_from,
           Clock::time_point stop, Tally* tally) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> user(1, options.keys);
  for (int64_t call = 0;; ++call) {
    const Clock::time_point started = Clock::now();
    if (started >= stop) return;
    const std::string error =
        options.write ? client->UpdatePreference(*writer, user(random), call)
                      : client->GetConfiguration(options.key);
    const Clock::time_point now = Clock::now();
    if (now < measure_from || now >= stop) continue;
    if (error.empty()) {
      tally->latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(now - started).count());
    } else {
      ++tally->errors;
      if (tally->first_error.empty()) tally->first_error = error;
    }
  }
}

double Percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(
      std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

int Run(const DirectOptions& options) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < options.connections; ++i) {
    clients.push_back(std::make_unique<Client>());
    const std::string error = clients.back()->Open(options.db);
    if (!error.empty()) {
      std::fprintf(stderr, "sqlite_direct: %s: %s\n", options.db.c_str(),
                   error.c_str());
      return 1;
    }
  }

  std::mutex writer;
  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from =
      start + absl::ToChronoMilliseconds(options.warmup);
  const Clock::time_point stop =
      measure_from + absl::ToChronoMilliseconds(options.duration);
  std::vector<Tally> tallies(options.connections);
  std::vector<std::thread> threads;
  for (int i = 0; i < options.connections; ++i) {
    threads.emplace_back(Drive, std::cref(options), clients[i].get(), &writer,
                         static_cast<uint32_t>(7919 * i + 1), measure_from,
                         stop, &tallies[i]);
  }
  for (std::thread& thread : threads) thread.join();

  std::vector<double> latencies;
  int64_t errors = 0;
  std::string first_error;
  for (const Tally& tally : tallies) {
    latencies.insert(latencies.end(), tally.latencies_ms.begin(),
                     tally.latencies_ms.end());
    errors += tally.errors;
    if (first_error.empty()) first_error = tally.first_error;
  }
  std::sort(latencies.begin(), latencies.end());
  // Error texts are SQLite's or ours: no quotes or control bytes.
  std::replace(first_error.begin(), first_error.end(), '"', '\'');
  const double seconds = absl::ToDoubleSeconds(options.duration);
  std::printf(
      "{\"method\":\"%s\",\"connections\":%d,\"seconds\":%.3f,"
      "\"requests\":%zu,\"errors\":%lld,\"rps\":%.1f,\"p50_ms\":%.3f,"
      "\"p99_ms\":%.3f,\"first_error\":\"%s\"}\n",
      options.method_name.c_str(), options.connections, seconds,
      latencies.size(), static_cast<long long>(errors),
      static_cast<double>(latencies.size()) / seconds,
      Percentile(latencies, 0.50), Percentile(latencies, 0.99),
      first_error.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace opsbrain::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "The storage service's SQLite statements in-process; prints one JSON "
      "line.");
  absl::ParseCommandLine(argc, argv);

  opsbrain::bench::DirectOptions options;
  options.db = absl::GetFlag(FLAGS_db);
  options.method_name = absl::GetFlag(FLAGS_method);
  if (options.method_name == "update_user_preference") {
    options.write = true;
  } else if (options.method_name != "get_configuration") {
    std::fprintf(stderr, "sqlite_direct: unknown --method %s\n",
                 options.method_name.c_str());
    return 2;
  }
  options.connections = absl::GetFlag(FLAGS_connections);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.key = absl::GetFlag(FLAGS_key);
  options.keys = absl::GetFlag(FLAGS_keys);
  if (options.db.empty() || options.connections < 1 || options.keys < 1 ||
      options.duration <= absl::ZeroDuration() ||
      options.warmup < absl::ZeroDuration()) {
    std::fprintf(stderr,
                 "sqlite_direct: --db is required; --connections and --keys "
                 "must be at least 1, --duration positive\n");
    return 2;
  }
  return opsbrain::bench::Run(options);
}
