#include "common/row_digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/json_escape.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "opsbrain/v1/internal.pb.h"
#include "opsbrain/v1/records.pb.h"

namespace opsbrain {
namespace {

using ::google::protobuf::ListValue;
using ::google::protobuf::Struct;
using ::google::protobuf::Value;

// ---- Canonical JSON -------------------------------------------------------

void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  for (char c : text) {
    if (!AppendRequiredJsonEscape(static_cast<unsigned char>(c), out)) {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void AppendJsonValue(const Value& value, std::string* out);

void AppendJsonObject(const Struct& object, std::string* out) {
  // Map iteration order is unspecified; the canonical form sorts keys.
  std::vector<const std::string*> keys;
  keys.reserve(object.fields_size());
  for (const auto& [key, unused] : object.fields()) keys.push_back(&key);
  std::sort(keys.begin(), keys.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });

  out->push_back('{');
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(*keys[i], out);
    out->push_back(':');
    AppendJsonValue(object.fields().at(*keys[i]), out);
  }
  out->push_back('}');
}

void AppendJsonList(const ListValue& list, std::string* out) {
  out->push_back('[');
  for (int i = 0; i < list.values_size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonValue(list.values(i), out);
  }
  out->push_back(']');
}

void AppendJsonValue(const Value& value, std::string* out) {
  switch (value.kind_case()) {
    case Value::kNumberValue:
      absl::StrAppendFormat(out, "%.17g", value.number_value());
      break;
    case Value::kStringValue:
      AppendJsonString(value.string_value(), out);
      break;
    case Value::kBoolValue:
      out->append(value.bool_value() ? "true" : "false");
      break;
    case Value::kStructValue:
      AppendJsonObject(value.struct_value(), out);
      break;
    case Value::kListValue:
      AppendJsonList(value.list_value(), out);
      break;
    case Value::kNullValue:
    case Value::KIND_NOT_SET:
      out->append("null");
      break;
  }
}

// ---- Canonical row form ---------------------------------------------------

// Appends length-prefixed items; see the header for each encoding.
class CanonicalWriter {
 public:
  void Text(std::string_view bytes) {
    absl::StrAppend(&out_, bytes.size(), ":");
    out_.append(bytes.data(), bytes.size());
  }
  void Int(int64_t value) { Text(absl::StrCat(value)); }
  void Bool(bool value) { Text(value ? "1" : "0"); }
  void Double(double value) { Text(absl::StrFormat("%.17g", value)); }

  void Time(const google::protobuf::Timestamp& time) {
    // Unsigned arithmetic wraps instead of overflowing on absurd seconds;
    // the result stays deterministic either way.
    uint64_t micros = static_cast<uint64_t>(time.seconds()) * 1000000u;
    int64_t nanos = time.nanos();
    int64_t sub = nanos >= 0 ? nanos / 1000 : -((-nanos + 999) / 1000);
    Int(static_cast<int64_t>(micros + static_cast<uint64_t>(sub)));
  }

  void Date(bool present, const v1::Date& date) {
    if (!present ||
        (date.year() == 0 && date.month() == 0 && date.day() == 0)) {
      Text("");
      return;
    }
    Text(absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(),
                         date.day()));
  }

  void Strings(const google::protobuf::RepeatedPtrField<std::string>& items) {
    Int(items.size());
    for (const std::string& item : items) Text(item);
  }

  void Json(bool present, const Struct& value) {
    Text(present ? CanonicalJson(value) : "");
  }

  std::string Finish() { return std::move(out_); }

