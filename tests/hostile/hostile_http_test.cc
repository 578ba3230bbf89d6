// The hostile HTTP corpus (tests/hostile/corpus/, described in README.md)
// against the real gateway, with bearer tokens, in front of the real
// storage service on a SQLite file.
//
// Each case goes over its own raw TCP connection. It must get what its
// file expects: a 4xx with the JSON error body, or (where HTTP allows no
// answer) a closed connection; never a 5xx, never a hang. Cases whose
// hostile strings are well-formed data must be stored byte for byte. The
// gateway must stay up and keep serving normal requests throughout, and
// the records the suite seeded must be unchanged at the end.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "tests/gateway/http_test_client.h"
#include "tests/gateway_production/production_stack.h"
#include "tests/hostile/corpus_case.h"
#include "tests/hostile/raw_exchange.h"
#include "tests/hostile/store_snapshot.h"
#include "tests/util/subprocess.h"

namespace opsbrain::hostile {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::opsbrain::gateway::testing::ExpectCleanLogs;
using ::opsbrain::gateway::testing::HttpTestClient;
using ::opsbrain::gateway::testing::LogRecord;
using ::opsbrain::gateway::testing::ProductionStack;
using ::opsbrain::gateway::testing::TestResponse;

// The gateway's read timeout in this test: what bounds a slow-loris.
constexpr absl::Duration kReadTimeout = absl::Seconds(2);
// How long a case may take; a case still open then is a hang.
constexpr absl::Duration kCaseTimeout = absl::Seconds(5);
// A slow-loris must be closed by the read timeout plus this.
constexpr absl::Duration kCloseSlack = absl::Seconds(3);
constexpr absl::Duration kTrickleInterval = absl::Milliseconds(50);
// A normal request after every this many cases.
constexpr int kProbeEvery = 20;
constexpr int kMinCases = 300;
// The categories issue 9 names; each must have cases.
constexpr const char* kRequiredCategories[] = {
    "request_line",
    "content_length_transfer_encoding",
    "smuggling",
    "header_flood",
    "slow_loris",
    "path_traversal",
    "percent_encoding",
    "json_invalid_utf8",
    "json_nesting",
    "huge_numbers",
    "json_duplicate_keys",
    "injection",
    "auth",
};
// A sensitive value the suite stores: no log line may hold it.
constexpr char kSeededSecret[] = "hostile-suite-sensitive-Zq8v1Lw3";

// Records the corpus itself writes have keys, ids, names or user ids that
// start with this; the snapshot leaves them (and their audit rows) out.
constexpr char kHostilePrefix[] = "hostile";

std::string CorpusRoot() {
  return opsbrain::testing::RunfilePath("tests/hostile/corpus");
}

bool IsHostileRecord(const Struct& record) {
  for (const char* field :
       {"key", "id", "name", "userId", "threadKey", "recordId", "channelId"}) {
    const auto it = record.fields().find(field);
    if (it != record.fields().end() &&
        absl::StartsWith(it->second.string_value(), kHostilePrefix)) {
      return true;
    }
  }
  return false;
}

// The value at `path` ("a", "a[0]", "a.k") of `record`, or null.
const Value* FieldAt(const Struct& record, absl::string_view path) {
  std::string name(path);
  int index = -1;
  std::string member;
  if (const size_t bracket = name.find('['); bracket != std::string::npos) {
    if (!absl::SimpleAtoi(name.substr(bracket + 1, name.size() - bracket - 2),
                          &index)) {
      return nullptr;
    }
    name.resize(bracket);
  } else if (const size_t dot = name.find('.'); dot != std::string::npos) {
    member = name.substr(dot + 1);
    name.resize(dot);
  }
  const auto it = record.fields().find(name);
  if (it == record.fields().end()) return nullptr;
  const Value* value = &it->second;
  if (index >= 0) {
    if (!value->has_list_value() || value->list_value().values_size() <= index)
      return nullptr;
    return &value->list_value().values(index);
  }
  if (!member.empty()) {
    if (!value->has_struct_value()) return nullptr;
    const auto inner = value->struct_value().fields().find(member);
    return inner == value->struct_value().fields().end() ? nullptr
                                                         : &inner->second;
  }
  return value;
}

// What became of one case, for the summary.
struct Tally {
  int cases = 0;
  int answered_4xx = 0;
  int closed_unanswered = 0;
  int stored_2xx = 0;
  int empty_list_2xx = 0;
  int normalised = 0;
  int non_4xx = 0;  // Any other answer: each is a failure.
  int server_errors = 0;
  int failed = 0;
};

class HostileHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ProductionStack>> stack =
        ProductionStack::Start(
            {absl::StrCat("--read_timeout=",
                          absl::FormatDuration(kReadTimeout)),
             "--rate_limit=0"});
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    LogRecord::Get().AddSecret(kSeededSecret);
  }

  // A GET as the admin (who may read secrets): the body of a 200.
  absl::StatusOr<std::string> AdminGet(const std::string& target) {
    HttpTestClient client(stack_->gateway->port());
    absl::StatusOr<TestResponse> response = client.Send(
        "GET", target, "",
        {{"Authorization", absl::StrCat("Bearer ", stack_->admin.token)}});
    if (!response.ok()) return response.status();
    if (response->status != 200) {
      return absl::InternalError(absl::StrCat(
          "GET ", target, ": ", response->status, " ", response->body));
    }
    return response->body;
  }

  void Seed() {
    const auto patch = [this](const std::string& target,
                              const std::string& body) {
      stack_->Ok(stack_->writer, "PATCH",
                 absl::StrCat(target, "?allowMissing=true"), body);
    };
    for (int i = 1; i <= 3; ++i) {
      patch(absl::StrCat("/v1/configurations/seed-config-", i),
            absl::StrCat(R"({"value":"value )", i,
                         R"(","category":"general","description":"d"})"));
    }
    patch("/v1/configurations/seed-secret",
          absl::StrCat(R"({"value":")", kSeededSecret,
                       R"(","category":"api","isSensitive":true})"));
    patch("/v1/appSettings/seed-setting",
          R"({"value":"true","type":"BOOLEAN"})");
    patch("/v1/users/seed-user/preferences/theme", R"({"value":"dark"})");
    patch("/v1/businessGoals/seed-goal",
          R"({"title":"Grow","area":"sales","priority":3,)"
          R"("successMetrics":{"revenue":"10%"},"weeklyActions":["call"]})");
    patch("/v1/threadContexts/seed-channel:1700000000.000100",
          R"({"messages":["User: hello","OpsBrain: hi"]})");
    stack_->Ok(stack_->writer, "POST", "/v1/performanceMetrics",
               R"({"name":"seed-metric","value":1.5,"unit":"ms"})");
  }

  absl::StatusOr<Snapshot> Snap() {
    return TakeSnapshot(
        {"/v1/configurations", "/v1/appSettings", "/v1/businessGoals",
         "/v1/users/seed-user/preferences",
         "/v1/channels/seed-channel/threadContexts", "/v1/auditEntries",
         "/v1/performanceMetrics"},
        [this](const std::string& target) { return AdminGet(target); },
        IsHostileRecord);
  }

  // A normal request still works.
  void ExpectServing(const std::string& after) {
    TestResponse response = stack_->Http(&stack_->reader, "GET",
                                         "/v1/configurations/seed-config-1");
    EXPECT_EQ(response.status, 200)
        << "after " << after << ": " << response.body;
  }

  // Checks one case; returns what is wrong with its outcome ("" if
  // nothing) and counts it in `tally`.
  std::string Run(const CorpusCase& c, Tally* tally);

  std::string CheckStored(const CorpusCase& c);

  std::unique_ptr<ProductionStack> stack_;
};

