// One suite of storage behaviour, run against every backend: a real SQLite
// file and a real PostgreSQL server.
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage_service/repository.h"
#include "tests/conformance/test_store.h"

namespace opsbrain::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 1, 5, 9, 0, 0),
                                       absl::UTCTimeZone());

WriteContext At(absl::Time now, std::string actor = "tester") {
  return WriteContext{std::move(actor), now};
}

// A writer with the secrets scope.
WriteContext WithSecretsAt(absl::Time now) {
  WriteContext context = At(now);
  context.may_read_secrets = true;
  return context;
}

Configuration Config(std::string key, std::string value,
                     std::string category = "general") {
  Configuration config;
  config.key = std::move(key);
  config.value = std::move(value);
  config.category = std::move(category);
  return config;
}

const FieldMask kConfigFields({"value", "category", "description",
                               "is_sensitive"});

class RepositoryConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestStore>> store =
        OpenTestStore(GetParam());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    repo_ = store_->repository.get();
  }

  Configuration PutConfig(const Configuration& config, absl::Time now = kT0) {
    absl::StatusOr<Configuration> stored =
        repo_->UpdateConfiguration(config, kConfigFields, true, At(now));
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.value_or(Configuration{});
  }

  std::vector<AuditEntry> Audit(absl::string_view table,
                                absl::string_view record) {
    absl::StatusOr<Page<AuditEntry>> page =
        repo_->ListAuditEntries(table, record, PageRequest{1000, ""});
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->items : std::vector<AuditEntry>{};
  }

  std::unique_ptr<TestStore> store_;
  Repository* repo_ = nullptr;
};

// ---- Configurations --------------------------------------------------------

TEST_P(RepositoryConformanceTest, UpsertCreatesThenGetReturnsIt) {
  Configuration created = PutConfig(Config("openai_model", "gpt-4o", "openai"));
  EXPECT_EQ(created.create_time, kT0);
  EXPECT_FALSE(created.etag.empty());

  absl::StatusOr<Configuration> read = repo_->GetConfiguration("openai_model");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->value, "gpt-4o");
  EXPECT_EQ(read->category, "openai");
  EXPECT_EQ(read->create_time, kT0);
  EXPECT_EQ(read->update_time, kT0);
  EXPECT_EQ(read->etag, created.etag);
}

