#include "gateway/storage_channel.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::gateway {
namespace {

using ::testing::HasSubstr;

struct ChannelCase {
  const char* name;
  StorageChannelOptions options;
  absl::StatusCode code;
  const char* says;
};

class DialStorageTest : public ::testing::TestWithParam<ChannelCase> {};

TEST_P(DialStorageTest, RefusesInconsistentOrUnreadableSettings) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      DialStorage(GetParam().options);
  if (GetParam().code == absl::StatusCode::kOk) {
    EXPECT_TRUE(channel.ok()) << channel.status();
    return;
  }
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.status().code(), GetParam().code);
  EXPECT_THAT(std::string(channel.status().message()),
              HasSubstr(GetParam().says));
}

StorageChannelOptions Options(bool plaintext, std::string ca = "",
                              std::string cert = "", std::string key = "") {
  StorageChannelOptions options;
  options.address = "127.0.0.1:1";
  options.plaintext = plaintext;
  options.ca_file = std::move(ca);
  options.client_cert_file = std::move(cert);
  options.client_key_file = std::move(key);
  return options;
}

INSTANTIATE_TEST_SUITE_P(
    Table, DialStorageTest,
    ::testing::Values(
        ChannelCase{"Plaintext", Options(true), absl::StatusCode::kOk, ""},
        ChannelCase{"TlsWithDefaultRoots", Options(false),
                    absl::StatusCode::kOk, ""},
        ChannelCase{"PlaintextWithCa", Options(true, "/ca.pem"),
                    absl::StatusCode::kInvalidArgument, "excludes"},
        ChannelCase{"CertWithoutKey", Options(false, "", "/c.pem"),
                    absl::StatusCode::kInvalidArgument, "needs its key"},
        ChannelCase{"KeyWithoutCert", Options(false, "", "", "/k.pem"),
                    absl::StatusCode::kInvalidArgument, "needs its key"},
        ChannelCase{"MissingCa", Options(false, "/no/such/ca.pem"),
                    absl::StatusCode::kFailedPrecondition, "/no/such/ca.pem"}),
    [](const ::testing::TestParamInfo<ChannelCase>& info) {
      return info.param.name;
    });

}  // namespace
}  // namespace opsbrain::gateway