// A gateway 4xx: JSON google.rpc.Status body.
std::string Check4xx(const RawResponse& response) {
  if (response.status < 400 || response.status > 499) {
    return absl::StrCat("answered ", response.status, ": ",
                        response.body.substr(0, 200));
  }
  if (!absl::StartsWith(response.Header("Content-Type"), "application/json")) {
    return absl::StrCat(response.status, " without a JSON body");
  }
  absl::StatusOr<Struct> body = ParseObject(response.body);
  if (!body.ok() || !body->fields().contains("code") ||
      !body->fields().contains("message")) {
    return absl::StrCat(response.status,
                        " body is not a google.rpc.Status: ", response.body);
  }
  return "";
}

std::string HostileHttpTest::CheckStored(const CorpusCase& c) {
  absl::StatusOr<std::string> body = AdminGet(c.readback);
  if (!body.ok()) return std::string(body.status().message());
  absl::StatusOr<Struct> object = ParseObject(*body);
  if (!object.ok()) return std::string(object.status().message());
  Struct record = *object;
  // A list response (metrics by name; it always has a nextPageToken, empty
  // or not): its one record.
  if (object->fields().contains("nextPageToken")) {
    for (const auto& [name, value] : object->fields()) {
      if (!value.has_list_value()) continue;
      if (value.list_value().values_size() != 1) {
        return absl::StrCat(c.readback, " lists ",
                            value.list_value().values_size(), " records");
      }
      record = value.list_value().values(0).struct_value();
    }
  }
  for (const auto& [path, expected] : c.fields) {
    const Value* value = FieldAt(record, path);
    if (value == nullptr) return absl::StrCat(path, " missing in ", *body);
    const std::string got = value->has_number_value()
                                ? absl::StrCat(value->number_value())
                                : value->string_value();
    if (got != expected) {
      return absl::StrCat(path, " reads back as ", CanonicalJson(*value),
                          ", not as sent");
    }
  }
  return "";
}

