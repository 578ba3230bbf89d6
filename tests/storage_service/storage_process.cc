#include "tests/storage_service/storage_process.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace opsbrain::testing {
namespace {

namespace http = ::boost::beast::http;
using tcp = ::boost::asio::ip::tcp;

// The number after the last ':' of a log line ("... on 127.0.0.1:4242"),
// ignoring a trailing path.
absl::StatusOr<int> PortOf(const std::string& line) {
  std::string text = line.substr(line.rfind(':') + 1);
  text = text.substr(0, text.find('/'));
  int port = 0;
  if (!absl::SimpleAtoi(text, &port)) {
    return absl::InternalError(absl::StrCat("no port in: ", line));
  }
  return port;
}

}  // namespace

absl::StatusOr<std::unique_ptr<StorageProcess>> StorageProcess::Start(
    const std::string& database_url, std::vector<std::string> flags) {
  std::vector<std::string> argv = {
      RunfilePath("storage_service/storage_service"), "--listen=127.0.0.1:0"};
  bool metrics = false;
  for (const std::string& flag : flags) {
    metrics = metrics || absl::StartsWith(flag, "--metrics_listen=");
  }
  argv.insert(argv.end(), flags.begin(), flags.end());
  absl::StatusOr<std::unique_ptr<Subprocess>> process =
      Subprocess::Start(argv, {{"DATABASE_URL", database_url}});
  if (!process.ok()) return process.status();
  absl::StatusOr<std::string> line =
      (*process)->WaitForLine("listening on 127.0.0.1:", kStartTimeout);
  if (!line.ok()) return line.status();

  auto result = std::unique_ptr<StorageProcess>(new StorageProcess());
  absl::StatusOr<int> port = PortOf(*line);
  if (!port.ok()) return port.status();
  result->port_ = *port;
  if (metrics) {
    // Logged before "listening on".
    absl::StatusOr<std::string> metrics_line =
        (*process)->WaitForLine("metrics on http://", absl::Seconds(1));
    if (!metrics_line.ok()) return metrics_line.status();
    absl::StatusOr<int> metrics_port = PortOf(*metrics_line);
    if (!metrics_port.ok()) return metrics_port.status();
    result->metrics_port_ = *metrics_port;
  }
  result->process_ = *std::move(process);
  result->channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", *port),
                                         grpc::InsecureChannelCredentials());
  return result;
}

std::unique_ptr<v1::Repository::Stub> StorageProcess::Repository() {
  return v1::Repository::NewStub(channel_);
}

std::unique_ptr<v1::Schema::Stub> StorageProcess::Schema() {
  return v1::Schema::NewStub(channel_);
}

grpc::health::v1::HealthCheckResponse::ServingStatus StorageProcess::Health(
    const std::string& service) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = grpc::health::v1::Health::NewStub(channel_)->Check(
      &context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  if (!status.ok()) return grpc::health::v1::HealthCheckResponse::UNKNOWN;
  return response.status();
}

absl::StatusOr<std::string> StorageProcess::ScrapeMetrics() {
  if (metrics_port_ == 0) {
    return absl::FailedPreconditionError("started without --metrics_listen");
  }
  boost::asio::io_context io;
  tcp::socket socket(io);
  boost::beast::error_code ec;
  tcp::resolver resolver(io);
  boost::asio::connect(
      socket, resolver.resolve("127.0.0.1", std::to_string(metrics_port_)), ec);
  if (ec) return absl::UnavailableError(ec.message());
  http::request<http::empty_body> request(http::verb::get, "/metrics", 11);
  request.set(http::field::host, "127.0.0.1");
  request.keep_alive(false);
  http::write(socket, request, ec);
  if (ec) return absl::UnavailableError(ec.message());
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response, ec);
  if (ec) return absl::UnavailableError(ec.message());
  if (response.result_int() != 200) {
    return absl::InternalError(
        absl::StrCat("GET /metrics answered ", response.result_int()));
  }
  return response.body();
}

void Prepare(grpc::ClientContext* context, const std::string& scopes,
             const std::string& actor, absl::Duration timeout) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!scopes.empty()) context->AddMetadata("x-opsbrain-scopes", scopes);
  if (!actor.empty()) context->AddMetadata("x-opsbrain-actor", actor);
}

std::optional<double> SampleValue(const std::string& page,
                                  const std::string& series) {
  for (absl::string_view line : absl::StrSplit(page, '\n')) {
    if (!absl::StartsWith(line, series) || line.size() <= series.size() ||
        line[series.size()] != ' ') {
      continue;
    }
    double value = 0;
    if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) {
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace opsbrain::testing
