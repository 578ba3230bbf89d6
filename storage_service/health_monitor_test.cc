#include "storage_service/health_monitor.h"

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage_service/sql/database.h"

namespace opsbrain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Answers Ping as told.
class PingDatabase final : public sql::Database {
 public:
  sql::Dialect dialect() const override { return sql::Dialect::kSqlite; }
  absl::Status RunInTransaction(
      sql::TransactionMode,
      absl::FunctionRef<absl::Status(sql::Transaction&)>) override {
    return absl::UnimplementedError("not here");
  }
  absl::Status Ping() override {
    return up ? absl::OkStatus() : absl::UnavailableError("down");
  }

  std::atomic<bool> up{true};
};

class HealthMonitorTest : public ::testing::Test {
 protected:
  HealthMonitorTest()
      : monitor_(
            &database_, [this] { return schema_current_.load(); }, &registry_) {
    monitor_.SetPublisher(
        [this](bool serving) { published_.push_back(serving); });
  }

  PingDatabase database_;
  std::atomic<bool> schema_current_{false};
  metrics::Registry registry_;
  HealthMonitor monitor_;
  std::vector<bool> published_;
};

TEST_F(HealthMonitorTest, ServingNeedsCurrentSchemaAndAnsweringDatabase) {
  monitor_.Probe();
  EXPECT_THAT(published_, IsEmpty());
  EXPECT_FALSE(monitor_.serving());

  monitor_.SchemaBecameCurrent();
  EXPECT_THAT(published_, ElementsAre(true));

  database_.up = false;
  monitor_.Probe();
  monitor_.Probe();
  EXPECT_THAT(published_, ElementsAre(true, false));
  EXPECT_THAT(registry_.TextExposition(), HasSubstr("opsbrain_database_up 0"));

  database_.up = true;
  monitor_.Probe();
  EXPECT_THAT(published_, ElementsAre(true, false, true));
  EXPECT_THAT(registry_.TextExposition(), HasSubstr("opsbrain_database_up 1"));
}

TEST_F(HealthMonitorTest, ProbeNoticesASchemaMigratedElsewhere) {
  schema_current_ = true;
  monitor_.Probe();
  EXPECT_THAT(published_, ElementsAre(true));
}

TEST_F(HealthMonitorTest, StopPublishesNotServingAndThenNothing) {
  monitor_.SchemaBecameCurrent();
  monitor_.Stop();
  monitor_.Probe();
  monitor_.SchemaBecameCurrent();
  EXPECT_THAT(published_, ElementsAre(true, false));
  EXPECT_FALSE(monitor_.serving());
}

TEST_F(HealthMonitorTest, NewPublisherHearsTheCurrentState) {
  monitor_.SchemaBecameCurrent();
  std::vector<bool> second;
  monitor_.SetPublisher([&](bool serving) { second.push_back(serving); });
  EXPECT_THAT(second, ElementsAre(true));
}

}  // namespace
}  // namespace opsbrain