std::string HostileHttpTest::Run(const CorpusCase& c, Tally* tally) {
  ++tally->cases;
  absl::StatusOr<std::string> bytes = RequestBytes(c, stack_->writer.token);
  if (!bytes.ok()) return std::string(bytes.status().message());

  const bool trickle = c.mode == Mode::kTrickle;
  absl::StatusOr<RawExchange> exchange =
      trickle ? Trickle(stack_->gateway->port(), *bytes, kTrickleInterval,
                        kReadTimeout + kCloseSlack + absl::Seconds(1))
              : SendAll(stack_->gateway->port(), *bytes, kCaseTimeout);
  if (!exchange.ok()) return std::string(exchange.status().message());

  for (const RawResponse& response : exchange->responses) {
    if (response.status >= 500) ++tally->server_errors;
  }
  if (!exchange->trailing.empty()) {
    return absl::StrCat("unparseable answer: ",
                        exchange->trailing.substr(0, 100));
  }
  if (!exchange->closed) {
    return absl::StrCat("connection still open after ",
                        absl::FormatDuration(exchange->elapsed));
  }
  const std::vector<RawResponse>& responses = exchange->responses;
  if (responses.size() > 1) {
    ++tally->non_4xx;
    return absl::StrCat(responses.size(),
                        " answers: a second request was read (smuggling); "
                        "the second is ",
                        responses[1].status);
  }

  switch (c.expect) {
    case Expect::k4xx:
    case Expect::k4xxOrClose:
    case Expect::kTimeoutClose: {
      if (responses.empty()) {
        if (c.expect == Expect::k4xx) {
          ++tally->non_4xx;
          return "closed without an answer";
        }
        if (trickle && exchange->elapsed > kReadTimeout + kCloseSlack) {
          return absl::StrCat("closed only after ",
                              absl::FormatDuration(exchange->elapsed));
        }
        ++tally->closed_unanswered;
        return "";
      }
      std::string problem = Check4xx(responses[0]);
      if (!problem.empty()) {
        ++tally->non_4xx;
        return problem;
      }
      ++tally->answered_4xx;
      return "";
    }
    case Expect::kNormalised: {
      if (responses.empty()) return "closed without an answer";
      if (responses[0].status >= 500) {
        return absl::StrCat("answered ", responses[0].status);
      }
      ++tally->normalised;
      return "";
    }
    case Expect::kStored:
    case Expect::kEmptyList: {
      if (responses.empty() || responses[0].status != 200) {
        ++tally->non_4xx;
        return responses.empty()
                   ? "closed without an answer"
                   : absl::StrCat("answered ", responses[0].status, ": ",
                                  responses[0].body.substr(0, 200));
      }
      if (c.expect == Expect::kStored) {
        ++tally->stored_2xx;
        return CheckStored(c);
      }
      ++tally->empty_list_2xx;
      absl::StatusOr<Struct> body = ParseObject(responses[0].body);
      if (!body.ok()) return std::string(body.status().message());
      for (const auto& [name, value] : body->fields()) {
        if (value.has_list_value() && value.list_value().values_size() > 0) {
          return absl::StrCat("the filter matched ",
                              value.list_value().values_size(), " records");
        }
      }
      return "";
    }
  }
  return "unknown expectation";
}

