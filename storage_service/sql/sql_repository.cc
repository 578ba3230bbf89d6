#include "storage_service/sql/sql_repository.h"

#include <functional>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "google/protobuf/struct.pb.h"
#include "storage_service/sql/etag.h"
#include "storage_service/sql/json_codec.h"
#include "storage_service/sql/keyed_table.h"
#include "storage_service/sql/list_query.h"
#include "storage_service/sql/row_codec.h"
#include "storage_service/sql/store_tables.h"

namespace opsbrain::sql {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// ---- Small helpers ---------------------------------------------------------

absl::Time Micros(absl::Time time) {
  return absl::FromUnixMicros(absl::ToUnixMicros(time));
}

absl::Status NotFound(const char* kind, absl::string_view key) {
  return absl::NotFoundError(absl::StrCat(kind, " '", key, "' not found"));
}

absl::Status StaleEtag(const char* kind, absl::string_view key) {
  return absl::AbortedError(absl::StrCat(
      kind, " '", key,
      "' was changed by another writer (etag mismatch); read it again"));
}

Value StringValue(absl::string_view text) {
  Value value;
  value.set_string_value(std::string(text));
  return value;
}

Value NumberValue(double number) {
  Value value;
  value.set_number_value(number);
  return value;
}

Value BoolValue(bool flag) {
  Value value;
  value.set_bool_value(flag);
  return value;
}

Value ListOf(const std::vector<std::string>& items) {
  Value value;
  for (const std::string& item : items) {
    *value.mutable_list_value()->add_values() = StringValue(item);
  }
  if (items.empty()) value.mutable_list_value();
  return value;
}

Value ObjectOf(absl::string_view json) {
  Value value;
  absl::StatusOr<Struct> object = DecodeObject(json);
  if (object.ok()) {
    *value.mutable_struct_value() = *std::move(object);
  } else {
    value.set_string_value(std::string(json));
  }
  return value;
}

// ---- Audit values: the legacy column names, as the legacy audit rows use --

Struct AuditValues(const Configuration& config, bool redact) {
  Struct values;
  auto& fields = *values.mutable_fields();
  fields["value"] = StringValue(redact ? kRedacted : config.value);
  fields["category"] = StringValue(config.category);
  fields["description"] = StringValue(config.description);
  fields["is_sensitive"] = BoolValue(config.is_sensitive);
  return values;
}

Struct AuditValues(const BusinessGoal& goal, bool /*redact*/) {
  Struct values;
  auto& fields = *values.mutable_fields();
  fields["title"] = StringValue(goal.title);
  fields["description"] = StringValue(goal.description);
  fields["area"] = StringValue(goal.area);
  fields["status"] = StringValue(goal.status);
  fields["priority"] = NumberValue(goal.priority);
  if (goal.target_date.has_value()) {
    fields["target_date"] = StringValue(FormatDate(*goal.target_date));
  } else {
    fields["target_date"].set_null_value({});
  }
  fields["progress"] = NumberValue(goal.progress);
  fields["weekly_actions"] = ListOf(goal.weekly_actions);
  fields["daily_actions"] = ListOf(goal.daily_actions);
  fields["success_metrics"] = ObjectOf(goal.success_metrics_json);
  fields["notes"] = StringValue(goal.notes);
  return values;
}

Struct AuditValues(const AppSetting& setting, bool /*redact*/) {
  Struct values;
  auto& fields = *values.mutable_fields();
  fields["setting_value"] = StringValue(setting.value);
  fields["setting_type"] = StringValue(SettingTypeName(setting.type));
  fields["description"] = StringValue(setting.description);
  return values;
}

Struct AuditValues(const UserPreference& preference, bool /*redact*/) {
  Struct values;
  (*values.mutable_fields())["preference_value"] =
      StringValue(preference.value);
  return values;
}

// ---- How each kind merges an update into the stored record ------------------

void Merge(const Configuration& in, const FieldMask& mask, Configuration* out) {
  out->key = in.key;
  if (mask.Has("value")) out->value = in.value;
  if (mask.Has("category")) out->category = in.category;
  if (mask.Has("description")) out->description = in.description;
  if (mask.Has("is_sensitive")) out->is_sensitive = in.is_sensitive;
}

void Merge(const ThreadContext& in, const FieldMask& mask, ThreadContext* out) {
  out->thread_key = in.thread_key;
  out->channel_id = in.channel_id;
  out->thread_ts = in.thread_ts;
  if (mask.Has("messages")) out->messages = in.messages;
}

void Merge(const BusinessGoal& in, const FieldMask& mask, BusinessGoal* out) {
  out->id = in.id;
  if (mask.Has("title")) out->title = in.title;
  if (mask.Has("description")) out->description = in.description;
  if (mask.Has("area")) out->area = in.area;
  if (mask.Has("status")) out->status = in.status;
  if (mask.Has("priority")) out->priority = in.priority;
  if (mask.Has("target_date")) out->target_date = in.target_date;
  if (mask.Has("progress")) out->progress = in.progress;
  if (mask.Has("weekly_actions")) out->weekly_actions = in.weekly_actions;
  if (mask.Has("daily_actions")) out->daily_actions = in.daily_actions;
  if (mask.Has("success_metrics")) {
    out->success_metrics_json = in.success_metrics_json;
  }
  if (mask.Has("notes")) out->notes = in.notes;
}

void Merge(const AppSetting& in, const FieldMask& mask, AppSetting* out) {
  out->key = in.key;
  if (mask.Has("value")) out->value = in.value;
  if (mask.Has("type")) out->type = in.type;
  if (mask.Has("description")) out->description = in.description;
}

void Merge(const UserPreference& in, const FieldMask& mask,
           UserPreference* out) {
  out->user_id = in.user_id;
  out->key = in.key;
  if (mask.Has("value")) out->value = in.value;
}

// ---- Natural keys
// ------------------------------------------------------------

std::vector<Param> KeyOf(const Configuration& c) { return {c.key}; }
std::vector<Param> KeyOf(const ThreadContext& t) { return {t.thread_key}; }
std::vector<Param> KeyOf(const BusinessGoal& g) { return {g.id}; }
std::vector<Param> KeyOf(const AppSetting& s) { return {s.key}; }
std::vector<Param> KeyOf(const UserPreference& p) { return {p.user_id, p.key}; }

std::string NameOf(const Configuration& c) { return c.key; }
std::string NameOf(const ThreadContext& t) { return t.thread_key; }
std::string NameOf(const BusinessGoal& g) { return g.id; }
std::string NameOf(const AppSetting& s) { return s.key; }
std::string NameOf(const UserPreference& p) {
  return absl::StrCat(p.user_id, "/", p.key);
}

bool IsSensitive(const Configuration& c) { return c.is_sensitive; }
template <typename Record>
bool IsSensitive(const Record&) {
  return false;
}

// ---- List orders
// ---------------------------------------------------------------

using Type = SortColumn::Type;

const std::vector<SortColumn>& ByKey(const char* column) {
  static const auto* kByKey =
      new std::vector<SortColumn>{{"key", Type::kText, false}};
  static const auto* kBySettingKey =
      new std::vector<SortColumn>{{"setting_key", Type::kText, false}};
  static const auto* kByPreferenceKey =
      new std::vector<SortColumn>{{"preference_key", Type::kText, false}};
  absl::string_view name(column);
  if (name == "setting_key") return *kBySettingKey;
  if (name == "preference_key") return *kByPreferenceKey;
  return *kByKey;
}

const std::vector<SortColumn> kThreadOrder = {
    {"updated_at", Type::kTime, true}, {"thread_key", Type::kText, false}};
const std::vector<SortColumn> kGoalOrder = {{"priority", Type::kInt64, true},
                                            {"created_at", Type::kTime, true},
                                            {"id", Type::kText, false}};
const std::vector<SortColumn> kAuditOrder = {{"id", Type::kInt64, true}};
const std::vector<SortColumn> kMetricOrder = {
    {"\"timestamp\"", Type::kTime, true}, {"id", Type::kInt64, true}};

std::vector<std::string> CursorOf(const Configuration& c) { return {c.key}; }
std::vector<std::string> CursorOf(const AppSetting& s) { return {s.key}; }
std::vector<std::string> CursorOf(const UserPreference& p) { return {p.key}; }
std::vector<std::string> CursorOf(const ThreadContext& t) {
  return {TimeCursor(t.update_time), t.thread_key};
}
std::vector<std::string> CursorOf(const BusinessGoal& g) {
  return {absl::StrCat(g.priority), TimeCursor(g.create_time), g.id};
}
std::vector<std::string> CursorOf(const AuditEntry& e) {
  return {absl::StrCat(e.id)};
}
std::vector<std::string> CursorOf(const PerformanceMetric& m) {
  return {TimeCursor(m.time), absl::StrCat(m.id)};
}

// A page token's scope: the list and its filters, length-prefixed so that
// no two filter combinations share one.
std::string Scope(absl::string_view list,
                  std::initializer_list<absl::string_view> filters) {
  std::string scope(list);
  for (absl::string_view filter : filters) {
    absl::StrAppend(&scope, "|", filter.size(), ":", filter);
  }
  return scope;
}

// ---- The repository
// ----------------------------------------------------------

class SqlRepository final : public Repository {
 public:
  explicit SqlRepository(Database* database)
      : db_(*database),
        dialect_(database->dialect()),
        tables_(dialect_),
        configurations_(tables_.configurations),
        threads_(tables_.threads),
        goals_(tables_.goals),
        settings_(tables_.settings),
        preferences_(tables_.preferences) {}

