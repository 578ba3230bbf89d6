// The gateway's channel to the storage service: TLS by default (server
// certificate checked against a CA), mutual TLS with a client certificate,
// or plaintext only when asked for.
//
// Thread-safe: a free function without state.
#ifndef OPSBRAIN_GATEWAY_STORAGE_CHANNEL_H_
#define OPSBRAIN_GATEWAY_STORAGE_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace opsbrain::gateway {

struct StorageChannelOptions {
  std::string address;  // host:port
  // Plaintext: only for a storage service on a trusted private network.
  // Excludes every TLS option below.
  bool plaintext = false;
  // PEM CA bundle that the server certificate must chain to; empty for
  // gRPC's default roots.
  std::string ca_file;
  // PEM client certificate chain and key, for mutual TLS: both or neither.
  std::string client_cert_file;
  std::string client_key_file;
  // The name the server certificate must hold, when it is not the host of
  // `address`.
  std::string server_name;
};

// Builds the channel. INVALID_ARGUMENT for plaintext with TLS options, or a
// client certificate without its key (or the other way round);
// FAILED_PRECONDITION naming the file that cannot be read. The channel
// connects lazily: an unreachable or mismatched server shows as
// UNAVAILABLE on calls.
absl::StatusOr<std::shared_ptr<grpc::Channel>> DialStorage(
    const StorageChannelOptions& options);

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_STORAGE_CHANNEL_H_
