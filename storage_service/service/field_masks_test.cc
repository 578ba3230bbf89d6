#include "storage_service/service/field_masks.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opsbrain/v1/repository.pb.h"
#include "storage_service/repository.h"

namespace opsbrain::service {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

v1::UpdateConfigurationRequest ConfigurationRequest(
    std::vector<std::string> paths) {
  v1::UpdateConfigurationRequest request;
  request.mutable_configuration()->set_key("openai_model");
  for (const std::string& path : paths) {
    request.mutable_update_mask()->add_paths(path);
  }
  return request;
}

TEST(FieldMasksTest, ImpliedMaskHoldsTheNonDefaultFields) {
  v1::UpdateConfigurationRequest request = ConfigurationRequest({});
  request.mutable_configuration()->set_value("gpt-4o");
  request.mutable_configuration()->set_description("model");
  absl::StatusOr<FieldMask> mask = ConfigurationUpdateMask(request);
  ASSERT_TRUE(mask.ok()) << mask.status();
  EXPECT_THAT(mask->paths(), ElementsAre("description", "value"));
}

TEST(FieldMasksTest, ImpliedMaskLeavesIsSensitiveAloneUnlessSet) {
  v1::UpdateConfigurationRequest request = ConfigurationRequest({});
  request.mutable_configuration()->set_value("new secret");
  EXPECT_FALSE(ConfigurationUpdateMask(request)->Has("is_sensitive"));

  request.mutable_configuration()->set_is_sensitive(true);
  EXPECT_TRUE(ConfigurationUpdateMask(request)->Has("is_sensitive"));
}

TEST(FieldMasksTest, ExplicitMaskCanClearIsSensitive) {
  v1::UpdateConfigurationRequest request =
      ConfigurationRequest({"is_sensitive"});
  absl::StatusOr<FieldMask> mask = ConfigurationUpdateMask(request);
  ASSERT_TRUE(mask.ok());
  EXPECT_THAT(mask->paths(), ElementsAre("is_sensitive"));
}

TEST(FieldMasksTest, EmptyExplicitMaskMeansImplied) {
  v1::UpdateConfigurationRequest request = ConfigurationRequest({});
  request.mutable_update_mask();  // Present, no paths.
  request.mutable_configuration()->set_category("api");
  EXPECT_THAT(ConfigurationUpdateMask(request)->paths(),
              ElementsAre("category"));
}

TEST(FieldMasksTest, NothingSetMeansEmptyMask) {
  EXPECT_THAT(ConfigurationUpdateMask(ConfigurationRequest({}))->paths(),
              IsEmpty());
}

TEST(FieldMasksTest, StarNamesEveryWritableField) {
  EXPECT_THAT(ConfigurationUpdateMask(ConfigurationRequest({"*"}))->paths(),
              ElementsAre("category", "description", "is_sensitive", "value"));
}

TEST(FieldMasksTest, DuplicatePathsCollapse) {
  EXPECT_THAT(ConfigurationUpdateMask(ConfigurationRequest({"value", "value"}))
                  ->paths(),
              ElementsAre("value"));
}

struct BadPath {
  std::string path;
  std::string message;
};

TEST(FieldMasksTest, BadPathsAreRejectedNamingThePath) {
  const BadPath cases[] = {
      {"key", "update_mask: 'key' is an identity field and cannot be updated"},
      {"create_time", "update_mask: 'create_time' is output only"},
      {"update_time", "update_mask: 'update_time' is output only"},
      {"etag", "update_mask: 'etag' is output only"},
      {"value_redacted", "update_mask: 'value_redacted' is output only"},
      {"isSensitive",
       "update_mask: 'isSensitive' is not a field of Configuration"},
      {"colour", "update_mask: 'colour' is not a field of Configuration"},
      {"value.length",
       "update_mask: 'value.length' is not a field of Configuration"},
      {"", "update_mask: '' is not a field of Configuration"},
  };
  for (const BadPath& c : cases) {
    absl::StatusOr<FieldMask> mask =
        ConfigurationUpdateMask(ConfigurationRequest({"value", c.path}));
    ASSERT_FALSE(mask.ok()) << c.path;
    EXPECT_EQ(mask.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(mask.status().message(), c.message);
  }
}

TEST(FieldMasksTest, ThreadContextDerivedFieldsAreOutputOnly) {
  for (const char* path : {"channel_id", "thread_ts", "expire_time"}) {
    v1::UpdateThreadContextRequest request;
    request.mutable_update_mask()->add_paths(path);
    EXPECT_EQ(ThreadContextUpdateMask(request).status().message(),
              absl::StrCat("update_mask: '", path, "' is output only"));
  }
  v1::UpdateThreadContextRequest request;
  request.mutable_update_mask()->add_paths("thread_key");
  EXPECT_EQ(ThreadContextUpdateMask(request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FieldMasksTest, ThreadContextImpliedMaskNamesMessages) {
  v1::UpdateThreadContextRequest request;
  request.mutable_thread_context()->set_thread_key("C04");
  EXPECT_THAT(ThreadContextUpdateMask(request)->paths(), IsEmpty());
  request.mutable_thread_context()->add_messages("User: hi");
  EXPECT_THAT(ThreadContextUpdateMask(request)->paths(),
              ElementsAre("messages"));
}

TEST(FieldMasksTest, BusinessGoalImpliedMaskIncludesSetMessages) {
  v1::UpdateBusinessGoalRequest request;
  v1::BusinessGoal* goal = request.mutable_business_goal();
  goal->set_id("sales_1");
  goal->set_title("Grow");
  goal->set_priority(3);
  goal->mutable_target_date();
  goal->mutable_success_metrics();
  goal->add_daily_actions("call");
  EXPECT_THAT(BusinessGoalUpdateMask(request)->paths(),
              ElementsAre("daily_actions", "priority", "success_metrics",
                          "target_date", "title"));
}

TEST(FieldMasksTest, BusinessGoalIdCannotBeMasked) {
  v1::UpdateBusinessGoalRequest request;
  request.mutable_update_mask()->add_paths("id");
  EXPECT_EQ(BusinessGoalUpdateMask(request).status().message(),
            "update_mask: 'id' is an identity field and cannot be updated");
}

TEST(FieldMasksTest, AppSettingImpliedMaskNamesASetType) {
  v1::UpdateAppSettingRequest request;
  request.mutable_app_setting()->set_key("k");
  request.mutable_app_setting()->set_type(v1::AppSetting::BOOLEAN);
  EXPECT_THAT(AppSettingUpdateMask(request)->paths(), ElementsAre("type"));
}

TEST(FieldMasksTest, UserPreferenceIdentityCannotBeMasked) {
  for (const char* path : {"user_id", "key"}) {
    v1::UpdateUserPreferenceRequest request;
    request.mutable_update_mask()->add_paths(path);
    EXPECT_EQ(UserPreferenceUpdateMask(request).status().message(),
              absl::StrCat("update_mask: '", path,
                           "' is an identity field and cannot be updated"));
  }
}

TEST(FieldMasksTest, ImportMasksAddOutputOnlyTimes) {
  EXPECT_THAT(ConfigurationImportMask().paths(),
              ElementsAre("category", "create_time", "description",
                          "is_sensitive", "update_time", "value"));
  EXPECT_THAT(
      ThreadContextImportMask().paths(),
      ElementsAre("create_time", "expire_time", "messages", "update_time"));
  EXPECT_TRUE(BusinessGoalImportMask().Has("success_metrics"));
  EXPECT_TRUE(AppSettingImportMask().Has("type"));
  EXPECT_THAT(UserPreferenceImportMask().paths(),
              ElementsAre("create_time", "update_time", "value"));
}

}  // namespace
}  // namespace opsbrain::service