TEST_P(RepositoryConformanceTest, GetMissingConfigurationIsNotFound) {
  EXPECT_EQ(repo_->GetConfiguration("nope").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(RepositoryConformanceTest, UpdateKeepsIdentityAndChangesOnlyMask) {
  Configuration original = Config("app_name", "OpsBrain", "general");
  original.description = "Application name";
  Configuration created = PutConfig(original);

  Configuration change = Config("app_name", "OpsBrain 2", "slack");
  change.description = "";
  absl::Time later = kT0 + absl::Minutes(5);
  absl::StatusOr<Configuration> updated = repo_->UpdateConfiguration(
      change, FieldMask({"value"}), false, At(later));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->value, "OpsBrain 2");
  EXPECT_EQ(updated->category, "general");
  EXPECT_EQ(updated->description, "Application name");
  EXPECT_EQ(updated->create_time, kT0);
  EXPECT_EQ(updated->update_time, later);
  EXPECT_NE(updated->etag, created.etag);
}

TEST_P(RepositoryConformanceTest, UpdateOfMissingRecordWithoutAllowMissing) {
  absl::StatusOr<Configuration> result = repo_->UpdateConfiguration(
      Config("ghost", "x"), kConfigFields, false, At(kT0));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(repo_->GetConfiguration("ghost").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(RepositoryConformanceTest, SensitiveFlagStaysUntilClearedExplicitly) {
  Configuration secret = Config("openai_api_key", "sk-1", "openai");
  secret.is_sensitive = true;
  PutConfig(secret);

  // A plain value update (the legacy app reset the flag here).
  ASSERT_TRUE(repo_
                  ->UpdateConfiguration(Config("openai_api_key", "sk-2"),
                                        FieldMask({"value"}), false, At(kT0))
                  .ok());
  EXPECT_TRUE(repo_->GetConfiguration("openai_api_key")->is_sensitive);

  // Clearing the flag reveals the value: only for the secrets scope, and
  // a refusal changes nothing.
  const std::string etag = repo_->GetConfiguration("openai_api_key")->etag;
  absl::StatusOr<Configuration> refused =
      repo_->UpdateConfiguration(Config("openai_api_key", ""),
                                 FieldMask({"is_sensitive"}), false, At(kT0));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.status().message(), HasSubstr("secrets scope"));
  EXPECT_THAT(refused.status().message(), Not(HasSubstr("sk-2")));
  EXPECT_TRUE(repo_->GetConfiguration("openai_api_key")->is_sensitive);
  EXPECT_EQ(repo_->GetConfiguration("openai_api_key")->etag, etag);

  ASSERT_TRUE(repo_
                  ->UpdateConfiguration(Config("openai_api_key", ""),
                                        FieldMask({"is_sensitive"}), false,
                                        WithSecretsAt(kT0))
                  .ok());
  EXPECT_FALSE(repo_->GetConfiguration("openai_api_key")->is_sensitive);
}

TEST_P(RepositoryConformanceTest, StaleEtagIsAbortedAndChangesNothing) {
  Configuration created = PutConfig(Config("k", "v1"));
  PutConfig(Config("k", "v2"));  // Another writer.

  Configuration change = Config("k", "v3");
  change.etag = created.etag;
  EXPECT_EQ(
      repo_->UpdateConfiguration(change, FieldMask({"value"}), false, At(kT0))
          .status()
          .code(),
      absl::StatusCode::kAborted);
  EXPECT_EQ(repo_->GetConfiguration("k")->value, "v2");
  EXPECT_EQ(repo_->DeleteConfiguration("k", created.etag, At(kT0)).code(),
            absl::StatusCode::kAborted);
  EXPECT_TRUE(repo_->GetConfiguration("k").ok());
}

TEST_P(RepositoryConformanceTest, MatchingEtagWins) {
  Configuration created = PutConfig(Config("k", "v1"));
  Configuration change = Config("k", "v2");
  change.etag = created.etag;
  EXPECT_TRUE(
      repo_->UpdateConfiguration(change, FieldMask({"value"}), false, At(kT0))
          .ok());
  EXPECT_EQ(repo_->GetConfiguration("k")->value, "v2");
}

TEST_P(RepositoryConformanceTest, DeleteRemovesAndMissingIsNotFound) {
  PutConfig(Config("k", "v"));
  ASSERT_TRUE(repo_->DeleteConfiguration("k", "", At(kT0)).ok());
  EXPECT_EQ(repo_->GetConfiguration("k").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(repo_->DeleteConfiguration("k", "", At(kT0)).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(RepositoryConformanceTest, KeysAreByteExactAndCaseSensitive) {
  PutConfig(Config("Key", "upper"));
  PutConfig(Config("key", "lower"));
  PutConfig(Config("ke\xC3\xBF", "utf8"));
  EXPECT_EQ(repo_->GetConfiguration("Key")->value, "upper");
  EXPECT_EQ(repo_->GetConfiguration("key")->value, "lower");
  EXPECT_EQ(repo_->GetConfiguration("ke\xC3\xBF")->value, "utf8");
}

TEST_P(RepositoryConformanceTest, ListPagesInByteOrderAndFiltersCategory) {
  for (const char* key : {"b", "B", "a", "c", "_z", "A"}) {
    PutConfig(Config(key, "v", "slack"));
  }
  PutConfig(Config("other", "v", "openai"));

  std::vector<std::string> keys;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<Page<Configuration>> page =
        repo_->ListConfigurations("slack", PageRequest{4, token});
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Configuration& config : page->items) keys.push_back(config.key);
    token = page->next_page_token;
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_THAT(keys, ElementsAre("A", "B", "_z", "a", "b", "c"));
  EXPECT_EQ(pages, 2);

  absl::StatusOr<Page<Configuration>> all =
      repo_->ListConfigurations("", PageRequest{100, ""});
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(all->items, SizeIs(7));
}

TEST_P(RepositoryConformanceTest, PageTokenIsBoundToItsFilters) {
  for (const char* key : {"a", "b", "c"}) PutConfig(Config(key, "v", "slack"));
  absl::StatusOr<Page<Configuration>> first =
      repo_->ListConfigurations("slack", PageRequest{1, ""});
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_page_token.empty());

  EXPECT_EQ(
      repo_
          ->ListConfigurations("openai", PageRequest{1, first->next_page_token})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  std::string tampered = first->next_page_token;
  tampered[tampered.size() / 2] ^= 1;
  absl::Status status =
      repo_->ListConfigurations("slack", PageRequest{1, tampered}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("page_token"));
}

// ---- Audit
// -------------------------------------------------------------------

TEST_P(RepositoryConformanceTest, WritesAreAuditedWithActorAndValues) {
  PutConfig(Config("openai_model", "gpt-4", "openai"));
  ASSERT_TRUE(repo_
                  ->UpdateConfiguration(Config("openai_model", "gpt-4o"),
                                        FieldMask({"value"}), false,
                                        At(kT0 + absl::Seconds(1), "U123"))
                  .ok());
  ASSERT_TRUE(repo_
                  ->DeleteConfiguration("openai_model", "",
                                        At(kT0 + absl::Seconds(2), "U456"))
                  .ok());

  std::vector<AuditEntry> entries = Audit("configurations", "openai_model");
  ASSERT_THAT(entries, SizeIs(3));
  // Newest first.
  EXPECT_EQ(entries[0].action, AuditAction::kDelete);
  EXPECT_EQ(entries[0].actor, "U456");
  EXPECT_FALSE(entries[0].new_values_json.has_value());
  EXPECT_EQ(entries[1].action, AuditAction::kUpdate);
  EXPECT_EQ(entries[1].actor, "U123");
  EXPECT_THAT(*entries[1].old_values_json, HasSubstr("\"gpt-4\""));
  EXPECT_THAT(*entries[1].new_values_json, HasSubstr("\"gpt-4o\""));
  EXPECT_EQ(entries[1].change_time, kT0 + absl::Seconds(1));
  EXPECT_EQ(entries[2].action, AuditAction::kInsert);
  EXPECT_EQ(entries[2].actor, "tester");
  EXPECT_FALSE(entries[2].old_values_json.has_value());
}

TEST_P(RepositoryConformanceTest, AuditNeverHoldsASensitiveValue) {
  for (const char* key : {"slack_bot_token", "notion_token"}) {
    Configuration secret = Config(key, "xoxb-SECRET-1", "slack");
    secret.is_sensitive = true;
    PutConfig(secret);
    ASSERT_TRUE(repo_
                    ->UpdateConfiguration(Config(key, "xoxb-SECRET-2"),
                                          FieldMask({"value"}), false, At(kT0))
                    .ok());
  }
  // The change that clears the flag still hides the value it held; a delete
  // of a sensitive record hides it too.
  ASSERT_TRUE(repo_
                  ->UpdateConfiguration(Config("slack_bot_token", ""),
                                        FieldMask({"is_sensitive"}), false,
                                        WithSecretsAt(kT0))
                  .ok());
  ASSERT_TRUE(repo_->DeleteConfiguration("notion_token", "", At(kT0)).ok());

  std::vector<AuditEntry> entries = Audit("configurations", "");
  ASSERT_THAT(entries, SizeIs(6));
  for (const AuditEntry& entry : entries) {
    for (const auto& values : {entry.old_values_json, entry.new_values_json}) {
      if (!values.has_value()) continue;
      EXPECT_THAT(*values, Not(HasSubstr("SECRET"))) << *values;
      EXPECT_THAT(*values, HasSubstr("[REDACTED]")) << *values;
    }
  }
}

TEST_P(RepositoryConformanceTest, AuditIsInTheSameTransactionAsTheWrite) {
  PutConfig(Config("k", "before"));
  // Without its audit table the write must fail as a whole.
  ASSERT_TRUE(store_->database
                  ->RunInTransaction(sql::TransactionMode::kReadWrite,
                                     [](sql::Transaction& tx) {
                                       return tx.ExecuteScript(
                                           "ALTER TABLE config_audit RENAME "
                                           "TO config_audit_away");
                                     })
                  .ok());
  EXPECT_FALSE(repo_
                   ->UpdateConfiguration(Config("k", "after"),
                                         FieldMask({"value"}), false, At(kT0))
                   .ok());
  EXPECT_EQ(repo_->GetConfiguration("k")->value, "before");
}

TEST_P(RepositoryConformanceTest, AuditListFiltersByTableAndRecord) {
  PutConfig(Config("a", "1"));
  PutConfig(Config("b", "1"));
  AppSetting setting;
  setting.key = "a";
  setting.value = "x";
  ASSERT_TRUE(
      repo_->UpdateAppSetting(setting, FieldMask({"value"}), true, At(kT0))
          .ok());

  EXPECT_THAT(Audit("", ""), SizeIs(3));
  EXPECT_THAT(Audit("configurations", ""), SizeIs(2));
  EXPECT_THAT(Audit("", "a"), SizeIs(2));
  EXPECT_THAT(Audit("app_settings", "a"), SizeIs(1));
}

// ---- Thread contexts
// ---------------------------------------------------------

ThreadContext Thread(std::string channel, std::string ts,
                     std::vector<std::string> messages) {
  ThreadContext thread;
  thread.channel_id = channel;
  thread.thread_key = ts.empty() ? channel : absl::StrCat(channel, ":", ts);
  if (!ts.empty()) thread.thread_ts = ts;
  thread.messages = std::move(messages);
  return thread;
}

const FieldMask kMessages({"messages"});

TEST_P(RepositoryConformanceTest, ThreadExpiresADayAfterItsLastSave) {
  ThreadContext thread =
      Thread("C1", "1756640395.361477",
             {"User: hi", "OpsBrain: hello \xF0\x9F\x8E\xAF"});
  absl::StatusOr<ThreadContext> saved =
      repo_->UpdateThreadContext(thread, kMessages, true, At(kT0));
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->expire_time, kT0 + absl::Hours(24));

  absl::StatusOr<ThreadContext> read =
      repo_->GetThreadContext("C1:1756640395.361477", kT0 + absl::Hours(23));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->channel_id, "C1");
  EXPECT_EQ(read->thread_ts, "1756640395.361477");
  EXPECT_THAT(read->messages,
              ElementsAre("User: hi", "OpsBrain: hello \xF0\x9F\x8E\xAF"));

  EXPECT_EQ(
      repo_->GetThreadContext("C1:1756640395.361477", kT0 + absl::Hours(24))
          .status()
          .code(),
      absl::StatusCode::kNotFound);
}

TEST_P(RepositoryConformanceTest, SavingSlidesTheExpiry) {
  ASSERT_TRUE(repo_
                  ->UpdateThreadContext(Thread("C1", "", {"User: a"}),
                                        kMessages, true, At(kT0))
                  .ok());
  absl::Time later = kT0 + absl::Hours(20);
  absl::StatusOr<ThreadContext> saved = repo_->UpdateThreadContext(
      Thread("C1", "", {"User: a", "OpsBrain: b"}), kMessages, true, At(later));
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->create_time, kT0);
  EXPECT_EQ(saved->expire_time, later + absl::Hours(24));
  EXPECT_TRUE(repo_->GetThreadContext("C1", kT0 + absl::Hours(30)).ok());
}

TEST_P(RepositoryConformanceTest, ThreadLifetimeComesFromConfiguration) {
  PutConfig(Config("thread_context_cleanup_hours", "2"));
  absl::StatusOr<ThreadContext> saved = repo_->UpdateThreadContext(
      Thread("C1", "", {"User: a"}), kMessages, true, At(kT0));
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->expire_time, kT0 + absl::Hours(2));
}

