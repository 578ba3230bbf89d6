#include "storage_service/service/import_rows.h"

#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/row_digest.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/internal.pb.h"
#include "storage_service/importer.h"
#include "storage_service/records.h"

namespace opsbrain::service {
namespace {

using ::testing::EndsWith;
using ::testing::StartsWith;

v1::ImportedRow ParseRow(const std::string& json) {
  v1::ImportedRow row;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &row);
  EXPECT_TRUE(status.ok()) << json << ": " << status.message();
  return row;
}

// Canonical legacy rows of every table, as the migrator would send them.
std::vector<v1::ImportedRow> CanonicalRows() {
  return {
      ParseRow(R"({"legacyId": "4", "configuration": {
          "key": "openai_api_key", "value": "sk-FAKE", "category": "openai",
          "description": "OpenAI key", "isSensitive": true,
          "createTime": "2025-08-20T12:00:41Z",
          "updateTime": "2025-08-20T12:00:41.123456Z"}})"),
      ParseRow(R"({"legacyId": "290", "threadContext": {
          "threadKey": "C04OPSBRAIN:1756653790.094580",
          "channelId": "C04OPSBRAIN", "threadTs": "1756653790.094580",
          "messages": ["User: hi", "OpsBrain: \ud83d\ude80 done"],
          "createTime": "2025-09-01T11:53:00Z",
          "updateTime": "2025-09-01T11:53:00Z",
          "expireTime": "2025-09-02T11:53:00.512345Z"}})"),
      ParseRow(R"({"businessGoal": {
          "id": "sales_1", "title": "Grow", "description": "Grow revenue",
          "area": "sales", "status": "in_progress", "priority": 3,
          "progress": 40, "weeklyActions": ["call"], "dailyActions": [],
          "successMetrics": {"lead_quality": "High", "n": 3},
          "notes": "", "createTime": "2025-08-20T12:00:41Z",
          "updateTime": "2025-08-21T12:00:41Z"}})"),
      ParseRow(R"({"legacyId": "14", "appSetting": {
          "key": "feature_rollout", "type": "JSON",
          "value": "{\"ceo_digest\": true, \"max_digest_items\": 5}",
          "description": "Staged feature flags",
          "createTime": "2025-08-29T12:01:00Z",
          "updateTime": "2025-08-29T12:01:00Z"}})"),
      ParseRow(R"({"legacyId": "3", "userPreference": {
          "userId": "U01CEO", "key": "digest_time", "value": "08:00",
          "createTime": "2025-08-22T09:00:00Z",
          "updateTime": "2025-08-22T09:00:00Z"}})"),
      ParseRow(R"({"legacyId": "1", "auditEntry": {
          "tableName": "configurations", "recordId": "openai_api_key",
          "action": "INSERT",
          "newValues": {"value": "[REDACTED]", "is_sensitive": true},
          "actor": "system", "changeTime": "2025-08-20T12:00:41Z"}})"),
      ParseRow(R"({"legacyId": "3", "performanceMetric": {
          "name": "openai_response_time", "value": 18.8464398606804,
          "unit": "seconds", "time": "2025-08-25T12:50:50Z",
          "additionalData": {"model": "gpt-4", "prompt_tokens": 1296}}})"),
  };
}

TEST(ImportRowsTest, CanonicalRowsSurviveTheRoundTripWithTheirDigest) {
  for (const v1::ImportedRow& row : CanonicalRows()) {
    absl::StatusOr<ImportedRow> record = ImportedRowFromProto(row);
    ASSERT_TRUE(record.ok())
        << row.ShortDebugString() << ": " << record.status();
    EXPECT_EQ(TableOf(*record), TableOfProtoRow(row));
    v1::ImportedRow back;
    ASSERT_TRUE(ImportedRowToProto(*record, &back).ok());
    EXPECT_EQ(RowDigest(back), RowDigest(row))
        << row.ShortDebugString() << "\nvs\n"
        << back.ShortDebugString();
  }
}

TEST(ImportRowsTest, OutputOnlyTimesAreHonoured) {
  absl::StatusOr<ImportedRow> record = ImportedRowFromProto(CanonicalRows()[1]);
  ASSERT_TRUE(record.ok());
  const auto& thread = std::get<ThreadContext>(record->record);
  EXPECT_EQ(absl::FormatTime(absl::RFC3339_full, thread.expire_time,
                             absl::UTCTimeZone()),
            "2025-09-02T11:53:00.512345+00:00");
  EXPECT_EQ(thread.thread_ts, "1756653790.094580");
}

TEST(ImportRowsTest, LegacyFormsAreCanonicalised) {
  absl::StatusOr<ImportedRow> goal = ImportedRowFromProto(ParseRow(
      R"({"businessGoal": {"id": "sales_2", "area": "SALES",
          "status": "IN_PROGRESS"}})"));
  ASSERT_TRUE(goal.ok()) << goal.status();
  EXPECT_EQ(std::get<BusinessGoal>(goal->record).area, "sales");
  EXPECT_EQ(std::get<BusinessGoal>(goal->record).status, "in_progress");
  EXPECT_EQ(std::get<BusinessGoal>(goal->record).priority, 2);

  absl::StatusOr<ImportedRow> setting = ImportedRowFromProto(ParseRow(
      R"({"appSetting": {"key": "enable_ceo_mode", "value": "True",
          "type": "BOOLEAN"}})"));
  ASSERT_TRUE(setting.ok());
  EXPECT_EQ(std::get<AppSetting>(setting->record).value, "true");
}

TEST(ImportRowsTest, EtagsAreIgnored) {
  absl::StatusOr<ImportedRow> record = ImportedRowFromProto(
      ParseRow(R"({"configuration": {"key": "k", "etag": "stale"}})"));
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(std::get<Configuration>(record->record).etag, "");
}

