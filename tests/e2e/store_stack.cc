#include "tests/e2e/store_stack.h"

#include <signal.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "openssl/sha.h"
#include "tests/conformance/test_store.h"
#include "tests/gateway/gateway_process.h"
#include "tests/storage_service/storage_process.h"

namespace opsbrain::testing {
namespace {

constexpr char kGatewayBinary[] = "gateway/gateway";
constexpr absl::Duration kStopTimeout = absl::Seconds(15);

// A line of the gateway's token file (gateway/auth.h) for `caller`.
std::string TokenLine(const TestCaller& caller) {
  const absl::string_view token = caller.token;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         digest);
  return absl::StrCat(
      caller.name, " sha256:",
      absl::BytesToHexString(absl::string_view(
          reinterpret_cast<const char*>(digest), sizeof(digest))),
      " scopes=", caller.scopes);
}

}  // namespace

absl::StatusOr<std::unique_ptr<StoreStack>> StoreStack::Start(Backend backend) {
  std::unique_ptr<StoreStack> stack(new StoreStack());
  OPSBRAIN_ASSIGN_OR_RETURN(const std::string url, NewDatabaseUrl(backend));
  OPSBRAIN_ASSIGN_OR_RETURN(
      stack->storage_,
      StorageProcess::Start(url, {"--migrate", "--sweep_interval=0"}));

  stack->channel_ =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", stack->storage_->port()),
                          grpc::InsecureChannelCredentials());

  // GatewayProcess adds --port=0 and --bind_address=127.0.0.1.
  OPSBRAIN_ASSIGN_OR_RETURN(
      stack->gateway_,
      gateway::testing::GatewayProcess::Start(
          kGatewayBinary,
          {absl::StrCat("--storage=127.0.0.1:", stack->storage_->port()),
           "--storage_plaintext", "--log_format=text",
           absl::StrCat("--auth_tokens=", TokenLine(kReader), ";",
                        TokenLine(kWriter), ";", TokenLine(kAdmin))}));
  return stack;
}

absl::Status StoreStack::Stop() {
  absl::StatusOr<int> gateway_exit = gateway_->Stop();
  if (!gateway_exit.ok()) return gateway_exit.status();
  if (*gateway_exit != 0) {
    return absl::InternalError(
        absl::StrCat("the gateway exited with code ", *gateway_exit));
  }

  channel_.reset();
  Subprocess& storage = storage_->process();
  OPSBRAIN_RETURN_IF_ERROR(storage.Signal(SIGTERM));
  absl::StatusOr<int> storage_exit = storage.Wait(kStopTimeout);
  if (!storage_exit.ok()) return storage_exit.status();
  if (*storage_exit != 0) {
    return absl::InternalError(
        absl::StrCat("the storage service exited with code ", *storage_exit,
                     "; output:\n", storage.output()));
  }
  return absl::OkStatus();
}

}  // namespace opsbrain::testing