 private:
  std::string out_;
};

std::string SettingTypeName(int type) {
  switch (type) {
    case v1::AppSetting::TYPE_UNSPECIFIED:
    case v1::AppSetting::STRING:
      return "string";
    case v1::AppSetting::BOOLEAN:
      return "boolean";
    case v1::AppSetting::INTEGER:
      return "integer";
    case v1::AppSetting::JSON:
      return "json";
  }
  return absl::StrCat(type);
}

std::string AuditActionName(int action) {
  switch (action) {
    case v1::AuditEntry::INSERT:
      return "INSERT";
    case v1::AuditEntry::UPDATE:
      return "UPDATE";
    case v1::AuditEntry::DELETE:
      return "DELETE";
  }
  return absl::StrCat(action);
}

int64_t LegacyId(const v1::ImportedRow& row, int64_t record_id) {
  return row.legacy_id() != 0 ? row.legacy_id() : record_id;
}

void WriteConfiguration(const v1::Configuration& r, CanonicalWriter* w) {
  w->Text("configurations");
  w->Text(r.key());
  w->Text(r.value());
  w->Text(r.category());
  w->Text(r.description());
  w->Bool(r.is_sensitive());
  w->Time(r.create_time());
  w->Time(r.update_time());
}

void WriteThreadContext(const v1::ThreadContext& r, CanonicalWriter* w) {
  w->Text("thread_contexts");
  w->Text(r.thread_key());
  w->Text(r.channel_id());
  w->Text(r.thread_ts());
  w->Strings(r.messages());
  w->Time(r.create_time());
  w->Time(r.update_time());
  w->Time(r.expire_time());
}

void WriteBusinessGoal(const v1::BusinessGoal& r, CanonicalWriter* w) {
  w->Text("business_goals");
  w->Text(r.id());
  w->Text(r.title());
  w->Text(r.description());
  w->Text(r.area());
  w->Text(r.status());
  w->Int(r.priority());
  w->Date(r.has_target_date(), r.target_date());
  w->Int(r.progress());
  w->Strings(r.weekly_actions());
  w->Strings(r.daily_actions());
  // Every stored goal has an object here, so an unset one means "{}".
  w->Json(true, r.success_metrics());
  w->Text(r.notes());
  w->Time(r.create_time());
  w->Time(r.update_time());
}

void WriteAppSetting(const v1::AppSetting& r, CanonicalWriter* w) {
  w->Text("app_settings");
  w->Text(r.key());
  w->Text(r.value());
  w->Text(SettingTypeName(r.type()));
  w->Text(r.description());
  w->Time(r.create_time());
  w->Time(r.update_time());
}

void WriteUserPreference(const v1::UserPreference& r, CanonicalWriter* w) {
  w->Text("user_preferences");
  w->Text(r.user_id());
  w->Text(r.key());
  w->Text(r.value());
  w->Time(r.create_time());
  w->Time(r.update_time());
}

void WriteAuditEntry(const v1::ImportedRow& row, CanonicalWriter* w) {
  const v1::AuditEntry& r = row.audit_entry();
  w->Text("config_audit");
  w->Int(LegacyId(row, r.id()));
  w->Text(r.table_name());
  w->Text(r.record_id());
  w->Text(AuditActionName(r.action()));
  w->Json(r.has_old_values(), r.old_values());
  w->Json(r.has_new_values(), r.new_values());
  w->Text(r.actor());
  w->Time(r.change_time());
}

void WritePerformanceMetric(const v1::ImportedRow& row, CanonicalWriter* w) {
  const v1::PerformanceMetric& r = row.performance_metric();
  w->Text("performance_metrics");
  w->Int(LegacyId(row, r.id()));
  w->Text(r.name());
  w->Double(r.value());
  w->Text(r.unit());
  w->Time(r.time());
  w->Json(r.has_additional_data(), r.additional_data());
}

}  // namespace

std::string CanonicalJson(const Struct& value) {
  std::string out;
  AppendJsonObject(value, &out);
  return out;
}

std::string CanonicalRowForm(const v1::ImportedRow& row) {
  CanonicalWriter writer;
  switch (row.record_case()) {
    case v1::ImportedRow::kConfiguration:
      WriteConfiguration(row.configuration(), &writer);
      break;
    case v1::ImportedRow::kThreadContext:
      WriteThreadContext(row.thread_context(), &writer);
      break;
    case v1::ImportedRow::kBusinessGoal:
      WriteBusinessGoal(row.business_goal(), &writer);
      break;
    case v1::ImportedRow::kAppSetting:
      WriteAppSetting(row.app_setting(), &writer);
      break;
    case v1::ImportedRow::kUserPreference:
      WriteUserPreference(row.user_preference(), &writer);
      break;
    case v1::ImportedRow::kAuditEntry:
      WriteAuditEntry(row, &writer);
      break;
    case v1::ImportedRow::kPerformanceMetric:
      WritePerformanceMetric(row, &writer);
      break;
    case v1::ImportedRow::RECORD_NOT_SET:
      writer.Text("");
      break;
  }
  return writer.Finish();
}

std::string RowDigest(const v1::ImportedRow& row) {
  const std::string form = CanonicalRowForm(row);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // One-shot SHA-256 cannot fail short of memory exhaustion; a zero-length
  // result would still be deterministic, so it is not checked further.
  if (EVP_Digest(form.data(), form.size(), digest, &length, EVP_sha256(),
                 nullptr) != 1) {
    length = 0;
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

void TableDigest::Add(const v1::ImportedRow& row) {
  AddRowDigest(RowDigest(row));
}

void TableDigest::AddRowDigest(std::string_view row_digest) {
  uint64_t prefix = 0;
  for (size_t i = 0; i < 8; ++i) {
    const unsigned char byte =
        i < row_digest.size() ? static_cast<unsigned char>(row_digest[i]) : 0;
    prefix = (prefix << 8) | byte;
  }
  // Unsigned addition wraps, which is the mod 2^64 sum the header promises.
  sum_ += prefix;
  ++row_count_;
}

std::string TableDigest::Checksum() const {
  return absl::StrFormat("%016x", sum_);
}

}  // namespace opsbrain