TEST_F(HostileHttpTest, EveryCaseIsRefusedAndTheStoreIsUnchanged) {
  absl::StatusOr<std::vector<CorpusCase>> corpus = LoadCorpus(CorpusRoot());
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  ASSERT_GE(corpus->size(), kMinCases);
  std::map<std::string, Tally> tallies;
  for (const CorpusCase& c : *corpus) tallies[c.category];
  for (const char* category : kRequiredCategories) {
    EXPECT_TRUE(tallies.count(category)) << "no cases in " << category;
  }

  Seed();
  absl::StatusOr<Snapshot> before = Snap();
  ASSERT_TRUE(before.ok()) << before.status();

  int run = 0;
  for (const CorpusCase& c : *corpus) {
    const std::string label = absl::StrCat(c.category, "/", c.name);
    Tally& tally = tallies[c.category];
    const std::string problem = Run(c, &tally);
    if (!problem.empty()) {
      ++tally.failed;
      ADD_FAILURE() << label << " (" << c.note << ", expect "
                    << ExpectName(c.expect) << "): " << problem;
    }
    ASSERT_TRUE(stack_->gateway->process().Running())
        << "the gateway died on " << label;
    if (++run % kProbeEvery == 0) ExpectServing(label);
  }
  ExpectServing("the last case");

  absl::StatusOr<Snapshot> after = Snap();
  ASSERT_TRUE(after.ok()) << after.status();
  for (const auto& [target, records] : *before) {
    EXPECT_EQ(after->at(target), records) << target << " changed";
    EXPECT_FALSE(records.empty()) << target << " holds no seeded record";
  }

  // The summary for the closing note.
  Tally total;
  std::string table = absl::StrFormat(
      "%-34s %6s %6s %7s %7s %7s %5s %8s %4s %6s\n", "category", "cases", "4xx",
      "closed", "stored", "empty", "norm", "non-4xx", "5xx", "failed");
  for (const auto& [category, t] : tallies) {
    absl::StrAppendFormat(&table, "%-34s %6d %6d %7d %7d %7d %5d %8d %4d %6d\n",
                          category, t.cases, t.answered_4xx,
                          t.closed_unanswered, t.stored_2xx, t.empty_list_2xx,
                          t.normalised, t.non_4xx, t.server_errors, t.failed);
    total.cases += t.cases;
    total.answered_4xx += t.answered_4xx;
    total.closed_unanswered += t.closed_unanswered;
    total.stored_2xx += t.stored_2xx;
    total.empty_list_2xx += t.empty_list_2xx;
    total.normalised += t.normalised;
    total.non_4xx += t.non_4xx;
    total.server_errors += t.server_errors;
    total.failed += t.failed;
  }
  absl::StrAppendFormat(&table, "%-34s %6d %6d %7d %7d %7d %5d %8d %4d %6d\n",
                        "total", total.cases, total.answered_4xx,
                        total.closed_unanswered, total.stored_2xx,
                        total.empty_list_2xx, total.normalised, total.non_4xx,
                        total.server_errors, total.failed);
  std::cout << "hostile HTTP corpus summary\n" << table << std::flush;
  EXPECT_EQ(total.non_4xx, 0);
  EXPECT_EQ(total.server_errors, 0);

  // Hostile input put no token or secret into any log line, and every
  // gateway line is still one JSON object.
  stack_.reset();
  ExpectCleanLogs(kMinCases);
}

}  // namespace
}  // namespace opsbrain::hostile