TEST_P(RepositoryConformanceTest, SavingAnExpiredThreadStartsAfresh) {
  ASSERT_TRUE(repo_
                  ->UpdateThreadContext(Thread("C1", "", {"User: old"}),
                                        kMessages, true, At(kT0))
                  .ok());
  absl::Time later = kT0 + absl::Hours(48);
  absl::StatusOr<ThreadContext> saved = repo_->UpdateThreadContext(
      Thread("C1", "", {"User: new"}), kMessages, true, At(later));
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->create_time, later);
  EXPECT_THAT(saved->messages, ElementsAre("User: new"));
}

TEST_P(RepositoryConformanceTest, ListThreadsShowsLiveOnesNewestFirst) {
  ASSERT_TRUE(repo_
                  ->UpdateThreadContext(Thread("C1", "1.1", {"a"}), kMessages,
                                        true, At(kT0))
                  .ok());
  ASSERT_TRUE(repo_
                  ->UpdateThreadContext(Thread("C1", "2.2", {"b"}), kMessages,
                                        true, At(kT0 + absl::Hours(2)))
                  .ok());
  ASSERT_TRUE(repo_
                  ->UpdateThreadContext(Thread("C1", "3.3", {"c"}), kMessages,
                                        true, At(kT0 + absl::Hours(3)))
                  .ok());
  ASSERT_TRUE(repo_
                  ->UpdateThreadContext(Thread("C2", "", {"d"}), kMessages,
                                        true, At(kT0 + absl::Hours(3)))
                  .ok());

  // At T0+25h the first thread has expired.
  absl::StatusOr<Page<ThreadContext>> page = repo_->ListThreadContexts(
      "C1", kT0 + absl::Hours(25), PageRequest{1, ""});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->items, SizeIs(1));
  EXPECT_EQ(page->items[0].thread_key, "C1:3.3");
  absl::StatusOr<Page<ThreadContext>> next = repo_->ListThreadContexts(
      "C1", kT0 + absl::Hours(25), PageRequest{1, page->next_page_token});
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_THAT(next->items, SizeIs(1));
  EXPECT_EQ(next->items[0].thread_key, "C1:2.2");
  EXPECT_THAT(next->next_page_token, IsEmpty());

  // "-" lists the live threads of every channel, in the same order.
  absl::StatusOr<Page<ThreadContext>> all = repo_->ListThreadContexts(
      kAllChannels, kT0 + absl::Hours(25), PageRequest{10, ""});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_THAT(all->items, SizeIs(3));
  EXPECT_EQ(all->items[0].thread_key, "C1:3.3");
  EXPECT_EQ(all->items[1].thread_key, "C2");
  EXPECT_EQ(all->items[2].thread_key, "C1:2.2");
  EXPECT_THAT(all->next_page_token, IsEmpty());
}

