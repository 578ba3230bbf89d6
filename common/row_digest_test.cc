#include "common/row_digest.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/internal.pb.h"
#include "opsbrain/v1/records.pb.h"

namespace opsbrain {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::testing::StartsWith;

// One row per table with every digested field set to a non-default value.
std::vector<v1::ImportedRow> SampleRows() {
  std::vector<v1::ImportedRow> rows(7);

  v1::Configuration* config = rows[0].mutable_configuration();
  config->set_key("openai_model");
  config->set_value("gpt-4o");
  config->set_category("openai");
  config->set_description("Default model");
  config->set_is_sensitive(true);
  config->mutable_create_time()->set_seconds(1756000000);
  config->mutable_update_time()->set_seconds(1756000001);

  v1::ThreadContext* thread = rows[1].mutable_thread_context();
  thread->set_thread_key("C04:1756.1");
  thread->set_channel_id("C04");
  thread->set_thread_ts("1756.1");
  thread->add_messages("User: hi");
  thread->add_messages("OpsBrain: hello");
  thread->mutable_create_time()->set_seconds(1756000000);
  thread->mutable_update_time()->set_seconds(1756000001);
  thread->mutable_expire_time()->set_seconds(1756086401);

  v1::BusinessGoal* goal = rows[2].mutable_business_goal();
  goal->set_id("sales_1");
  goal->set_title("Grow");
  goal->set_description("Grow revenue");
  goal->set_area("sales");
  goal->set_status("in_progress");
  goal->set_priority(3);
  goal->mutable_target_date()->set_year(2025);
  goal->mutable_target_date()->set_month(3);
  goal->mutable_target_date()->set_day(31);
  goal->set_progress(40);
  goal->add_weekly_actions("call");
  goal->add_daily_actions("email");
  (*goal->mutable_success_metrics()->mutable_fields())["new_clients"]
      .set_string_value("3");
  goal->set_notes("on track");
  goal->mutable_create_time()->set_seconds(1756000000);
  goal->mutable_update_time()->set_seconds(1756000001);

  v1::AppSetting* setting = rows[3].mutable_app_setting();
  setting->set_key("max_concurrent_requests");
  setting->set_value("10");
  setting->set_type(v1::AppSetting::INTEGER);
  setting->set_description("Concurrency");
  setting->mutable_create_time()->set_seconds(1756000000);
  setting->mutable_update_time()->set_seconds(1756000001);

  v1::UserPreference* preference = rows[4].mutable_user_preference();
  preference->set_user_id("U1");
  preference->set_key("tone");
  preference->set_value("brief");
  preference->mutable_create_time()->set_seconds(1756000000);
  preference->mutable_update_time()->set_seconds(1756000001);

  rows[5].set_legacy_id(7);
  v1::AuditEntry* audit = rows[5].mutable_audit_entry();
  audit->set_table_name("configurations");
  audit->set_record_id("openai_model");
  audit->set_action(v1::AuditEntry::UPDATE);
  (*audit->mutable_old_values()->mutable_fields())["value"].set_string_value(
      "gpt-4");
  (*audit->mutable_new_values()->mutable_fields())["value"].set_string_value(
      "gpt-4o");
  audit->set_actor("U1");
  audit->mutable_change_time()->set_seconds(1756000001);

  rows[6].set_legacy_id(9);
  v1::PerformanceMetric* metric = rows[6].mutable_performance_metric();
  metric->set_name("slack_response_time");
  metric->set_value(1.5);
  metric->set_unit("seconds");
  metric->mutable_time()->set_seconds(1756000000);
  (*metric->mutable_additional_data()->mutable_fields())["channel"]
      .set_string_value("C04");

  return rows;
}

struct FieldChange {
  std::string name;
  int row;  // Index into SampleRows().
  std::function<void(v1::ImportedRow*)> change;
};

std::vector<FieldChange> DigestedFieldChanges() {
  auto cfg = [](v1::ImportedRow* r) { return r->mutable_configuration(); };
  auto thr = [](v1::ImportedRow* r) { return r->mutable_thread_context(); };
  auto goal = [](v1::ImportedRow* r) { return r->mutable_business_goal(); };
  auto set = [](v1::ImportedRow* r) { return r->mutable_app_setting(); };
  auto pref = [](v1::ImportedRow* r) { return r->mutable_user_preference(); };
  auto aud = [](v1::ImportedRow* r) { return r->mutable_audit_entry(); };
  auto met = [](v1::ImportedRow* r) { return r->mutable_performance_metric(); };
  return {
      {"configuration.key", 0, [=](auto* r) { cfg(r)->set_key("x"); }},
      {"configuration.value", 0, [=](auto* r) { cfg(r)->set_value("x"); }},
      {"configuration.category", 0,
       [=](auto* r) { cfg(r)->set_category("api"); }},
      {"configuration.description", 0,
       [=](auto* r) { cfg(r)->set_description("x"); }},
      {"configuration.is_sensitive", 0,
       [=](auto* r) { cfg(r)->set_is_sensitive(false); }},
      {"configuration.create_time", 0,
       [=](auto* r) { cfg(r)->mutable_create_time()->set_nanos(1000); }},
      {"configuration.update_time", 0,
       [=](auto* r) { cfg(r)->mutable_update_time()->set_seconds(1); }},
      {"thread_context.thread_key", 1,
       [=](auto* r) { thr(r)->set_thread_key("C05:1756.1"); }},
      {"thread_context.channel_id", 1,
       [=](auto* r) { thr(r)->set_channel_id("C05"); }},
      {"thread_context.thread_ts", 1,
       [=](auto* r) { thr(r)->set_thread_ts("1756.2"); }},
      {"thread_context.messages", 1,
       [=](auto* r) { thr(r)->add_messages("User: more"); }},
      {"thread_context.messages order", 1,
       [=](auto* r) { thr(r)->mutable_messages()->SwapElements(0, 1); }},
      {"thread_context.create_time", 1,
       [=](auto* r) { thr(r)->mutable_create_time()->set_seconds(1); }},
      {"thread_context.update_time", 1,
       [=](auto* r) { thr(r)->mutable_update_time()->set_seconds(1); }},
      {"thread_context.expire_time", 1,
       [=](auto* r) { thr(r)->mutable_expire_time()->set_seconds(1); }},
      {"business_goal.id", 2, [=](auto* r) { goal(r)->set_id("sales_2"); }},
      {"business_goal.title", 2, [=](auto* r) { goal(r)->set_title("x"); }},
      {"business_goal.description", 2,
       [=](auto* r) { goal(r)->set_description("x"); }},
      {"business_goal.area", 2, [=](auto* r) { goal(r)->set_area("team"); }},
      {"business_goal.status", 2,
       [=](auto* r) { goal(r)->set_status("blocked"); }},
      {"business_goal.priority", 2, [=](auto* r) { goal(r)->set_priority(4); }},
      {"business_goal.target_date", 2,
       [=](auto* r) { goal(r)->mutable_target_date()->set_day(30); }},
      {"business_goal.target_date unset", 2,
       [=](auto* r) { goal(r)->clear_target_date(); }},
      {"business_goal.progress", 2,
       [=](auto* r) { goal(r)->set_progress(41); }},
      {"business_goal.weekly_actions", 2,
       [=](auto* r) { goal(r)->add_weekly_actions("x"); }},
      {"business_goal.daily_actions", 2,
       [=](auto* r) { goal(r)->add_daily_actions("x"); }},
      {"business_goal.actions moved between lists", 2,
       [=](auto* r) {
         goal(r)->clear_weekly_actions();
         goal(r)->add_daily_actions("call");
       }},
      {"business_goal.success_metrics", 2,
       [=](auto* r) {
         (*goal(r)->mutable_success_metrics()->mutable_fields())["x"]
             .set_number_value(1);
       }},
      {"business_goal.notes", 2, [=](auto* r) { goal(r)->set_notes("x"); }},
      {"business_goal.create_time", 2,
       [=](auto* r) { goal(r)->mutable_create_time()->set_seconds(1); }},
      {"business_goal.update_time", 2,
       [=](auto* r) { goal(r)->mutable_update_time()->set_seconds(1); }},
      {"app_setting.key", 3, [=](auto* r) { set(r)->set_key("x"); }},
      {"app_setting.value", 3, [=](auto* r) { set(r)->set_value("11"); }},
      {"app_setting.type", 3,
       [=](auto* r) { set(r)->set_type(v1::AppSetting::STRING); }},
      {"app_setting.description", 3,
       [=](auto* r) { set(r)->set_description("x"); }},
      {"app_setting.create_time", 3,
       [=](auto* r) { set(r)->mutable_create_time()->set_seconds(1); }},
      {"app_setting.update_time", 3,
       [=](auto* r) { set(r)->mutable_update_time()->set_seconds(1); }},
      {"user_preference.user_id", 4,
       [=](auto* r) { pref(r)->set_user_id("U2"); }},
      {"user_preference.key", 4, [=](auto* r) { pref(r)->set_key("x"); }},
      {"user_preference.value", 4, [=](auto* r) { pref(r)->set_value("x"); }},
      {"user_preference.create_time", 4,
       [=](auto* r) { pref(r)->mutable_create_time()->set_seconds(1); }},
      {"user_preference.update_time", 4,
       [=](auto* r) { pref(r)->mutable_update_time()->set_seconds(1); }},
      {"audit legacy id", 5, [](auto* r) { r->set_legacy_id(8); }},
      {"audit_entry.table_name", 5,
       [=](auto* r) { aud(r)->set_table_name("app_settings"); }},
      {"audit_entry.record_id", 5,
       [=](auto* r) { aud(r)->set_record_id("x"); }},
      {"audit_entry.action", 5,
       [=](auto* r) { aud(r)->set_action(v1::AuditEntry::DELETE); }},
      {"audit_entry.old_values", 5,
       [=](auto* r) { aud(r)->clear_old_values(); }},
      {"audit_entry.new_values", 5,
       [=](auto* r) { aud(r)->mutable_new_values()->clear_fields(); }},
      {"audit_entry.actor", 5, [=](auto* r) { aud(r)->set_actor("system"); }},
      {"audit_entry.change_time", 5,
       [=](auto* r) { aud(r)->mutable_change_time()->set_seconds(1); }},
      {"metric legacy id", 6, [](auto* r) { r->set_legacy_id(10); }},
      {"performance_metric.name", 6, [=](auto* r) { met(r)->set_name("x"); }},
      {"performance_metric.value", 6,
       [=](auto* r) { met(r)->set_value(1.5000000000000002); }},
      {"performance_metric.unit", 6, [=](auto* r) { met(r)->set_unit(""); }},
      {"performance_metric.time", 6,
       [=](auto* r) { met(r)->mutable_time()->set_nanos(1000); }},
      {"performance_metric.additional_data", 6,
       [=](auto* r) { met(r)->clear_additional_data(); }},
  };
}

TEST(RowDigestTest, EachDigestedFieldChangesTheDigest) {
  const std::vector<v1::ImportedRow> rows = SampleRows();
  for (const FieldChange& change : DigestedFieldChanges()) {
    v1::ImportedRow changed = rows[change.row];
    change.change(&changed);
    EXPECT_NE(RowDigest(changed), RowDigest(rows[change.row])) << change.name;
  }
}

TEST(RowDigestTest, DigestIsDeterministicAndThirtyTwoBytes) {
  for (const v1::ImportedRow& row : SampleRows()) {
    const v1::ImportedRow copy = row;
    EXPECT_EQ(RowDigest(row), RowDigest(copy));
    EXPECT_EQ(RowDigest(row).size(), 32u);
  }
}

TEST(RowDigestTest, DigestsDifferAcrossTables) {
  std::set<std::string> digests;
  for (const v1::ImportedRow& row : SampleRows()) {
    digests.insert(RowDigest(row));
  }
  EXPECT_EQ(digests.size(), 7u);
}

TEST(RowDigestTest, EtagAndRedactionFlagAreNotDigested) {
  std::vector<v1::ImportedRow> rows = SampleRows();
  v1::ImportedRow changed = rows[0];
  changed.mutable_configuration()->set_etag("etag-1");
  changed.mutable_configuration()->set_value_redacted(true);
  EXPECT_EQ(RowDigest(changed), RowDigest(rows[0]));

  changed = rows[2];
  changed.mutable_business_goal()->set_etag("etag-2");
  EXPECT_EQ(RowDigest(changed), RowDigest(rows[2]));
}

TEST(RowDigestTest, LegacyIdFallsBackToRecordId) {
  v1::ImportedRow by_legacy_id;
  by_legacy_id.set_legacy_id(42);
  by_legacy_id.mutable_performance_metric()->set_name("m");
  v1::ImportedRow by_record_id;
  by_record_id.mutable_performance_metric()->set_id(42);
  by_record_id.mutable_performance_metric()->set_name("m");
  EXPECT_EQ(RowDigest(by_legacy_id), RowDigest(by_record_id));
}

TEST(RowDigestTest, ConfigurationLegacyIdIsNotDigested) {
  v1::ImportedRow row = SampleRows()[0];
  v1::ImportedRow changed = row;
  changed.set_legacy_id(99);
  EXPECT_EQ(RowDigest(changed), RowDigest(row));
}

TEST(RowDigestTest, UnsetSuccessMetricsCountAsEmptyObject) {
  v1::ImportedRow unset;
  unset.mutable_business_goal()->set_id("g");
  v1::ImportedRow empty = unset;
  empty.mutable_business_goal()->mutable_success_metrics();
  EXPECT_EQ(RowDigest(unset), RowDigest(empty));
}

TEST(RowDigestTest, UnsetAdditionalDataDiffersFromEmptyObject) {
  v1::ImportedRow unset;
  unset.mutable_performance_metric()->set_name("m");
  v1::ImportedRow empty = unset;
  empty.mutable_performance_metric()->mutable_additional_data();
  EXPECT_NE(RowDigest(unset), RowDigest(empty));
}

TEST(RowDigestTest, AllZeroDateCountsAsUnset) {
  v1::ImportedRow unset;
  unset.mutable_business_goal()->set_id("g");
  v1::ImportedRow zero = unset;
  zero.mutable_business_goal()->mutable_target_date();
  EXPECT_EQ(RowDigest(unset), RowDigest(zero));
}

TEST(RowDigestTest, UnspecifiedSettingTypeCountsAsString) {
  v1::ImportedRow unspecified;
  unspecified.mutable_app_setting()->set_key("k");
  v1::ImportedRow string = unspecified;
  string.mutable_app_setting()->set_type(v1::AppSetting::STRING);
  EXPECT_EQ(RowDigest(unspecified), RowDigest(string));
}

TEST(RowDigestTest, CanonicalFormIsLengthPrefixed) {
  v1::ImportedRow row;
  v1::UserPreference* preference = row.mutable_user_preference();
  preference->set_user_id("U1");
  preference->set_key("a:b");
  preference->set_value("");
  preference->mutable_create_time()->set_seconds(-1);
  preference->mutable_create_time()->set_nanos(999999999);
  preference->mutable_update_time()->set_seconds(2);
  preference->mutable_update_time()->set_nanos(1999);
  EXPECT_EQ(CanonicalRowForm(row),
            "16:user_preferences2:U13:a:b0:2:-17:2000001");
}

TEST(RowDigestTest, LengthPrefixesKeepFieldBoundaries) {
  v1::ImportedRow a;
  a.mutable_user_preference()->set_user_id("U1");
  a.mutable_user_preference()->set_key("k");
  v1::ImportedRow b;
  b.mutable_user_preference()->set_user_id("U");
  b.mutable_user_preference()->set_key("1k");
  EXPECT_NE(RowDigest(a), RowDigest(b));
}

TEST(RowDigestTest, CanonicalFormEncodesEveryKind) {
  const std::vector<v1::ImportedRow> rows = SampleRows();
  EXPECT_EQ(CanonicalRowForm(rows[2]),
            "14:business_goals7:sales_14:Grow12:Grow revenue5:sales"
            "11:in_progress1:310:2025-03-312:401:14:call1:15:email"
            "19:{\"new_clients\":\"3\"}8:on track16:175600000000000"
            "016:1756000001000000");
  EXPECT_EQ(CanonicalRowForm(rows[3]),
            "12:app_settings23:max_concurrent_requests2:107:integer"
            "11:Concurrency16:175600000000000016:1756000001000000");
  EXPECT_EQ(CanonicalRowForm(rows[5]),
            "12:config_audit1:714:configurations12:openai_model6:UPDATE"
            "17:{\"value\":\"gpt-4\"}18:{\"value\":\"gpt-4o\"}2:U1"
            "16:1756000001000000");
  EXPECT_EQ(CanonicalRowForm(rows[6]),
            "19:performance_metrics1:919:slack_response_time3:1.5"
            "7:seconds16:175600000000000017:{\"channel\":\"C04\"}");
}

TEST(RowDigestTest, CanonicalJsonSortsKeysAndEscapesMinimally) {
  Struct object;
  auto& fields = *object.mutable_fields();
  fields["b"].set_number_value(0.1);
  fields["a"].set_string_value("q\"\\\n\x01\xc3\xa9/");
  fields["c"].set_bool_value(true);
  fields["d"].set_null_value(google::protobuf::NULL_VALUE);
  auto* list = fields["e"].mutable_list_value();
  list->add_values()->set_number_value(12);
  list->add_values()->mutable_struct_value();
  fields["f"];  // A Value without a kind.
  EXPECT_EQ(CanonicalJson(object),
            "{\"a\":\"q\\\"\\\\\\n\\u0001\xc3\xa9/\","
            "\"b\":0.10000000000000001,\"c\":true,\"d\":null,"
            "\"e\":[12,{}],\"f\":null}");
}

TEST(RowDigestTest, CanonicalJsonDoesNotDependOnInsertionOrder) {
  Struct forward;
  Struct backward;
  for (int i = 0; i < 50; ++i) {
    (*forward.mutable_fields())[std::to_string(i)].set_number_value(i);
    (*backward.mutable_fields())[std::to_string(49 - i)].set_number_value(49 -
                                                                          i);
  }
  EXPECT_EQ(CanonicalJson(forward), CanonicalJson(backward));
  EXPECT_THAT(CanonicalJson(forward), StartsWith("{\"0\":0,\"1\":1,\"10\":10"));
}

TEST(RowDigestTest, EmptyRowHasADigest) {
  v1::ImportedRow row;
  EXPECT_EQ(CanonicalRowForm(row), "0:");
  EXPECT_EQ(RowDigest(row).size(), 32u);
}

class TableDigestTest : public ::testing::Test {};

TEST_F(TableDigestTest, EmptyTableIsZero) {
  TableDigest digest;
  EXPECT_EQ(digest.row_count(), 0);
  EXPECT_EQ(digest.Checksum(), "0000000000000000");
}

TEST_F(TableDigestTest, OrderDoesNotMatter) {
  const std::vector<v1::ImportedRow> rows = SampleRows();
  TableDigest forward;
  for (const v1::ImportedRow& row : rows) forward.Add(row);
  TableDigest backward;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) backward.Add(*it);
  EXPECT_EQ(forward.Checksum(), backward.Checksum());
  EXPECT_EQ(forward.row_count(), 7);
  EXPECT_EQ(forward.Checksum().size(), 16u);
}

