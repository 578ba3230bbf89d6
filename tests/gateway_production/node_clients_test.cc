// The gateway and the storage service seen by clients that are not ours,
// over the real binaries on loopback:
// - a standard OpenAPI validator (Node, @apidevtools/swagger-parser) reads
//   the gateway's /openapi.json and finds it valid;
// - a Node gRPC client (@grpc/grpc-js, @grpc/proto-loader) on the storage
//   service and curl through the gateway write and read the same records.
// The npm packages come from tests/openapi/node_modules (`npm ci` there;
// scripts/test.sh does it), hence no sandbox.
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/gateway_production/production_stack.h"
#include "tests/util/subprocess.h"

namespace opsbrain::gateway::testing {
namespace {

using ::opsbrain::testing::RunfilePath;
using ::opsbrain::testing::Subprocess;
using ::testing::HasSubstr;

constexpr char kNode[] = "/usr/bin/node";
constexpr absl::Duration kNodeTimeout = absl::Seconds(60);

// The real path of a runfile (the source tree's file, as the tests run
// without a sandbox), or "" when it does not exist.
std::string RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return "";
  return resolved;
}

// The directory that holds `suffix` as the runfile at `path`.
std::string RootOf(const std::string& path, absl::string_view suffix) {
  const std::string real = RealPath(path);
  if (!absl::EndsWith(real, suffix)) return "";
  return real.substr(0, real.size() - suffix.size());
}

class NodeClientsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<ProductionStack>> stack =
        ProductionStack::Start();
    if (stack.ok()) {
      stack_ = stack->release();
    } else {
      error_ = new std::string(stack.status().ToString());
    }
  }

  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(stack_, nullptr) << (error_ == nullptr ? "" : *error_);
    ASSERT_EQ(access(kNode, X_OK), 0) << kNode << " is missing";
    scripts_ =
        RootOf(RunfilePath("tests/openapi/package.json"), "package.json");
    ASSERT_FALSE(scripts_.empty()) << "tests/openapi is not in the runfiles";
    ASSERT_EQ(
        access(absl::StrCat(scripts_, "node_modules/@grpc/grpc-js").c_str(),
               R_OK),
        0)
        << "the npm packages are missing: run `npm ci` in tests/openapi "
           "(scripts/test.sh does it)";
  }

  // Runs a script of tests/openapi with node; its exit code and output.
  std::pair<int, std::string> RunNode(
      const std::string& script, const std::vector<std::string>& args,
      const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> argv = {kNode, absl::StrCat(scripts_, script)};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<std::unique_ptr<Subprocess>> node =
        Subprocess::Start(argv, env);
    EXPECT_TRUE(node.ok()) << node.status();
    if (!node.ok()) return {-1, ""};
    absl::StatusOr<int> exit_code = (*node)->Wait(kNodeTimeout);
    EXPECT_TRUE(exit_code.ok()) << exit_code.status();
    return {exit_code.value_or(-1), (*node)->output()};
  }

  static ProductionStack* stack_;
  static std::string* error_;
  std::string scripts_;
};

ProductionStack* NodeClientsTest::stack_ = nullptr;
std::string* NodeClientsTest::error_ = nullptr;

TEST_F(NodeClientsTest, OpenApiDocumentPassesAStandardValidator) {
  const std::string document =
      stack_->Ok(stack_->reader, "GET", "/openapi.json");
  absl::StatusOr<std::string> path = WriteTestFile("openapi.json", document);
  ASSERT_TRUE(path.ok()) << path.status();

  const auto [exit_code, output] = RunNode("validate_openapi.js", {*path});
  EXPECT_EQ(exit_code, 0) << output;
  // 25 annotated routes and the gateway's four endpoints.
  EXPECT_THAT(output, HasSubstr("valid: OpenAPI 3.0.3, "));
  EXPECT_THAT(output, HasSubstr(" 29 operations"));
}

TEST_F(NodeClientsTest, ValidatorRefusesABrokenDocument) {
  // The validator must be able to say no: a parameter "in" a place OpenAPI
  // 3 does not have, and a reference to a schema that does not exist.
  absl::StatusOr<std::string> path = WriteTestFile(
      "broken.json",
      R"({"openapi":"3.0.3","info":{"title":"x","version":"1"},)"
      R"("paths":{"/v1/things":{"get":{"parameters":[{"name":"id",)"
      R"("in":"body","schema":{"type":"string"}}],"responses":{"200":)"
      R"({"description":"OK","content":{"application/json":{"schema":)"
      R"({"$ref":"#/components/schemas/Missing"}}}}}}}}})");
  ASSERT_TRUE(path.ok()) << path.status();
  const auto [exit_code, output] = RunNode("validate_openapi.js", {*path});
  EXPECT_EQ(exit_code, 1) << output;
  EXPECT_THAT(output, HasSubstr("invalid"));
}

TEST_F(NodeClientsTest, GrpcJsAndCurlSeeTheSameRecords) {
  const std::string proto_root =
      RootOf(RunfilePath("proto/opsbrain/v1/repository.proto"),
             "opsbrain/v1/repository.proto");
  ASSERT_FALSE(proto_root.empty());
  std::string googleapis_root;
  for (const std::string& candidate :
       {absl::StrCat(std::getenv("TEST_SRCDIR"),
                     "/googleapis/google/api/annotations.proto"),
        RunfilePath("external/googleapis/google/api/annotations.proto")}) {
    if (googleapis_root.empty()) {
      googleapis_root = RootOf(candidate, "google/api/annotations.proto");
    }
  }
  ASSERT_FALSE(googleapis_root.empty());

  const auto [exit_code, output] =
      RunNode("cross_language_client.js", {proto_root, googleapis_root},
              {{"STORAGE_ADDR", stack_->storage->address()},
               {"GATEWAY_URL",
                absl::StrCat("http://127.0.0.1:", stack_->gateway->port())},
               {"WRITER_TOKEN", stack_->writer.token},
               {"READER_TOKEN", stack_->reader.token}});
  EXPECT_EQ(exit_code, 0) << output;
  EXPECT_THAT(output, HasSubstr("same data: 9 reads compared"));
}

// Last: the processes of this suite logged no token or secret either.
TEST(NodeClientsLogHygieneTest, NoLogLineHoldsAToken) {
  if (LogRecord::Get().lines().empty()) {
    GTEST_SKIP() << "no process ran before this test";
  }
  ExpectCleanLogs(/*min_access_lines=*/10);
}

}  // namespace
}  // namespace opsbrain::gateway::testing