TEST_P(RepositoryConformanceTest, PurgeDeletesOnlyExpiredThreads) {
  ASSERT_TRUE(repo_
                  ->UpdateThreadContext(Thread("C1", "", {"a"}), kMessages,
                                        true, At(kT0))
                  .ok());
  ASSERT_TRUE(repo_
                  ->UpdateThreadContext(Thread("C2", "", {"b"}), kMessages,
                                        true, At(kT0 + absl::Hours(10)))
                  .ok());
  absl::StatusOr<int64_t> purged =
      repo_->PurgeExpiredThreadContexts(kT0 + absl::Hours(30));
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 1);
  EXPECT_TRUE(repo_->GetThreadContext("C2", kT0 + absl::Hours(30)).ok());
  EXPECT_EQ(*repo_->PurgeExpiredThreadContexts(kT0 + absl::Hours(30)), 0);
}

// ---- Business goals
// -----------------------------------------------------------

BusinessGoal Goal(std::string id, std::string area, int priority,
                  std::string status = "in_progress") {
  BusinessGoal goal;
  goal.id = std::move(id);
  goal.title = "Title " + goal.id;
  goal.description = "Description";
  goal.area = std::move(area);
  goal.status = std::move(status);
  goal.priority = priority;
  return goal;
}

const FieldMask kGoalFields({"title", "description", "area", "status",
                             "priority", "target_date", "progress",
                             "weekly_actions", "daily_actions",
                             "success_metrics", "notes"});

