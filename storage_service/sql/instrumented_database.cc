#include "storage_service/sql/instrumented_database.h"

#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/logging.h"

namespace opsbrain::sql {
namespace {

bool IsWordChar(char c) {
  return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '"';
}

// The words of `sql` outside string literals and comments: identifiers,
// keywords and numbers, with quotes of quoted identifiers kept.
std::vector<absl::string_view> Words(absl::string_view sql) {
  std::vector<absl::string_view> words;
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'') {
      // A literal ends at the next quote not doubled.
      for (++i; i < sql.size(); ++i) {
        if (sql[i] != '\'') continue;
        if (i + 1 < sql.size() && sql[i + 1] == '\'') {
          ++i;
        } else {
          break;
        }
      }
      ++i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      i = end == absl::string_view::npos ? sql.size() : end;
    } else if (IsWordChar(c)) {
      const size_t begin = i;
      while (i < sql.size() && IsWordChar(sql[i])) ++i;
      words.push_back(sql.substr(begin, i - begin));
    } else {
      ++i;
    }
  }
  return words;
}

bool IsKeyword(absl::string_view word) {
  for (absl::string_view keyword :
       {"SELECT", "WITH", "VALUES", "LATERAL", "ONLY"}) {
    if (absl::EqualsIgnoreCase(word, keyword)) return true;
  }
  return false;
}

// Times each statement of one transaction.
class TimedTransaction final : public Transaction {
 public:
  // `script` when `sql` is a migration script rather than one statement.
  using Record =
      std::function<void(absl::string_view sql, bool script, absl::Duration)>;

  TimedTransaction(Transaction& inner, const Record& record)
      : inner_(inner), record_(record) {}

  absl::StatusOr<ResultSet> Execute(absl::string_view sql,
                                    absl::Span<const Param> params) override {
    const absl::Time start = absl::Now();
    absl::StatusOr<ResultSet> result = inner_.Execute(sql, params);
    record_(sql, /*script=*/false, absl::Now() - start);
    return result;
  }

  absl::Status ExecuteScript(absl::string_view sql) override {
    const absl::Time start = absl::Now();
    absl::Status status = inner_.ExecuteScript(sql);
    record_(sql, /*script=*/true, absl::Now() - start);
    return status;
  }

 private:
  Transaction& inner_;
  const Record& record_;
};

class InstrumentedDatabase final : public Database {
 public:
  InstrumentedDatabase(std::unique_ptr<Database> inner,
                       const InstrumentationOptions& options)
      : inner_(std::move(inner)),
        slow_threshold_(options.slow_statement_threshold),
        registry_(options.registry) {
    record_ = [this](absl::string_view sql, bool script,
                     absl::Duration elapsed) { Record(sql, script, elapsed); };
    if (registry_ == nullptr) return;

    durations_ = registry_->AddHistogram(
        "opsbrain_db_statement_duration_seconds",
        "Time a database statement took, by statement (command and table).",
        {"statement"}, metrics::DefaultLatencyBounds());
    slow_ = registry_->AddCounter(
        "opsbrain_db_slow_statements_total",
        "Statements slower than --slow_query_threshold, by statement.",
        {"statement"});
    metrics::GaugeFamily* connections = registry_->AddGauge(
        "opsbrain_db_pool_connections",
        "Connections of the database pool, by state.", {"state"});
    metrics::Gauge* in_use = connections->WithLabels({"in_use"});
    metrics::Gauge* idle = connections->WithLabels({"idle"});
    metrics::Gauge* waiting =
        registry_
            ->AddGauge("opsbrain_db_pool_waiting",
                       "Callers waiting for a database connection.")
            ->WithLabels();
    metrics::Gauge* max_size =
        registry_
            ->AddGauge("opsbrain_db_pool_max_connections",
                       "The most connections the database pool opens.")
            ->WithLabels();
    Database* const database = inner_.get();
    collector_ = registry_->AddCollector([=] {
      const PoolStats stats = database->GetPoolStats();
      in_use->Set(stats.in_use);
      idle->Set(stats.idle);
      waiting->Set(stats.waiting);
      max_size->Set(stats.max_size);
    });
  }

  ~InstrumentedDatabase() override {
    if (registry_ != nullptr) registry_->RemoveCollector(collector_);
  }

  Dialect dialect() const override { return inner_->dialect(); }

  absl::Status RunInTransaction(
      TransactionMode mode,
      absl::FunctionRef<absl::Status(Transaction&)> body) override {
    return inner_->RunInTransaction(mode, [&](Transaction& transaction) {
      TimedTransaction timed(transaction, record_);
      return body(timed);
    });
  }

  absl::Status Ping() override { return inner_->Ping(); }

  PoolStats GetPoolStats() const override { return inner_->GetPoolStats(); }

 private:
  void Record(absl::string_view sql, bool script, absl::Duration elapsed) {
    const bool slow =
        slow_threshold_ > absl::ZeroDuration() && elapsed > slow_threshold_;
    if (!slow && registry_ == nullptr) return;

    const std::string name = script ? "script" : StatementName(sql);
    if (registry_ != nullptr) {
      durations_->WithLabels({name})->Observe(absl::ToDoubleSeconds(elapsed));
      if (slow) slow_->WithLabels({name})->Increment();
    }
    if (slow) {
      OPSBRAIN_LOG(WARNING)
          << "slow statement: " << name << " took "
          << absl::FormatDuration(absl::Trunc(elapsed, absl::Milliseconds(1)))
          << " (threshold " << absl::FormatDuration(slow_threshold_) << ")";
    }
  }

  const std::unique_ptr<Database> inner_;
  const absl::Duration slow_threshold_;
  metrics::Registry* const registry_;
  TimedTransaction::Record record_;
  metrics::HistogramFamily* durations_ = nullptr;
  metrics::CounterFamily* slow_ = nullptr;
  int collector_ = -1;
};

}  // namespace

std::unique_ptr<Database> NewInstrumentedDatabase(
    std::unique_ptr<Database> inner, const InstrumentationOptions& options) {
  return std::make_unique<InstrumentedDatabase>(std::move(inner), options);
}

std::string StatementName(absl::string_view sql) {
  const std::vector<absl::string_view> words = Words(sql);
  if (words.empty()) return "statement";
  const std::string command = absl::AsciiStrToUpper(words[0]);

  // The word naming the table: after FROM (SELECT, DELETE), INTO (INSERT),
  // or right after the command (UPDATE).
  const char* marker = nullptr;
  if (command == "SELECT" || command == "DELETE" || command == "WITH") {
    marker = "FROM";
  } else if (command == "INSERT") {
    marker = "INTO";
  }
  size_t at = 0;
  if (command == "UPDATE") {
    at = 1;
  } else if (marker != nullptr) {
    for (size_t i = 1; i < words.size(); ++i) {
      if (absl::EqualsIgnoreCase(words[i], marker)) {
        at = i + 1;
        break;
      }
    }
  }
  if (at == 0 || at >= words.size() || IsKeyword(words[at])) return command;

  std::string table(words[at]);
  table.erase(std::remove(table.begin(), table.end(), '"'), table.end());
  // A number is no table name ("SELECT 1 FROM" never happens, but "LIMIT 1"
  // could follow a marker in odd text).
  if (table.empty() || absl::ascii_isdigit(table[0])) return command;
  return absl::StrCat(command, " ", table);
}

}  // namespace opsbrain::sql
