#include "tests/migrator/http_record_source.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "opsbrain/v1/records.pb.h"
#include "opsbrain/v1/repository.pb.h"
#include "tests/gateway/http_test_client.h"

namespace opsbrain::testing {
namespace {

using ::opsbrain::gateway::testing::HttpTestClient;
using ::opsbrain::gateway::testing::TestResponse;

// Small enough that the legacy fixture's 500 metrics take several pages.
constexpr int kPageSize = 100;
constexpr int kMaxPages = 100;

// Query parameters by their JSON names; empty values are left out.
using Query = std::vector<std::pair<std::string, std::string>>;

// `text` percent-encoded for a path segment or a query value: every byte
// but RFC 3986's unreserved characters, so ':' in a thread key and '+' in
// a time offset arrive as they are.
std::string Escape(absl::string_view text) {
  std::string escaped;
  for (const char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      escaped.push_back(c);
    } else {
      absl::StrAppendFormat(&escaped, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return escaped;
}

std::string Target(absl::string_view path, const Query& query) {
  std::string target(path);
  absl::string_view separator = "?";
  for (const auto& [name, value] : query) {
    if (value.empty()) continue;
    absl::StrAppend(&target, separator, name, "=", Escape(value));
    separator = "&";
  }
  return target;
}

// RFC 3339, as the gateway reads a Timestamp field of a query.
std::string Rfc3339(absl::Time time) {
  return absl::FormatTime(absl::RFC3339_full, time, absl::UTCTimeZone());
}

// The status of a GET of `target` that did not answer 200.
absl::Status ErrorOf(absl::string_view target, const TestResponse& response) {
  google::rpc::Status body;
  const std::string message =
      google::protobuf::util::JsonStringToMessage(response.body, &body).ok()
          ? body.message()
          : response.body;
  absl::StatusCode code = CodeFromHttpStatus(response.status);
  // A read answers 200 with a body; another success is no answer either.
  if (code == absl::StatusCode::kOk) code = absl::StatusCode::kInternal;
  return absl::Status(code, absl::StrCat("GET ", target, ": HTTP ",
                                         response.status, ": ", message));
}

class HttpRecordSource final : public RecordSource {
 public:
  HttpRecordSource(int port, TokensByScopes tokens)
      : client_(port), tokens_(std::move(tokens)) {}

  absl::StatusOr<std::vector<v1::Configuration>> ListConfigurations(
      const std::string& scopes) override {
    return List(scopes, "/v1/configurations", {},
                &v1::ListConfigurationsResponse::configurations);
  }

  absl::StatusOr<v1::Configuration> GetConfiguration(
      const std::string& key) override {
    return Get<v1::Configuration>(
        "read", absl::StrCat("/v1/configurations/", Escape(key)));
  }

  absl::StatusOr<std::vector<v1::BusinessGoal>> ListBusinessGoals(
      const std::string& area, const std::string& status) override {
    return List("read", "/v1/businessGoals",
                {{"area", area}, {"status", status}},
                &v1::ListBusinessGoalsResponse::business_goals);
  }

  absl::StatusOr<std::vector<v1::AppSetting>> ListAppSettings() override {
    return List("read", "/v1/appSettings", {},
                &v1::ListAppSettingsResponse::app_settings);
  }

  absl::StatusOr<v1::UserPreference> GetUserPreference(
      const std::string& user_id, const std::string& key) override {
    return Get<v1::UserPreference>(
        "read", absl::StrCat("/v1/users/", Escape(user_id), "/preferences/",
                             Escape(key)));
  }

  absl::StatusOr<v1::ThreadContext> GetThreadContext(
      const std::string& thread_key) override {
    return Get<v1::ThreadContext>(
        "read", absl::StrCat("/v1/threadContexts/", Escape(thread_key)));
  }

  absl::StatusOr<std::vector<v1::AuditEntry>> ListAuditEntries() override {
    return List("read", "/v1/auditEntries", {},
                &v1::ListAuditEntriesResponse::audit_entries);
  }

  absl::StatusOr<std::vector<v1::PerformanceMetric>> ListPerformanceMetrics(
      std::optional<absl::Time> start, std::optional<absl::Time> end) override {
    Query query;
    if (start.has_value()) query.emplace_back("startTime", Rfc3339(*start));
    if (end.has_value()) query.emplace_back("endTime", Rfc3339(*end));
    return List("read", "/v1/performanceMetrics", std::move(query),
                &v1::ListPerformanceMetricsResponse::performance_metrics);
  }

 private:
  // GETs `target` as the caller with `scopes` and parses the 200 body.
  template <typename Message>
  absl::StatusOr<Message> Get(const std::string& scopes,
                              const std::string& target) {
    const auto token = tokens_.find(scopes);
    if (token == tokens_.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("no token with the scopes '", scopes, "'"));
    }
    absl::StatusOr<TestResponse> response = client_.Send(
        "GET", target, "",
        {{"Authorization", absl::StrCat("Bearer ", token->second)}});
    if (!response.ok()) return response.status();
    if (response->status != 200) return ErrorOf(target, *response);

    Message message;
    const auto parsed =
        google::protobuf::util::JsonStringToMessage(response->body, &message);
    if (!parsed.ok()) {
      return absl::InternalError(absl::StrCat(
          "GET ", target, ": not a ", Message::descriptor()->full_name(), ": ",
          parsed.message().as_string(), ": ", response->body));
    }
    return message;
  }

  // GETs `path` with `query` page by page until nextPageToken is empty,
  // and returns the `records` of every page.
  template <typename Response, typename Record>
  absl::StatusOr<std::vector<Record>> List(
      const std::string& scopes, absl::string_view path, Query query,
      const google::protobuf::RepeatedPtrField<Record>& (Response::*records)()
          const) {
    query.emplace_back("pageSize", absl::StrCat(kPageSize));
    std::vector<Record> all;
    std::string page_token;
    for (int page = 0; page < kMaxPages; ++page) {
      Query page_query = query;
      page_query.emplace_back("pageToken", page_token);
      absl::StatusOr<Response> response =
          Get<Response>(scopes, Target(path, page_query));
      if (!response.ok()) return response.status();
      const google::protobuf::RepeatedPtrField<Record>& items =
          ((*response).*records)();
      all.insert(all.end(), items.begin(), items.end());
      if (response->next_page_token().empty()) return all;
      page_token = response->next_page_token();
    }
    return absl::InternalError(
        absl::StrCat(path, ": more than ", kMaxPages, " pages"));
  }

  HttpTestClient client_;
  const TokensByScopes tokens_;
};

}  // namespace

std::unique_ptr<RecordSource> NewHttpRecordSource(int port,
                                                  TokensByScopes tokens) {
  return std::make_unique<HttpRecordSource>(port, std::move(tokens));
}

absl::StatusCode CodeFromHttpStatus(int http_status) {
  struct HttpCode {
    int http_status;
    absl::StatusCode code;
  };
  static constexpr HttpCode kCodes[] = {
      {400, absl::StatusCode::kInvalidArgument},
      {401, absl::StatusCode::kUnauthenticated},
      {403, absl::StatusCode::kPermissionDenied},
      {404, absl::StatusCode::kNotFound},
      {409, absl::StatusCode::kAborted},
      {429, absl::StatusCode::kResourceExhausted},
      {499, absl::StatusCode::kCancelled},
      {500, absl::StatusCode::kInternal},
      {501, absl::StatusCode::kUnimplemented},
      {503, absl::StatusCode::kUnavailable},
      {504, absl::StatusCode::kDeadlineExceeded},
  };
  if (http_status >= 200 && http_status < 300) return absl::StatusCode::kOk;
  for (const HttpCode& entry : kCodes) {
    if (entry.http_status == http_status) return entry.code;
  }
  return absl::StatusCode::kUnknown;
}

}  // namespace opsbrain::testing