TEST_P(RepositoryConformanceTest, GoalRoundTripsEveryField) {
  BusinessGoal goal = Goal("sales_1", "sales", 3);
  goal.target_date = absl::CivilDay(2026, 3, 31);
  goal.progress = 40;
  goal.weekly_actions = {"Call 5 leads", "Write \"case study\""};
  goal.daily_actions = {"Check CRM"};
  goal.success_metrics_json = R"({"lead_quality":"High conversion rate"})";
  goal.notes = "Focus";
  ASSERT_TRUE(repo_->UpdateBusinessGoal(goal, kGoalFields, true, At(kT0)).ok());

  absl::StatusOr<BusinessGoal> read = repo_->GetBusinessGoal("sales_1");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->title, "Title sales_1");
  EXPECT_EQ(read->area, "sales");
  EXPECT_EQ(read->priority, 3);
  EXPECT_EQ(read->target_date, absl::CivilDay(2026, 3, 31));
  EXPECT_EQ(read->progress, 40);
  EXPECT_THAT(read->weekly_actions,
              ElementsAre("Call 5 leads", "Write \"case study\""));
  EXPECT_THAT(read->daily_actions, ElementsAre("Check CRM"));
  EXPECT_EQ(read->success_metrics_json,
            R"({"lead_quality":"High conversion rate"})");
  EXPECT_EQ(read->notes, "Focus");
}