  // ---- Configurations ----

  absl::StatusOr<Configuration> GetConfiguration(
      absl::string_view key) override {
    return Get(configurations_, {std::string(key)}, key);
  }

  absl::StatusOr<Page<Configuration>> ListConfigurations(
      absl::string_view category, const PageRequest& page) override {
    ListQuery query(dialect_,
                    Select(kConfigurationColumns, kConfigurationsTable));
    if (!category.empty()) query.Where("category = ?", {std::string(category)});
    return RunList<Configuration>(query, ByKey("key"), page,
                                  Scope("configurations", {category}),
                                  &ReadConfiguration);
  }

  absl::StatusOr<Configuration> UpdateConfiguration(
      const Configuration& config, const FieldMask& mask, bool allow_missing,
      const WriteContext& context) override {
    WriteHooks<Configuration> hooks;
    hooks.permit = [&context](const Configuration& stored,
                              const Configuration& merged) -> absl::Status {
      if (stored.is_sensitive && !merged.is_sensitive &&
          !context.may_read_secrets) {
        return absl::PermissionDeniedError(absl::StrCat(
            "configuration '", stored.key,
            "': clearing is_sensitive reveals the value, which needs the "
            "secrets scope"));
      }
      return absl::OkStatus();
    };
    return Write(configurations_, config, mask, allow_missing, context, hooks);
  }

