#include "storage_service/service/request_context.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "grpcpp/server_context.h"
#include "grpcpp/test/server_context_test_spouse.h"
#include "gtest/gtest.h"

namespace opsbrain::service {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// Owns the strings the string_refs of a ClientMetadata point into.
class MetadataBuilder {
 public:
  MetadataBuilder& Add(std::string key, std::string value) {
    storage_.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  ClientMetadata Build() const {
    ClientMetadata metadata;
    for (const auto& [key, value] : storage_) {
      metadata.emplace(grpc::string_ref(key), grpc::string_ref(value));
    }
    return metadata;
  }

 private:
  std::vector<std::pair<std::string, std::string>> storage_;
};

TEST(RequestContextTest, DefaultsWithoutHeaders) {
  absl::StatusOr<RequestContext> context =
      RequestContextFromMetadata(ClientMetadata());
  ASSERT_TRUE(context.ok());
  EXPECT_EQ(context->actor, "system");
  EXPECT_THAT(context->scopes, IsEmpty());
  EXPECT_EQ(context->request_id, "");
  EXPECT_FALSE(context->may_read_secrets());
}

TEST(RequestContextTest, ReadsActorScopesAndRequestId) {
  MetadataBuilder builder;
  builder.Add("x-opsbrain-actor", "U123 (slack)")
      .Add("x-opsbrain-scopes", "read, write,,secrets ")
      .Add("x-opsbrain-scopes", "admin")
      .Add("x-request-id", "req-42");
  absl::StatusOr<RequestContext> context =
      RequestContextFromMetadata(builder.Build());
  ASSERT_TRUE(context.ok()) << context.status();
  EXPECT_EQ(context->actor, "U123 (slack)");
  EXPECT_THAT(context->scopes,
              ElementsAre("read", "write", "secrets", "admin"));
  EXPECT_TRUE(context->may_read_secrets());
  EXPECT_TRUE(context->HasScope("admin"));
  EXPECT_EQ(context->request_id, "req-42");
}

TEST(RequestContextTest, ScopesMatchExactly) {
  MetadataBuilder builder;
  builder.Add("x-opsbrain-scopes", "SECRETS,secrets-lite,read");
  absl::StatusOr<RequestContext> context =
      RequestContextFromMetadata(builder.Build());
  ASSERT_TRUE(context.ok());
  EXPECT_FALSE(context->may_read_secrets());
}

TEST(RequestContextTest, EmptyActorMeansSystem) {
  MetadataBuilder builder;
  builder.Add("x-opsbrain-actor", "");
  EXPECT_EQ(RequestContextFromMetadata(builder.Build())->actor, "system");
}

TEST(RequestContextTest, BadActorsAreRejected) {
  const std::string cases[] = {
      std::string(129, 'a'), "line\nbreak",           "tab\there",
      "caf\xC3\xA9",         std::string("nul\0", 4),
  };
  for (const std::string& actor : cases) {
    MetadataBuilder builder;
    builder.Add("x-opsbrain-actor", actor);
    absl::StatusOr<RequestContext> context =
        RequestContextFromMetadata(builder.Build());
    EXPECT_EQ(context.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(context.status().message()),
                StartsWith("x-opsbrain-actor: "));
  }
}

TEST(RequestContextTest, LongestActorIsAccepted) {
  MetadataBuilder builder;
  builder.Add("x-opsbrain-actor", std::string(128, 'a'));
  EXPECT_TRUE(RequestContextFromMetadata(builder.Build()).ok());
}

TEST(RequestContextTest, ActorSentTwiceIsRejected) {
  MetadataBuilder builder;
  builder.Add("x-opsbrain-actor", "a").Add("x-opsbrain-actor", "b");
  EXPECT_EQ(RequestContextFromMetadata(builder.Build()).status().message(),
            "x-opsbrain-actor: must be sent at most once");
}

TEST(RequestContextTest, UnusableRequestIdIsDropped) {
  MetadataBuilder builder;
  builder.Add("x-request-id", "bad\nid");
  absl::StatusOr<RequestContext> context =
      RequestContextFromMetadata(builder.Build());
  ASSERT_TRUE(context.ok());
  EXPECT_EQ(context->request_id, "");
}

TEST(RequestContextTest, ReadsFromServerContext) {
  grpc::ServerContext server_context;
  grpc::testing::ServerContextTestSpouse spouse(&server_context);
  spouse.AddClientMetadata("x-opsbrain-actor", "migrator");
  spouse.AddClientMetadata("x-opsbrain-scopes", "admin");
  absl::StatusOr<RequestContext> context =
      RequestContextFromServer(server_context);
  ASSERT_TRUE(context.ok());
  EXPECT_EQ(context->actor, "migrator");
  EXPECT_THAT(context->scopes, ElementsAre("admin"));
}

}  // namespace
}  // namespace opsbrain::service