TEST_P(RepositoryConformanceTest, CreatingAGoalWithoutAreaIsInvalid) {
  BusinessGoal goal = Goal("no_area", "", 2);
  EXPECT_EQ(repo_->UpdateBusinessGoal(goal, kGoalFields, true, At(kT0))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(repo_->GetBusinessGoal("no_area").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(RepositoryConformanceTest, GoalsOrderByPriorityThenNewestThenId) {
  ASSERT_TRUE(repo_
                  ->UpdateBusinessGoal(Goal("b", "sales", 2), kGoalFields, true,
                                       At(kT0))
                  .ok());
  ASSERT_TRUE(repo_
                  ->UpdateBusinessGoal(Goal("a", "sales", 2), kGoalFields, true,
                                       At(kT0))
                  .ok());
  ASSERT_TRUE(repo_
                  ->UpdateBusinessGoal(Goal("c", "team", 2), kGoalFields, true,
                                       At(kT0 + absl::Hours(1)))
                  .ok());
  ASSERT_TRUE(repo_
                  ->UpdateBusinessGoal(Goal("d", "sales", 4, "blocked"),
                                       kGoalFields, true, At(kT0))
                  .ok());

  std::vector<std::string> ids;
  std::string token;
  do {
    absl::StatusOr<Page<BusinessGoal>> page =
        repo_->ListBusinessGoals("", "", PageRequest{3, token});
    ASSERT_TRUE(page.ok()) << page.status();
    for (const BusinessGoal& goal : page->items) ids.push_back(goal.id);
    token = page->next_page_token;
  } while (!token.empty());
  EXPECT_THAT(ids, ElementsAre("d", "c", "a", "b"));

  absl::StatusOr<Page<BusinessGoal>> sales =
      repo_->ListBusinessGoals("sales", "in_progress", PageRequest{10, ""});
  ASSERT_TRUE(sales.ok());
  ASSERT_THAT(sales->items, SizeIs(2));
  EXPECT_EQ(sales->items[0].id, "a");
}

// ---- App settings and user preferences
// ---------------------------------------

TEST_P(RepositoryConformanceTest, SettingsKeepTheirType) {
  AppSetting setting;
  setting.key = "feature_rollout";
  setting.value = R"({"percent":25})";
  setting.type = SettingType::kJson;
  setting.description = "Rollout";
  ASSERT_TRUE(repo_
                  ->UpdateAppSetting(
                      setting, FieldMask({"value", "type", "description"}),
                      true, At(kT0))
                  .ok());
  absl::StatusOr<AppSetting> read = repo_->GetAppSetting("feature_rollout");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->type, SettingType::kJson);
  EXPECT_EQ(read->value, R"({"percent":25})");

  absl::StatusOr<Page<AppSetting>> all =
      repo_->ListAppSettings(PageRequest{10, ""});
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(all->items, SizeIs(1));
  ASSERT_TRUE(repo_->DeleteAppSetting("feature_rollout", "", At(kT0)).ok());
  EXPECT_EQ(repo_->GetAppSetting("feature_rollout").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(RepositoryConformanceTest, PreferencesBelongToOneUser) {
  for (const char* user : {"U1", "U2"}) {
    for (const char* key : {"timezone", "style"}) {
      UserPreference preference;
      preference.user_id = user;
      preference.key = key;
      preference.value = absl::StrCat(user, "-", key);
      ASSERT_TRUE(repo_
                      ->UpdateUserPreference(preference, FieldMask({"value"}),
                                             true, At(kT0))
                      .ok());
    }
  }
  absl::StatusOr<Page<UserPreference>> page =
      repo_->ListUserPreferences("U1", PageRequest{10, ""});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->items, SizeIs(2));
  EXPECT_EQ(page->items[0].key, "style");
  EXPECT_EQ(page->items[1].value, "U1-timezone");
  EXPECT_EQ(repo_->GetUserPreference("U2", "style")->value, "U2-style");
  ASSERT_TRUE(repo_->DeleteUserPreference("U2", "style", "", At(kT0)).ok());
  EXPECT_EQ(repo_->GetUserPreference("U2", "style").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(Audit("user_preferences", "U2/style"), SizeIs(2));
}

// ---- Performance metrics
// -------------------------------------------------------

PerformanceMetric Metric(std::string name, double value, absl::Time time) {
  PerformanceMetric metric;
  metric.name = std::move(name);
  metric.value = value;
  metric.unit = "seconds";
  metric.time = time;
  return metric;
}

TEST_P(RepositoryConformanceTest, MetricsQueryByNameAndRangeNewestFirst) {
  std::vector<PerformanceMetric> metrics;
  for (int i = 0; i < 10; ++i) {
    metrics.push_back(Metric(i % 2 ? "slack_response_time" : "other",
                             0.1 * i + 1e7, kT0 + absl::Minutes(i)));
  }
  metrics[3].additional_data_json = R"({"channel":"C1"})";
  absl::StatusOr<std::vector<PerformanceMetric>> created =
      repo_->CreatePerformanceMetrics(metrics);
  ASSERT_TRUE(created.ok()) << created.status();
  std::set<int64_t> ids;
  for (const PerformanceMetric& metric : *created) ids.insert(metric.id);
  EXPECT_THAT(ids, SizeIs(10));

  // [T0+3m, T0+9m): minutes 3, 5, 7 of slack_response_time.
  std::vector<double> values;
  std::string token;
  do {
    absl::StatusOr<Page<PerformanceMetric>> page =
        repo_->ListPerformanceMetrics(
            "slack_response_time", kT0 + absl::Minutes(3),
            kT0 + absl::Minutes(9), PageRequest{2, token});
    ASSERT_TRUE(page.ok()) << page.status();
    for (const PerformanceMetric& metric : page->items) {
      values.push_back(metric.value);
    }
    token = page->next_page_token;
  } while (!token.empty());
  EXPECT_THAT(values,
              ElementsAre(0.7 + 1e7, 0.5 + 1e7, 0.30000000000000004 + 1e7));

  absl::StatusOr<Page<PerformanceMetric>> one = repo_->ListPerformanceMetrics(
      "slack_response_time", kT0 + absl::Minutes(3), kT0 + absl::Minutes(4),
      PageRequest{10, ""});
  ASSERT_TRUE(one.ok());
  ASSERT_THAT(one->items, SizeIs(1));
  EXPECT_EQ(one->items[0].additional_data_json, R"({"channel":"C1"})");
}

// ---- Concurrency
// -----------------------------------------------------------------

TEST_P(RepositoryConformanceTest, ConcurrentUpsertsOfANewKeyAllSucceed) {
  constexpr int kWriters = 8;
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      results[i] = repo_
                       ->UpdateConfiguration(Config("race", absl::StrCat(i)),
                                             kConfigFields, true, At(kT0))
                       .status();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& status : results) EXPECT_TRUE(status.ok()) << status;
  EXPECT_THAT(Audit("configurations", "race"), SizeIs(kWriters));
}

INSTANTIATE_TEST_SUITE_P(Backends, RepositoryConformanceTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

}  // namespace
}  // namespace opsbrain::testing