TEST(ImportRowsTest, MetricWithoutTimeIsAtTheEpoch) {
  absl::StatusOr<ImportedRow> record = ImportedRowFromProto(
      ParseRow(R"({"legacyId": "9", "performanceMetric": {"name": "m"}})"));
  ASSERT_TRUE(record.ok());
  const auto& metric = std::get<PerformanceMetric>(record->record);
  EXPECT_EQ(metric.time, absl::UnixEpoch());
  EXPECT_EQ(metric.id, 9);
  EXPECT_EQ(record->legacy_id, 9);
}

TEST(ImportRowsTest, RecordIdStandsInForLegacyId) {
  absl::StatusOr<ImportedRow> record = ImportedRowFromProto(ParseRow(
      R"({"auditEntry": {"id": "5", "tableName": "app_settings",
          "action": "DELETE"}})"));
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->legacy_id, 5);
  EXPECT_EQ(std::get<AuditEntry>(record->record).id, 5);
}

struct Rejection {
  std::string row_json;
  std::string reason;
};

TEST(ImportRowsTest, InvalidRowsAreRejectedWithAReason) {
  const Rejection cases[] = {
      {R"({})", "record: must be set"},
      {R"({"configuration": {"key": ""}})",
       "configuration.key: must not be empty"},
      {R"({"configuration": {"key": "k", "category": "misc"}})",
       "configuration.category: 'misc' is not one of"},
      {R"({"threadContext": {"threadKey": "C1:", "messages": []}})",
       "thread_context.thread_key: must not end with ':'"},
      {R"({"threadContext": {"threadKey": "C1:2", "channelId": "C9"}})",
       "thread_context.channel_id: 'C9' does not agree with thread_key"},
      {R"({"businessGoal": {"id": "g", "area": ""}})",
       "business_goal.area: must be one of"},
      {R"({"businessGoal": {"id": "g", "area": "team",
           "targetDate": {"year": 2025, "month": 2, "day": 30}}})",
       "business_goal.target_date: 2025-02-30 is not a valid date"},
      {R"({"appSetting": {"key": "n", "value": "ten", "type": "INTEGER"}})",
       "app_setting.value: 'ten' is not a valid INTEGER"},
      {R"({"userPreference": {"userId": "U1", "key": ""}})",
       "user_preference.key: must not be empty"},
      {R"({"auditEntry": {"tableName": "t", "action": "INSERT"}})",
       "legacy_id: must be a positive legacy id"},
      {R"({"legacyId": "2", "auditEntry": {"id": "3", "tableName": "t",
           "action": "INSERT"}})",
       "audit_entry.id: 3 does not agree with legacy_id 2"},
      {R"({"legacyId": "2", "auditEntry": {"tableName": "t"}})",
       "audit_entry.action: must be set"},
      {R"({"legacyId": "-4", "performanceMetric": {"name": "m"}})",
       "legacy_id: must be a positive legacy id"},
      {R"({"legacyId": "4", "performanceMetric": {"name": "m",
           "value": "NaN"}})",
       "performance_metric.value: must be a finite number"},
      {absl::StrCat(R"({"legacyId": "4", "performanceMetric": {"name": "m",
                     "unit": ")",
                    std::string(65, 's'), R"("}})"),
       "performance_metric.unit: must be at most 64 bytes"},
  };
  for (const Rejection& c : cases) {
    absl::StatusOr<ImportedRow> record =
        ImportedRowFromProto(ParseRow(c.row_json));
    ASSERT_FALSE(record.ok()) << c.row_json;
    EXPECT_EQ(record.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(record.status().message()), StartsWith(c.reason));
  }
}

TEST(ImportRowsTest, ReportKeysNameTheNaturalKey) {
  const std::vector<v1::ImportedRow> rows = CanonicalRows();
  EXPECT_EQ(ReportKeyOf(rows[0]), "openai_api_key");
  EXPECT_EQ(ReportKeyOf(rows[1]), "C04OPSBRAIN:1756653790.094580");
  EXPECT_EQ(ReportKeyOf(rows[2]), "sales_1");
  EXPECT_EQ(ReportKeyOf(rows[3]), "feature_rollout");
  EXPECT_EQ(ReportKeyOf(rows[4]), "U01CEO/digest_time");
  EXPECT_EQ(ReportKeyOf(rows[5]), "1");
  EXPECT_EQ(ReportKeyOf(rows[6]), "3");
}

TEST(ImportRowsTest, ReportKeysAreAlwaysValidText) {
  v1::ImportedRow row;
  row.mutable_configuration()->set_key(std::string("bad\xFF\0key", 8) +
                                       std::string(1000, 'k'));
  const std::string key = ReportKeyOf(row);
  EXPECT_THAT(key, StartsWith("bad\\xFF\\x00key"));
  EXPECT_THAT(key, EndsWith("kkk..."));
  EXPECT_EQ(key.size(), 255u + 6u + 3u);  // Two escapes add 3 bytes each.
}

TEST(ImportRowsTest, TablesAreTheLegacyNames) {
  const std::vector<v1::ImportedRow> rows = CanonicalRows();
  const std::vector<std::string> expected = {
      "configurations",     "thread_contexts",  "business_goals",
      "app_settings",       "user_preferences", "config_audit",
      "performance_metrics"};
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(TableOfProtoRow(rows[i]), expected[i]);
    EXPECT_EQ(kImportTables[i], expected[i]);
    EXPECT_TRUE(IsImportTable(expected[i]));
  }
  EXPECT_EQ(TableOfProtoRow(v1::ImportedRow()), "");
  EXPECT_FALSE(IsImportTable("schema_migrations"));
  EXPECT_FALSE(IsImportTable(""));
}

}  // namespace
}  // namespace opsbrain::service