  absl::Status DeleteConfiguration(absl::string_view key,
                                   absl::string_view etag,
                                   const WriteContext& context) override {
    return Remove(configurations_, {std::string(key)}, key, etag, context);
  }

  // ---- Thread contexts ----

  absl::StatusOr<ThreadContext> GetThreadContext(absl::string_view thread_key,
                                                 absl::Time now) override {
    absl::StatusOr<ThreadContext> thread =
        Get(threads_, {std::string(thread_key)}, thread_key);
    if (thread.ok() && thread->expire_time <= now) {
      return NotFound("thread context", thread_key);
    }
    return thread;
  }

  absl::StatusOr<Page<ThreadContext>> ListThreadContexts(
      absl::string_view channel_id, absl::Time now,
      const PageRequest& page) override {
    ListQuery query(dialect_,
                    Select(kThreadContextColumns, kThreadContextsTable));
    if (channel_id != kAllChannels) {
      query.Where("channel_id = ?", {std::string(channel_id)});
    }
    query.Where("expires_at > ?", {Micros(now)});
    return RunList<ThreadContext>(query, kThreadOrder, page,
                                  Scope("thread_contexts", {channel_id}),
                                  &ReadThreadContext);
  }

  absl::StatusOr<ThreadContext> UpdateThreadContext(
      const ThreadContext& thread, const FieldMask& mask, bool allow_missing,
      const WriteContext& context) override {
    WriteHooks<ThreadContext> hooks;
    absl::Time now = Micros(context.now);
    // An expired thread is gone as far as callers can tell; a save starts
    // a new one.
    hooks.is_gone = [now](const ThreadContext& stored) {
      return stored.expire_time <= now;
    };
    hooks.complete = [this, now](Transaction& tx,
                                 ThreadContext& merged) -> absl::Status {
      OPSBRAIN_ASSIGN_OR_RETURN(absl::Duration lifetime, ThreadLifetime(tx));
      merged.expire_time = now + lifetime;
      // The oldest messages go first: the bot's memory is a sliding window.
      OPSBRAIN_ASSIGN_OR_RETURN(int max_messages, MaxThreadMessages(tx));
      if (merged.messages.size() > static_cast<size_t>(max_messages)) {
        merged.messages.erase(
            merged.messages.begin(),
            merged.messages.end() - static_cast<ptrdiff_t>(max_messages));
      }
      return absl::OkStatus();
    };
    return Write(threads_, thread, mask, allow_missing, context, hooks);
  }

