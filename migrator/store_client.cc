#include "migrator/store_client.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "opsbrain/v1/internal.grpc.pb.h"

namespace opsbrain::migrator {
namespace {

constexpr char kActorHeader[] = "x-opsbrain-actor";
constexpr char kActor[] = "migrator";

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, " file ", path));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    const StoreClientOptions& options) {
  if (options.tls_ca_file.empty()) return grpc::InsecureChannelCredentials();
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "a TLS client certificate needs both a certificate and a key file");
  }
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> ca = ReadFile(options.tls_ca_file, "TLS CA");
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = *std::move(ca);
  if (!options.tls_cert_file.empty()) {
    absl::StatusOr<std::string> cert =
        ReadFile(options.tls_cert_file, "TLS certificate");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadFile(options.tls_key_file, "TLS key");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::Status FromGrpc(const grpc::Status& status, const char* method) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(method, ": ", status.error_message()));
}

bool ImportStream::Write(const v1::ImportRowsRequest& request) {
  return writer_->Write(request);
}

absl::StatusOr<v1::ImportRowsResponse> ImportStream::Finish() {
  writer_->WritesDone();
  absl::Status status = FromGrpc(writer_->Finish(), "ImportRows");
  if (!status.ok()) return status;
  return std::move(response_);
}

absl::StatusOr<std::unique_ptr<StoreClient>> StoreClient::Connect(
    const StoreClientOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      Credentials(options);
  if (!credentials.ok()) return credentials.status();
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(options.address, *credentials);
  // Waiting here turns "nobody listens" into one clear error instead of a
  // failure of whichever call happens to come first.
  if (!channel->WaitForConnected(
          absl::ToChronoTime(absl::Now() + options.connect_timeout))) {
    return absl::UnavailableError(
        absl::StrCat("cannot reach the storage service at ", options.address,
                     " within ", absl::FormatDuration(options.connect_timeout),
                     " (is it running? --storage / STORAGE_ADDR)"));
  }
  return std::unique_ptr<StoreClient>(
      new StoreClient(options, std::move(channel)));
}

StoreClient::StoreClient(StoreClientOptions options,
                         std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      schema_(v1::Schema::NewStub(channel_)),
      import_(v1::Import::NewStub(channel_)) {}

void StoreClient::Prepare(grpc::ClientContext* context) const {
  context->set_deadline(
      absl::ToChronoTime(absl::Now() + options_.call_timeout));
  context->AddMetadata(kActorHeader, kActor);
}

absl::StatusOr<v1::SchemaStatus> StoreClient::GetSchemaStatus(
    bool include_sql) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::GetSchemaStatusRequest request;
  request.set_include_sql(include_sql);
  v1::SchemaStatus response;
  absl::Status status =
      FromGrpc(schema_->GetSchemaStatus(&context, request, &response),
               "GetSchemaStatus");
  if (!status.ok()) return status;
  return response;
}

namespace {

void SetDuration(absl::Duration duration, google::protobuf::Duration* proto) {
  const int64_t nanos = absl::ToInt64Nanoseconds(duration);
  proto->set_seconds(nanos / 1000000000);
  proto->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

}  // namespace

absl::StatusOr<v1::ApplyMigrationsResponse> StoreClient::ApplyMigrations(
    absl::Duration lock_timeout) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::ApplyMigrationsRequest request;
  SetDuration(lock_timeout, request.mutable_lock_timeout());
  v1::ApplyMigrationsResponse response;
  absl::Status status =
      FromGrpc(schema_->ApplyMigrations(&context, request, &response),
               "ApplyMigrations");
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::BaselineSchemaResponse> StoreClient::BaselineSchema(
    absl::Duration lock_timeout) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::BaselineSchemaRequest request;
  SetDuration(lock_timeout, request.mutable_lock_timeout());
  v1::BaselineSchemaResponse response;
  absl::Status status = FromGrpc(
      schema_->BaselineSchema(&context, request, &response), "BaselineSchema");
  if (!status.ok()) return status;
  return response;
}

std::unique_ptr<ImportStream> StoreClient::StartImport() {
  auto stream = std::unique_ptr<ImportStream>(new ImportStream());
  Prepare(&stream->context_);
  stream->writer_ = import_->ImportRows(&stream->context_, &stream->response_);
  return stream;
}

absl::StatusOr<v1::GetRowDigestsResponse> StoreClient::GetRowDigests(
    const v1::GetRowDigestsRequest& request) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::GetRowDigestsResponse response;
  absl::Status status = FromGrpc(
      import_->GetRowDigests(&context, request, &response), "GetRowDigests");
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::GetTableChecksumsResponse> StoreClient::GetTableChecksums(
    const v1::GetTableChecksumsRequest& request) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::GetTableChecksumsResponse response;
  absl::Status status =
      FromGrpc(import_->GetTableChecksums(&context, request, &response),
               "GetTableChecksums");
  if (!status.ok()) return status;
  return response;
}

}  // namespace opsbrain::migrator
