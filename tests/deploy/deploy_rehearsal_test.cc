// A rehearsal of what a deploy platform does to OpsBrain Store, with the
// real binaries on loopback and a throwaway PostgreSQL as the managed
// database: the first deploy of an OpsBrain that still has its legacy
// SQLite file, writes through two gateways, and a redeploy that throws
// away every service's file system. The data must survive, once.
//
// The steps are the platform's (deploy/render.yaml, deploy/kubernetes):
//   pre-deploy   migrator --own-storage=storage_service deploy, with
//                DATABASE_URL and LEGACY_DB, in a fresh working directory;
//                STORAGE_ADDR points at nothing, so the step can only have
//                used its own storage service
//   release      two storage service replicas, two gateways (one per
//                replica), each in its own fresh working directory,
//                configured by environment variables; ready when the
//                image's health probe (healthcheck) says so
//   redeploy     the pre-deploy step again while the old release serves,
//                then SIGTERM to every old process, its working directory
//                deleted, and a new release in new directories
#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/conformance/test_store.h"
#include "tests/deploy/deploy_env.h"

namespace opsbrain::testing::deploy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A test-only secret; the gateways hold its hash in the token file.
constexpr char kToken[] = "opsb_rehearsal-admin-4dM5eN6fO7gP8hQ9iR0jS1kT2lU";

// What a client lists through a gateway, each record as its JSON, by
// collection. Fixture threads are left out: some expire while the test
// runs.
using Snapshot = std::map<std::string, std::vector<std::string>>;

constexpr const char* kCollections[] = {
    "/v1/configurations",
    "/v1/businessGoals",
    "/v1/appSettings",
    "/v1/auditEntries",
    "/v1/performanceMetrics",
    "/v1/users/UREHEARSAL/preferences",
    "/v1/channels/CREHEARSAL/threadContexts",
};

struct Release {
  std::vector<Service> storage;
  std::vector<Service> gateways;
};

// `value` as JSON with its object keys in order, so that equal records
// give equal text.
std::string Canonical(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStructValue: {
      std::map<std::string, const google::protobuf::Value*> fields;
      for (const auto& [name, field] : value.struct_value().fields()) {
        fields[name] = &field;
      }
      std::string out = "{";
      for (const auto& [name, field] : fields) {
        absl::StrAppend(&out, out.size() > 1 ? "," : "", "\"", name,
                        "\":", Canonical(*field));
      }
      return out + "}";
    }
    case google::protobuf::Value::kListValue: {
      std::string out = "[";
      for (const google::protobuf::Value& item : value.list_value().values()) {
        absl::StrAppend(&out, out.size() > 1 ? "," : "", Canonical(item));
      }
      return out + "]";
    }
    default: {
      std::string json;
      (void)google::protobuf::util::MessageToJsonString(value, &json);
      return json;
    }
  }
}

// The records of `a` that `b` lacks.
std::vector<std::string> Missing(const std::vector<std::string>& a,
                                 const std::vector<std::string>& b) {
  std::vector<std::string> missing;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(),
                      std::back_inserter(missing));
  return missing;
}

class DeployRehearsalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = NewDatabaseUrl(Backend::kPostgres);
    ASSERT_TRUE(url.ok()) << url.status();
    database_url_ = *url;

    // What the platform keeps across deploys besides the database: its
    // secret store (the token file, the legacy file).
    secrets_ = NewDirectory("platform-secrets");
    legacy_db_ = absl::StrCat(secrets_, "/opsbrain.db");
    ASSERT_TRUE(CopyLegacyFixture(legacy_db_).ok());
    tokens_file_ = absl::StrCat(secrets_, "/gateway-tokens");
    ASSERT_TRUE(
        WriteFile(tokens_file_,
                  TokenFileLine("rehearsal-admin", kToken, "admin") + "\n")
            .ok());
  }

  // The pre-deploy step, as deploy/render.yaml runs it.
  ProcessRun PreDeploy(const std::string& name) {
    return RunToEnd(MigratorBinary(),
                    {absl::StrCat("--own-storage=", StorageBinary()), "deploy"},
                    {{"DATABASE_URL", database_url_},
                     {"LEGACY_DB", legacy_db_},
                     {"STORAGE_ADDR", "127.0.0.1:1"}},
                    NewDirectory(name));
  }

  // Two storage service replicas and a gateway in front of each, every
  // process in a fresh working directory, ready by the image's probes.
  void StartRelease(const std::string& name, Release* release) {
    for (int i = 0; i < 2; ++i) {
      absl::StatusOr<Service> storage = StartService(
          StorageBinary(), {},
          {{"DATABASE_URL", database_url_}, {"STORAGE_LISTEN", "127.0.0.1:0"}},
          NewDirectory(absl::StrCat(name, "-storage-", i)));
      ASSERT_TRUE(storage.ok()) << storage.status();
      ProcessRun ready =
          AwaitHealthy({absl::StrCat("--port=", storage->port), "grpc"});
      ASSERT_EQ(ready.exit_code, 0) << ready.output;
      release->storage.push_back(*std::move(storage));
    }
    for (int i = 0; i < 2; ++i) {
      absl::StatusOr<Service> gateway =
          StartService(GatewayBinary(), {},
                       {{"PORT", "0"},
                        {"GATEWAY_BIND_ADDRESS", "127.0.0.1"},
                        {"STORAGE_ADDR", release->storage[i].address()},
                        {"GATEWAY_STORAGE_PLAINTEXT", "true"},
                        {"GATEWAY_AUTH_TOKENS_FILE", tokens_file_},
                        {"GATEWAY_LOG_FORMAT", "text"},
                        {"GATEWAY_THREADS", "2"}},
                       NewDirectory(absl::StrCat(name, "-gateway-", i)));
      ASSERT_TRUE(gateway.ok()) << gateway.status();
      ProcessRun ready = AwaitHealthy(
          {absl::StrCat("--port=", gateway->port), "http", "/readyz"});
      ASSERT_EQ(ready.exit_code, 0) << ready.output;
      release->gateways.push_back(*std::move(gateway));
    }
  }

  // SIGTERM to the gateways, then to the storage service replicas; each
  // must stop cleanly.
  void StopRelease(Release* release) {
    for (std::vector<Service>* services :
         {&release->gateways, &release->storage}) {
      for (Service& service : *services) {
        absl::StatusOr<int> code = StopService(service);
        ASSERT_TRUE(code.ok()) << code.status();
        EXPECT_EQ(*code, 0) << service.process->output();
      }
    }
  }

  // A request that must answer 200; its body.
  std::string Ok(int port, const std::string& method, const std::string& target,
                 const std::string& body = "") {
    absl::StatusOr<HttpResponse> response =
        Http(port, method, target, body, kToken);
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return "";
    EXPECT_EQ(response->status, 200)
        << method << " " << target << ": " << response->body;
    return response->body;
  }

  // Every page of `collection`, each record as its JSON.
  std::vector<std::string> ListAll(int port, const std::string& collection) {
    std::vector<std::string> records;
    std::string page_token;
    for (int page = 0; page < 100; ++page) {
      std::string target = absl::StrCat(collection, "?pageSize=1000");
      if (!page_token.empty()) {
        absl::StrAppend(&target, "&pageToken=", page_token);
      }
      google::protobuf::Struct answer;
      const std::string body = Ok(port, "GET", target);
      EXPECT_TRUE(
          google::protobuf::util::JsonStringToMessage(body, &answer).ok())
          << body;
      page_token.clear();
      for (const auto& [field, value] : answer.fields()) {
        if (field == "nextPageToken") {
          page_token = value.string_value();
          continue;
        }
        for (const google::protobuf::Value& record :
             value.list_value().values()) {
          records.push_back(Canonical(record));
        }
      }
      if (page_token.empty()) break;
    }
    std::sort(records.begin(), records.end());
    return records;
  }

  Snapshot Read(int port) {
    Snapshot snapshot;
    for (const char* collection : kCollections) {
      snapshot[collection] = ListAll(port, collection);
    }
    return snapshot;
  }

  std::string database_url_;
  std::string secrets_;
  std::string legacy_db_;
  std::string tokens_file_;
};