  absl::Status DeleteThreadContext(absl::string_view thread_key,
                                   absl::string_view etag,
                                   const WriteContext& context) override {
    return Remove(threads_, {std::string(thread_key)}, thread_key, etag,
                  context);
  }

  absl::StatusOr<int64_t> PurgeExpiredThreadContexts(absl::Time now) override {
    int64_t deleted = 0;
    OPSBRAIN_RETURN_IF_ERROR(db_.RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
          std::vector<Param> params = {Micros(now)};
          OPSBRAIN_ASSIGN_OR_RETURN(
              ResultSet result,
              tx.Execute("DELETE FROM thread_contexts WHERE expires_at <= $1",
                         params));
          deleted = result.rows_affected();
          return absl::OkStatus();
        }));
    return deleted;
  }

  // ---- Business goals ----

  absl::StatusOr<BusinessGoal> GetBusinessGoal(absl::string_view id) override {
    return Get(goals_, {std::string(id)}, id);
  }

  absl::StatusOr<Page<BusinessGoal>> ListBusinessGoals(
      absl::string_view area, absl::string_view status,
      const PageRequest& page) override {
    ListQuery query(dialect_,
                    Select(kBusinessGoalColumns, kBusinessGoalsTable));
    if (!area.empty()) query.Where("area = ?", {std::string(area)});
    if (!status.empty()) query.Where("status = ?", {std::string(status)});
    return RunList<BusinessGoal>(query, kGoalOrder, page,
                                 Scope("business_goals", {area, status}),
                                 &ReadBusinessGoal);
  }

  absl::StatusOr<BusinessGoal> UpdateBusinessGoal(
      const BusinessGoal& goal, const FieldMask& mask, bool allow_missing,
      const WriteContext& context) override {
    WriteHooks<BusinessGoal> hooks;
    hooks.complete = [](Transaction&, BusinessGoal& merged) {
      // Every other field has a default; a goal's area does not.
      if (merged.area.empty()) {
        return absl::InvalidArgumentError(
            "business_goal.area: required when creating a goal");
      }
      return absl::OkStatus();
    };
    return Write(goals_, goal, mask, allow_missing, context, hooks);
  }

  absl::Status DeleteBusinessGoal(absl::string_view id, absl::string_view etag,
                                  const WriteContext& context) override {
    return Remove(goals_, {std::string(id)}, id, etag, context);
  }

  // ---- App settings ----

  absl::StatusOr<AppSetting> GetAppSetting(absl::string_view key) override {
    return Get(settings_, {std::string(key)}, key);
  }

  absl::StatusOr<Page<AppSetting>> ListAppSettings(
      const PageRequest& page) override {
    ListQuery query(dialect_, Select(kAppSettingColumns, kAppSettingsTable));
    return RunList<AppSetting>(query, ByKey("setting_key"), page,
                               Scope("app_settings", {}), &ReadAppSetting);
  }

  absl::StatusOr<AppSetting> UpdateAppSetting(
      const AppSetting& setting, const FieldMask& mask, bool allow_missing,
      const WriteContext& context) override {
    return Write(settings_, setting, mask, allow_missing, context,
                 WriteHooks<AppSetting>{});
  }

  absl::Status DeleteAppSetting(absl::string_view key, absl::string_view etag,
                                const WriteContext& context) override {
    return Remove(settings_, {std::string(key)}, key, etag, context);
  }

  // ---- User preferences ----

  absl::StatusOr<UserPreference> GetUserPreference(
      absl::string_view user_id, absl::string_view key) override {
    return Get(preferences_, {std::string(user_id), std::string(key)},
               absl::StrCat(user_id, "/", key));
  }

  absl::StatusOr<Page<UserPreference>> ListUserPreferences(
      absl::string_view user_id, const PageRequest& page) override {
    ListQuery query(dialect_,
                    Select(kUserPreferenceColumns, kUserPreferencesTable));
    query.Where("user_id = ?", {std::string(user_id)});
    return RunList<UserPreference>(query, ByKey("preference_key"), page,
                                   Scope("user_preferences", {user_id}),
                                   &ReadUserPreference);
  }

  absl::StatusOr<UserPreference> UpdateUserPreference(
      const UserPreference& preference, const FieldMask& mask,
      bool allow_missing, const WriteContext& context) override {
    return Write(preferences_, preference, mask, allow_missing, context,
                 WriteHooks<UserPreference>{});
  }

  absl::Status DeleteUserPreference(absl::string_view user_id,
                                    absl::string_view key,
                                    absl::string_view etag,
                                    const WriteContext& context) override {
    return Remove(preferences_, {std::string(user_id), std::string(key)},
                  absl::StrCat(user_id, "/", key), etag, context);
  }

  // ---- Audit log ----

  absl::StatusOr<Page<AuditEntry>> ListAuditEntries(
      absl::string_view table_name, absl::string_view record_id,
      const PageRequest& page) override {
    ListQuery query(dialect_, Select(kAuditEntryColumns, kAuditTable));
    if (!table_name.empty()) {
      query.Where("table_name = ?", {std::string(table_name)});
    }
    if (!record_id.empty()) {
      query.Where("record_id = ?", {std::string(record_id)});
    }
    return RunList<AuditEntry>(query, kAuditOrder, page,
                               Scope("config_audit", {table_name, record_id}),
                               &ReadAuditEntry);
  }

  // ---- Performance metrics ----

  absl::StatusOr<std::vector<PerformanceMetric>> CreatePerformanceMetrics(
      const std::vector<PerformanceMetric>& metrics) override {
    std::vector<PerformanceMetric> created;
    OPSBRAIN_RETURN_IF_ERROR(db_.RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
          created.clear();
          for (PerformanceMetric metric : metrics) {
            metric.id = 0;
            metric.time = Micros(metric.time);
            std::vector<Param> params = PerformanceMetricParams(metric);
            OPSBRAIN_ASSIGN_OR_RETURN(
                ResultSet result,
                tx.Execute("INSERT INTO performance_metrics (metric_name, "
                           "metric_value, metric_unit, \"timestamp\", "
                           "additional_data) VALUES ($1, $2, $3, $4, $5) "
                           "RETURNING id",
                           params));
            if (result.num_rows() != 1) {
              return absl::InternalError("metric insert returned no id");
            }
            RowReader reader(result, 0);
            metric.id = reader.Int64(0);
            OPSBRAIN_RETURN_IF_ERROR(reader.status());
            created.push_back(std::move(metric));
          }
          return absl::OkStatus();
        }));
    return created;
  }

  absl::StatusOr<Page<PerformanceMetric>> ListPerformanceMetrics(
      absl::string_view name, std::optional<absl::Time> start,
      std::optional<absl::Time> end, const PageRequest& page) override {
    ListQuery query(
        dialect_, Select(kPerformanceMetricColumns, kPerformanceMetricsTable));
    if (!name.empty()) query.Where("metric_name = ?", {std::string(name)});
    if (start.has_value()) {
      query.Where("\"timestamp\" >= ?", {Micros(*start)});
    }
    if (end.has_value()) query.Where("\"timestamp\" < ?", {Micros(*end)});
    std::string start_text = start ? TimeCursor(*start) : "";
    std::string end_text = end ? TimeCursor(*end) : "";
    return RunList<PerformanceMetric>(
        query, kMetricOrder, page,
        Scope("performance_metrics", {name, start_text, end_text}),
        &ReadPerformanceMetric);
  }

  absl::StatusOr<int64_t> PurgePerformanceMetricsBefore(
      absl::Time cutoff, int batch_size) override {
    if (batch_size < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("batch size must be at least 1, not ", batch_size));
    }
    std::vector<Param> params = {Micros(cutoff), int64_t{batch_size}};
    int64_t total = 0;
    // Each batch is its own transaction; a short batch means none is left
    // (rows written meanwhile with old times may need the next sweep).
    for (;;) {
      int64_t deleted = 0;
      OPSBRAIN_RETURN_IF_ERROR(db_.RunInTransaction(
          TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
            OPSBRAIN_ASSIGN_OR_RETURN(
                ResultSet result,
                tx.Execute("DELETE FROM performance_metrics WHERE id IN ("
                           "SELECT id FROM performance_metrics "
                           "WHERE \"timestamp\" < $1 "
                           "ORDER BY \"timestamp\" LIMIT $2)",
                           params));
            deleted = result.rows_affected();
            return absl::OkStatus();
          }));
      total += deleted;
      if (deleted < batch_size) return total;
    }
  }

 private:
  // Optional per-kind steps of Write.
  template <typename Record>
  struct WriteHooks {
    // True when a stored record counts as absent (an expired thread).
    std::function<bool(const Record&)> is_gone;
    // Final touches on the record about to be written.
    std::function<absl::Status(Transaction&, Record&)> complete;
    // Whether the caller may change the stored record into the merged one.
    std::function<absl::Status(const Record& stored, const Record& merged)>
        permit;
  };

  static std::string Select(const char* columns, const char* table) {
    return absl::StrCat("SELECT ", columns, " FROM ", table);
  }

  template <typename Record>
  absl::StatusOr<Record> Get(const KeyedTable<Record>& table,
                             std::vector<Param> key, absl::string_view name) {
    std::optional<Record> found;
    OPSBRAIN_RETURN_IF_ERROR(db_.RunInTransaction(
        TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
          OPSBRAIN_ASSIGN_OR_RETURN(found, table.Find(tx, key, false));
          return absl::OkStatus();
        }));
    if (!found.has_value()) return NotFound(table.spec().kind, name);
    return *std::move(found);
  }

  template <typename Record>
  absl::StatusOr<Page<Record>> RunList(
      ListQuery& query, const std::vector<SortColumn>& order,
      const PageRequest& page, const std::string& scope,
      absl::StatusOr<Record> (*read)(const ResultSet&, int)) {
    OPSBRAIN_RETURN_IF_ERROR(query.After(page.page_token, scope, order));
    Page<Record> result;
    OPSBRAIN_RETURN_IF_ERROR(db_.RunInTransaction(
        TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
          OPSBRAIN_ASSIGN_OR_RETURN(
              result, query.Run<Record>(tx, order, page.page_size, scope, read,
                                        &CursorOf));
          return absl::OkStatus();
        }));
    return result;
  }

  // Creates or updates one record with its audit row, in one transaction.
  template <typename Record>
  absl::StatusOr<Record> Write(const KeyedTable<Record>& table,
                               const Record& input, const FieldMask& mask,
                               bool allow_missing, const WriteContext& context,
                               const WriteHooks<Record>& hooks) {
    absl::Time now = Micros(context.now);
    std::vector<Param> key = KeyOf(input);
    std::string name = NameOf(input);
    const char* kind = table.spec().kind;
    Record merged;
    auto body = [&](Transaction& tx) -> absl::Status {
      OPSBRAIN_ASSIGN_OR_RETURN(std::optional<Record> stored,
                                table.Find(tx, key, /*for_update=*/true));
      if (stored.has_value() && hooks.is_gone && hooks.is_gone(*stored)) {
        OPSBRAIN_RETURN_IF_ERROR(table.Delete(tx, key));
        stored.reset();
      }

      // Optimistic concurrency: a caller's etag must name the stored state.
      if (!input.etag.empty() &&
          (!stored.has_value() || stored->etag != input.etag)) {
        return StaleEtag(kind, name);
      }
      if (!stored.has_value() && !allow_missing) return NotFound(kind, name);

      merged = stored.has_value() ? *stored : Record();
      Merge(input, mask, &merged);
      if (!stored.has_value()) merged.create_time = now;
      merged.update_time = now;
      merged.etag = NewEtag();
      if (stored.has_value() && hooks.permit) {
        OPSBRAIN_RETURN_IF_ERROR(hooks.permit(*stored, merged));
      }
      if (hooks.complete) OPSBRAIN_RETURN_IF_ERROR(hooks.complete(tx, merged));

      if (stored.has_value()) {
        OPSBRAIN_RETURN_IF_ERROR(table.Update(tx, merged));
      } else {
        OPSBRAIN_RETURN_IF_ERROR(table.Insert(tx, merged));
      }
      return Audit<Record>(
          tx, table.spec().table, name,
          stored.has_value() ? AuditAction::kUpdate : AuditAction::kInsert,
          stored.has_value() ? &*stored : nullptr, &merged, context);
    };

    absl::Status status =
        db_.RunInTransaction(TransactionMode::kReadWrite, body);
    // Two writers creating the same record at once: the loser's insert
    // meets the winner's row. Run again; it now updates that row.
    if (absl::IsAlreadyExists(status)) {
      status = db_.RunInTransaction(TransactionMode::kReadWrite, body);
    }
    OPSBRAIN_RETURN_IF_ERROR(status);
    return merged;
  }

  template <typename Record>
  absl::Status Remove(const KeyedTable<Record>& table, std::vector<Param> key,
                      absl::string_view name, absl::string_view etag,
                      const WriteContext& context) {
    const char* kind = table.spec().kind;
    return db_.RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
          OPSBRAIN_ASSIGN_OR_RETURN(std::optional<Record> stored,
                                    table.Find(tx, key, /*for_update=*/true));
          if (!stored.has_value()) return NotFound(kind, name);
          if (!etag.empty() && stored->etag != etag) {
            return StaleEtag(kind, name);
          }
          OPSBRAIN_RETURN_IF_ERROR(table.Delete(tx, key));
          return Audit<Record>(tx, table.spec().table, name,
                               AuditAction::kDelete, &*stored, nullptr,
                               context);
        });
  }

  // Writes the audit row of a change; thread contexts are not audited.
  template <typename Record>
  absl::Status Audit(Transaction& tx, const char* table, absl::string_view name,
                     AuditAction action, const Record* before,
                     const Record* after, const WriteContext& context) {
    if constexpr (std::is_same_v<Record, ThreadContext>) {
      return absl::OkStatus();
    } else {
      bool redact = (before != nullptr && IsSensitive(*before)) ||
                    (after != nullptr && IsSensitive(*after));
      AuditEntry entry;
      entry.table_name = table;
      entry.record_id = std::string(name);
      entry.action = action;
      if (before != nullptr) {
        entry.old_values_json = EncodeObject(AuditValues(*before, redact));
      }
      if (after != nullptr) {
        entry.new_values_json = EncodeObject(AuditValues(*after, redact));
      }
      entry.actor = context.actor.empty() ? "system" : context.actor;
      entry.change_time = Micros(context.now);
      std::vector<Param> params = AuditEntryParams(entry);
      return tx
          .Execute(
              "INSERT INTO config_audit (table_name, record_id, action, "
              "old_values, new_values, changed_by, changed_at) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7)",
              params)
          .status();
    }
  }

  // The configured thread lifetime: thread_context_cleanup_hours when it
  // holds a positive whole number of hours, else the default.
  absl::StatusOr<absl::Duration> ThreadLifetime(Transaction& tx) {
    std::vector<Param> key = {std::string("thread_context_cleanup_hours")};
    OPSBRAIN_ASSIGN_OR_RETURN(std::optional<Configuration> config,
                              configurations_.Find(tx, key, false));
    int64_t hours = 0;
    if (config.has_value() && absl::SimpleAtoi(config->value, &hours) &&
        hours > 0 && hours <= 24 * 365) {
      return absl::Hours(hours);
    }
    return kDefaultThreadLifetime;
  }

  // The configured message cap: max_thread_context_messages when it holds
  // a positive whole number, else the default.
  absl::StatusOr<int> MaxThreadMessages(Transaction& tx) {
    std::vector<Param> key = {std::string("max_thread_context_messages")};
    OPSBRAIN_ASSIGN_OR_RETURN(std::optional<Configuration> config,
                              configurations_.Find(tx, key, false));
    int max_messages = 0;
    if (config.has_value() && absl::SimpleAtoi(config->value, &max_messages) &&
        max_messages > 0) {
      return max_messages;
    }
    return kDefaultMaxThreadMessages;
  }

  Database& db_;
  Dialect dialect_;
  const StoreTables tables_;
  const KeyedTable<Configuration>& configurations_;
  const KeyedTable<ThreadContext>& threads_;
  const KeyedTable<BusinessGoal>& goals_;
  const KeyedTable<AppSetting>& settings_;
  const KeyedTable<UserPreference>& preferences_;
};

}  // namespace

std::unique_ptr<Repository> NewSqlRepository(Database* database) {
  return std::make_unique<SqlRepository>(database);
}

}  // namespace opsbrain::sql