TEST_F(TableDigestTest, ChangedRowChangesChecksum) {
  std::vector<v1::ImportedRow> rows = SampleRows();
  TableDigest before;
  for (const v1::ImportedRow& row : rows) before.Add(row);
  rows[4].mutable_user_preference()->set_value("verbose");
  TableDigest after;
  for (const v1::ImportedRow& row : rows) after.Add(row);
  EXPECT_NE(before.Checksum(), after.Checksum());
}

TEST_F(TableDigestTest, SumsBigEndianPrefixesModuloTwoToTheSixtyFour) {
  TableDigest digest;
  digest.AddRowDigest(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\x12", 9));
  digest.AddRowDigest(std::string("\x00\x00\x00\x00\x00\x00\x00\x02", 8));
  digest.AddRowDigest(std::string("\x01", 1));
  EXPECT_EQ(digest.row_count(), 3);
  EXPECT_EQ(digest.Checksum(), "0100000000000001");
}

TEST_F(TableDigestTest, AddMatchesAddRowDigest) {
  const v1::ImportedRow row = SampleRows()[1];
  TableDigest by_row;
  by_row.Add(row);
  TableDigest by_digest;
  by_digest.AddRowDigest(RowDigest(row));
  EXPECT_EQ(by_row.Checksum(), by_digest.Checksum());
}

}  // namespace
}  // namespace opsbrain
