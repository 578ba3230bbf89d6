// Conformance of the SQL importer's lookups by legacy id on every backend:
// many ids at once, across the chunks the importer queries them in, with
// ids that are absent or asked for twice.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage_service/importer.h"
#include "storage_service/records.h"
#include "storage_service/repository.h"
#include "storage_service/sql/dialect_sql.h"
#include "tests/conformance/test_store.h"

namespace opsbrain::testing {
namespace {

class ImporterConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestStore>> store =
        OpenTestStore(GetParam());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  std::unique_ptr<TestStore> store_;
};

TEST_P(ImporterConformanceTest, FindsMetricsByLegacyIdAcrossChunks) {
  // Odd ids 1..2401: 1201 metrics.
  std::vector<ImportedRow> rows;
  for (int64_t id = 1; id <= 2401; id += 2) {
    PerformanceMetric metric;
    metric.name = "m";
    metric.value = static_cast<double>(id) / 4;
    metric.time = absl::FromUnixSeconds(1756000000 + id);
    rows.push_back(ImportedRow{id, metric});
  }
  ASSERT_TRUE(store_->importer->ImportBatch(rows).ok());

  // Every id from 0 to 2402, then 7 again: the even ones are absent.
  std::vector<ImportKey> keys;
  for (int64_t id = 0; id <= 2402; ++id) keys.push_back({"", "", id});
  keys.push_back({"", "", 7});
  absl::StatusOr<std::vector<std::optional<ImportedRow>>> found =
      store_->importer->FindRows(kPerformanceMetricsTable, keys);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    const int64_t id = keys[i].legacy_id;
    ASSERT_EQ((*found)[i].has_value(), id % 2 == 1) << id;
    if (!(*found)[i].has_value()) continue;
    EXPECT_EQ((*found)[i]->legacy_id, id);
    const auto& metric = std::get<PerformanceMetric>((*found)[i]->record);
    EXPECT_EQ(metric.id, id);
    EXPECT_EQ(metric.value, static_cast<double>(id) / 4);
  }
}

// Rows the store writes itself and rows imported with their legacy ids
// never share an id, before or after an import.
TEST_P(ImporterConformanceTest, StoreIdsStayAboveLegacyIds) {
  Repository& repo = *store_->repository;
  const absl::Time now = absl::FromUnixSeconds(1764800000);
  PerformanceMetric own;
  own.name = "own";
  own.value = 1;
  own.time = now;
  absl::StatusOr<std::vector<PerformanceMetric>> created =
      repo.CreatePerformanceMetrics({own});
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_GE(created->front().id, sql::kFirstStoreId);
  AppSetting setting;
  setting.key = "k";
  setting.value = "v";
  ASSERT_TRUE(repo.UpdateAppSetting(setting, FieldMask({"value"}), true,
                                    WriteContext{"tester", now})
                  .ok());
  absl::StatusOr<Page<AuditEntry>> audit =
      repo.ListAuditEntries("", "", PageRequest{});
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_EQ(audit->items.size(), 1u);
  EXPECT_GE(audit->items.front().id, sql::kFirstStoreId);

  // Legacy rows with the ids a legacy app gives from 1 up are new rows.
  PerformanceMetric legacy_metric;
  legacy_metric.name = "legacy";
  legacy_metric.value = 2;
  legacy_metric.time = now - absl::Hours(24);
  AuditEntry legacy_audit;
  legacy_audit.table_name = "app_settings";
  legacy_audit.record_id = "old";
  legacy_audit.new_values_json = R"({"setting_value":"1"})";
  legacy_audit.actor = "U1";
  legacy_audit.change_time = now - absl::Hours(24);
  absl::StatusOr<ImportOutcome> outcome = store_->importer->ImportBatch(
      {ImportedRow{1, legacy_metric}, ImportedRow{1, legacy_audit}});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_THAT(outcome->imported, ::testing::ElementsAre(true, true));

  // And the store goes on above them.
  created = repo.CreatePerformanceMetrics({own});
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_GT(created->front().id, sql::kFirstStoreId);
}

INSTANTIATE_TEST_SUITE_P(Backends, ImporterConformanceTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

}  // namespace
}  // namespace opsbrain::testing