TEST_F(DeployRehearsalTest, RecordsSurviveARedeployAndNothingIsImportedTwice) {
  const absl::StatusOr<std::string> legacy_before = ReadFile(legacy_db_);
  ASSERT_TRUE(legacy_before.ok());

  // First deploy: the schema is created and the legacy file imported.
  ProcessRun first = PreDeploy("deploy-1-predeploy");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("Applied migration 1"));
  EXPECT_THAT(first.output, HasSubstr("Verification passed"));
  EXPECT_THAT(first.output, HasSubstr("own storage service stopped"));
  EXPECT_EQ(ReadFile(legacy_db_).value_or(""), *legacy_before)
      << "the pre-deploy step only reads the legacy file";

  Release old_release;
  ASSERT_NO_FATAL_FAILURE(StartRelease("deploy-1", &old_release));
  const int gateway_a = old_release.gateways[0].port;
  const int gateway_b = old_release.gateways[1].port;

  // Writes through both gateways (so through both replicas), new records
  // only: the legacy rows must stay as imported for the next deploy's
  // import to verify them.
  Ok(gateway_a, "PATCH", "/v1/configurations/rehearsal_a?allowMissing=true",
     R"({"value":"written through gateway A","category":"general"})");
  Ok(gateway_a, "PATCH", "/v1/businessGoals/rehearsal_goal?allowMissing=true",
     R"({"title":"Keep data across deploys","area":"product",)"
     R"("status":"in_progress","priority":3})");
  Ok(gateway_a, "PATCH", "/v1/appSettings/rehearsal_flag?allowMissing=true",
     R"({"value":"true","type":"BOOLEAN"})");
  Ok(gateway_a, "PATCH",
     "/v1/threadContexts/CREHEARSAL:1712345678.000100?allowMissing=true",
     R"({"messages":["User: still there after a deploy?"]})");
  Ok(gateway_b, "PATCH", "/v1/configurations/rehearsal_b?allowMissing=true",
     R"({"value":"written through gateway B","category":"general"})");
  Ok(gateway_b, "PATCH",
     "/v1/users/UREHEARSAL/preferences/timezone?allowMissing=true",
     R"({"value":"Europe/Paris"})");
  Ok(gateway_b, "POST", "/v1/performanceMetrics",
     R"({"name":"rehearsal_latency","value":1.5,"unit":"seconds"})");
  Ok(gateway_b, "PATCH", "/v1/configurations/rehearsal_a?updateMask=value",
     R"({"value":"changed through gateway B"})");
  EXPECT_THAT(Ok(gateway_a, "GET", "/v1/configurations/rehearsal_a"),
              HasSubstr("changed through gateway B"));

  const Snapshot before = Read(gateway_a);
  const Snapshot through_b = Read(gateway_b);
  for (const char* collection : kCollections) {
    EXPECT_THAT(Missing(before.at(collection), through_b.at(collection)),
                IsEmpty())
        << collection << ": both replicas see one database";
  }
  EXPECT_EQ(before.at("/v1/users/UREHEARSAL/preferences").size(), 1);
  EXPECT_EQ(before.at("/v1/channels/CREHEARSAL/threadContexts").size(), 1);
  EXPECT_THAT(absl::StrJoin(before.at("/v1/configurations"), "\n"),
              HasSubstr(R"("key":"app_name")"))
      << "the legacy rows were imported";
  EXPECT_GT(before.at("/v1/auditEntries").size(), 10)
      << "the legacy audit rows and the writes above";
  EXPECT_GT(before.at("/v1/performanceMetrics").size(), 1);

  // Redeploy, step 1: the pre-deploy step while the old release serves.
  ProcessRun second = PreDeploy("deploy-2-predeploy");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("Nothing to do: no pending migrations"));
  EXPECT_THAT(second.output, HasSubstr("Nothing added or changed"));
  EXPECT_THAT(Ok(gateway_b, "GET", "/v1/configurations/rehearsal_b"),
              HasSubstr("written through gateway B"))
      << "the old release serves on during the pre-deploy step";

  // Step 2: the old release stops, and its file systems go.
  ASSERT_NO_FATAL_FAILURE(StopRelease(&old_release));
  for (std::vector<Service>* services :
       {&old_release.gateways, &old_release.storage}) {
    for (const Service& service : *services) {
      EXPECT_THAT(ListDirectory(service.working_directory), IsEmpty())
          << "nothing kept on the ephemeral file system";
      ASSERT_TRUE(RemoveTree(service.working_directory).ok());
    }
  }

  // Step 3: a new release in new directories; everything is still there,
  // once, through each new gateway.
  Release new_release;
  ASSERT_NO_FATAL_FAILURE(StartRelease("deploy-2", &new_release));
  for (const Service& gateway : new_release.gateways) {
    const Snapshot after = Read(gateway.port);
    for (const char* collection : kCollections) {
      EXPECT_EQ(after.at(collection).size(), before.at(collection).size())
          << collection << " through the gateway on port " << gateway.port;
      EXPECT_THAT(Missing(before.at(collection), after.at(collection)),
                  IsEmpty())
          << collection << ": lost in the redeploy";
      EXPECT_THAT(Missing(after.at(collection), before.at(collection)),
                  IsEmpty())
          << collection << ": new after the redeploy";
    }
  }
  EXPECT_THAT(
      Ok(new_release.gateways[1].port, "GET", "/v1/configurations/rehearsal_a"),
      HasSubstr("changed through gateway B"));
  ASSERT_NO_FATAL_FAILURE(StopRelease(&new_release));
}

}  // namespace
}  // namespace opsbrain::testing::deploy
