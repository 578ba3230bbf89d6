// The effective update mask of each Update request, and the import's masks.
//
// An explicit google.protobuf.FieldMask (snake_case paths, as gRPC sends
// them and as the JSON mapping produces from `updateMask=title,isSensitive`)
// names writable fields only; "*" names all of them (full replacement).
// Unknown paths, nested paths, identity fields (key, id, thread_key,
// user_id) and output-only fields (create_time, update_time, expire_time,
// etag, value_redacted, channel_id, thread_ts) are INVALID_ARGUMENT:
// "update_mask: 'create_time' is output only".
//
// Without a mask (absent, or present with no paths) the mask is implied
// (AIP-134): the writable fields the request sets to a non-default value,
// and the message fields it sets at all. So an update that does not mention
// is_sensitive leaves it as stored; clearing it takes an explicit mask.
//
// Writable fields by record (the domain FieldMask uses these names):
//   Configuration   value, category, description, is_sensitive
//   ThreadContext   messages
//   BusinessGoal    title, description, area, status, priority, target_date,
//                   progress, weekly_actions, daily_actions, success_metrics,
//                   notes
//   AppSetting      value, type, description
//   UserPreference  value
//
// Thread-safe: free functions only.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_FIELD_MASKS_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_FIELD_MASKS_H_

#include "absl/status/statusor.h"
#include "opsbrain/v1/repository.pb.h"
#include "storage_service/repository.h"

namespace opsbrain::service {

absl::StatusOr<FieldMask> ConfigurationUpdateMask(
    const v1::UpdateConfigurationRequest& request);
absl::StatusOr<FieldMask> ThreadContextUpdateMask(
    const v1::UpdateThreadContextRequest& request);
absl::StatusOr<FieldMask> BusinessGoalUpdateMask(
    const v1::UpdateBusinessGoalRequest& request);
absl::StatusOr<FieldMask> AppSettingUpdateMask(
    const v1::UpdateAppSettingRequest& request);
absl::StatusOr<FieldMask> UserPreferenceUpdateMask(
    const v1::UpdateUserPreferenceRequest& request);

// What an import reads of each record: every writable field plus the
// output-only times (create_time, update_time, and expire_time for
// threads), which imports keep as given. For conversions.h only; never pass
// these to the Repository.
const FieldMask& ConfigurationImportMask();
const FieldMask& ThreadContextImportMask();
const FieldMask& BusinessGoalImportMask();
const FieldMask& AppSettingImportMask();
const FieldMask& UserPreferenceImportMask();

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_FIELD_MASKS_H_
