#include "gateway/storage_channel.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "grpc/grpc.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/channel.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace opsbrain::gateway {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     absl::string_view what) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  if (file) contents << file.rdbuf();
  if (!file || contents.str().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the ", what, " file ", path));
  }
  return contents.str();
}

// gRPC's default backoff between reconnection attempts grows to 120 s, so
// after a long outage of the storage service the gateway went on answering
// 503 for up to two minutes after it was back. Capped at 2 s, like the
// storage service's own reconnections to PostgreSQL.
grpc::ChannelArguments ReconnectArguments() {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return arguments;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> DialStorage(
    const StorageChannelOptions& options) {
  if (options.plaintext) {
    if (!options.ca_file.empty() || !options.client_cert_file.empty() ||
        !options.client_key_file.empty() || !options.server_name.empty()) {
      return absl::InvalidArgumentError(
          "plaintext to the storage service excludes the TLS options");
    }
    return grpc::CreateCustomChannel(options.address,
                                     grpc::InsecureChannelCredentials(),
                                     ReconnectArguments());
  }
  if (options.client_cert_file.empty() != options.client_key_file.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate for mutual TLS needs its key, and the other "
        "way round");
  }

  grpc::SslCredentialsOptions ssl;
  if (!options.ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadFile(options.ca_file, "storage CA");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
  }
  if (!options.client_cert_file.empty()) {
    absl::StatusOr<std::string> cert =
        ReadFile(options.client_cert_file, "client certificate");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key =
        ReadFile(options.client_key_file, "client key");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  grpc::ChannelArguments arguments = ReconnectArguments();
  if (!options.server_name.empty()) {
    arguments.SetSslTargetNameOverride(options.server_name);
  }
  return grpc::CreateCustomChannel(options.address, grpc::SslCredentials(ssl),
                                   arguments);
}

}  // namespace opsbrain::gateway
