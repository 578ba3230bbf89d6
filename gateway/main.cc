// The gateway: the public HTTP/JSON door to the storage service's gRPC
// Repository API. See gateway_handler.h for what it does per request.
//
// Every flag falls back to an environment variable when it is not on the
// command line (twelve-factor), then to its default: the environment sets
// the flags first and the command line overrides them.
//
// It refuses to start without a way to authenticate callers: a token file
// (--auth_tokens_file), tokens in the environment (GATEWAY_AUTH_TOKENS), or
// an explicit --insecure_disable_auth for local development. Likewise the
// storage service is dialled over TLS unless --storage_plaintext says
// otherwise.
//
// SIGTERM or SIGINT drains it: /readyz turns 503 (for --shutdown_delay, if
// set, while it still accepts; a second signal cuts that short), the
// listening socket closes, requests in flight are answered (up to
// --drain_timeout), and it exits 0.
//
// Two helper modes print and exit: --hash_token reads a token on stdin and
// prints its sha256: hash; --new_token=NAME prints a new random token and
// the token-file line for it.
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/env_flags.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/release_mutex_mode.h"
#include "common/status_macros.h"
#include "gateway/auth.h"
#include "gateway/cors.h"
#include "gateway/gateway_handler.h"
#include "gateway/grpc_backend.h"
#include "gateway/http_server.h"
#include "gateway/linked_services.h"
#include "gateway/openapi.h"
#include "gateway/rate_limiter.h"
#include "gateway/router.h"
#include "gateway/static_files.h"
#include "gateway/storage_channel.h"
#include "grpc/support/log.h"

// ---- Serving
// -----------------------------------------------------------------
ABSL_FLAG(int, port, 8080, "HTTP port; 0 picks a free one. Env: PORT.");
ABSL_FLAG(std::string, bind_address, "0.0.0.0",
          "Address to listen on. Env: GATEWAY_BIND_ADDRESS.");
ABSL_FLAG(int, threads, 0,
          "HTTP worker threads; 0 means one per core. Env: GATEWAY_THREADS.");
ABSL_FLAG(int64_t, max_body_bytes, 1 << 20,
          "Largest request body accepted; larger is 413. "
          "Env: GATEWAY_MAX_BODY_BYTES.");
ABSL_FLAG(absl::Duration, request_timeout, absl::Seconds(10),
          "Deadline of each call on the storage service. "
          "Env: GATEWAY_REQUEST_TIMEOUT.");
ABSL_FLAG(absl::Duration, read_timeout, absl::Seconds(30),
          "Time a client has to send a whole request (and to read a "
          "response, and to idle between requests). "
          "Env: GATEWAY_READ_TIMEOUT.");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(10),
          "On SIGTERM, how long requests in flight may take to finish. "
          "Env: GATEWAY_DRAIN_TIMEOUT.");
ABSL_FLAG(absl::Duration, shutdown_delay, absl::ZeroDuration(),
          "On SIGTERM, how long to go on accepting (with /readyz at 503) "
          "before draining, for load balancers to notice. "
          "Env: GATEWAY_SHUTDOWN_DELAY.");

// ---- Authentication and limits ---------------------------------------------
ABSL_FLAG(std::string, auth_tokens_file, "",
          "File of token hashes and scopes, one per line: "
          "NAME sha256:HEX scopes=read,write. "
          "Env: GATEWAY_AUTH_TOKENS_FILE.");
ABSL_FLAG(std::string, auth_tokens, "",
          "Token hashes in the token file's format, entries separated by "
          "newlines or ';'. Env: GATEWAY_AUTH_TOKENS.");
ABSL_FLAG(bool, insecure_disable_auth, false,
          "Serve without authentication: every caller reads and writes as "
          "'anonymous' (never secrets). For local development only. "
          "Env: GATEWAY_INSECURE_DISABLE_AUTH.");
ABSL_FLAG(double, rate_limit, 100,
          "Requests per second per token (a token bucket); 0 turns rate "
          "limiting off. Env: GATEWAY_RATE_LIMIT.");
ABSL_FLAG(int, rate_limit_burst, 200,
          "Requests a token may make at once before the rate applies. "
          "Env: GATEWAY_RATE_LIMIT_BURST.");

// ---- Requests --------------------------------------------------------------
ABSL_FLAG(bool, allow_unknown_fields, false,
          "Ignore unknown JSON fields and query parameters instead of "
          "answering 400. Env: GATEWAY_ALLOW_UNKNOWN_FIELDS.");
ABSL_FLAG(std::vector<std::string>, forward_headers, {},
          "Request headers passed to the storage service as gRPC metadata "
          "besides X-Request-Id, traceparent and If-Match (lower case, "
          "comma-separated). Env: GATEWAY_FORWARD_HEADERS.");
ABSL_FLAG(std::vector<std::string>, cors_allowed_origins, {},
          "Origins (scheme://host[:port], or *) browsers may call from; "
          "empty turns CORS off. Env: GATEWAY_CORS_ALLOWED_ORIGINS.");

// ---- The storage service ---------------------------------------------------
ABSL_FLAG(std::string, storage, "127.0.0.1:50051",
          "gRPC address of the storage service. Env: STORAGE_ADDR.");
ABSL_FLAG(bool, storage_plaintext, false,
          "Dial the storage service without TLS (a trusted private network "
          "only). Env: GATEWAY_STORAGE_PLAINTEXT.");
ABSL_FLAG(std::string, storage_ca, "",
          "PEM CA file the storage service's certificate must chain to; "
          "empty for the default roots. Env: GATEWAY_STORAGE_CA.");
ABSL_FLAG(std::string, storage_client_cert, "",
          "PEM client certificate chain for mutual TLS. "
          "Env: GATEWAY_STORAGE_CLIENT_CERT.");
ABSL_FLAG(std::string, storage_client_key, "",
          "PEM private key of --storage_client_cert. "
          "Env: GATEWAY_STORAGE_CLIENT_KEY.");
ABSL_FLAG(std::string, storage_server_name, "",
          "Name the storage service's certificate must hold, when not the "
          "host of --storage. Env: GATEWAY_STORAGE_SERVER_NAME.");

// ---- The operator console --------------------------------------------------
ABSL_FLAG(std::string, console_dir, "",
          "Directory of the operator console's static files (the "
          "repository's console/, after `npm ci` there), served under "
          "/console/ without a token; read once at start. Empty serves no "
          "console. Env: GATEWAY_CONSOLE_DIR.");

// ---- Logs and helpers ------------------------------------------------------
ABSL_FLAG(std::string, log_format, "json",
          "json (one JSON object per line) or text (for people). "
          "Env: GATEWAY_LOG_FORMAT.");
ABSL_FLAG(bool, verbose, false,
          "Log why calls failed, per request, beside the access log. "
          "Env: GATEWAY_VERBOSE.");
ABSL_FLAG(bool, hash_token, false,
          "Read a token on stdin, print its sha256: hash for the token "
          "file, and exit.");
ABSL_FLAG(std::string, new_token, "",
          "Print a new random token and its token-file line under this "
          "name (scopes from --new_token_scopes), and exit.");
ABSL_FLAG(std::string, new_token_scopes, "read",
          "Scopes of --new_token, comma-separated.");

namespace opsbrain::gateway {
namespace {

struct GatewayOptions {
  HttpServerOptions http;
  StorageChannelOptions storage;
  GatewayHandlerOptions handler;
  std::optional<TokenStore> tokens;
  std::optional<RateLimit> rate_limit;
  absl::Duration drain_timeout;
  absl::Duration shutdown_delay;
};

absl::Status FlagsFromEnv() {
  for (absl::Status status : {
           FlagFromEnv(&FLAGS_port, "PORT"),
           FlagFromEnv(&FLAGS_bind_address, "GATEWAY_BIND_ADDRESS"),
           FlagFromEnv(&FLAGS_threads, "GATEWAY_THREADS"),
           FlagFromEnv(&FLAGS_max_body_bytes, "GATEWAY_MAX_BODY_BYTES"),
           FlagFromEnv(&FLAGS_request_timeout, "GATEWAY_REQUEST_TIMEOUT"),
           FlagFromEnv(&FLAGS_read_timeout, "GATEWAY_READ_TIMEOUT"),
           FlagFromEnv(&FLAGS_drain_timeout, "GATEWAY_DRAIN_TIMEOUT"),
           FlagFromEnv(&FLAGS_shutdown_delay, "GATEWAY_SHUTDOWN_DELAY"),
           FlagFromEnv(&FLAGS_auth_tokens_file, "GATEWAY_AUTH_TOKENS_FILE"),
           FlagFromEnv(&FLAGS_auth_tokens, "GATEWAY_AUTH_TOKENS"),
           FlagFromEnv(&FLAGS_insecure_disable_auth,
                       "GATEWAY_INSECURE_DISABLE_AUTH"),
           FlagFromEnv(&FLAGS_rate_limit, "GATEWAY_RATE_LIMIT"),
           FlagFromEnv(&FLAGS_rate_limit_burst, "GATEWAY_RATE_LIMIT_BURST"),
           FlagFromEnv(&FLAGS_allow_unknown_fields,
                       "GATEWAY_ALLOW_UNKNOWN_FIELDS"),
           FlagFromEnv(&FLAGS_forward_headers, "GATEWAY_FORWARD_HEADERS"),
           FlagFromEnv(&FLAGS_cors_allowed_origins,
                       "GATEWAY_CORS_ALLOWED_ORIGINS"),
           FlagFromEnv(&FLAGS_storage, "STORAGE_ADDR"),
           FlagFromEnv(&FLAGS_storage_plaintext, "GATEWAY_STORAGE_PLAINTEXT"),
           FlagFromEnv(&FLAGS_storage_ca, "GATEWAY_STORAGE_CA"),
           FlagFromEnv(&FLAGS_storage_client_cert,
                       "GATEWAY_STORAGE_CLIENT_CERT"),
           FlagFromEnv(&FLAGS_storage_client_key, "GATEWAY_STORAGE_CLIENT_KEY"),
           FlagFromEnv(&FLAGS_storage_server_name,
                       "GATEWAY_STORAGE_SERVER_NAME"),
           FlagFromEnv(&FLAGS_console_dir, "GATEWAY_CONSOLE_DIR"),
           FlagFromEnv(&FLAGS_log_format, "GATEWAY_LOG_FORMAT"),
           FlagFromEnv(&FLAGS_verbose, "GATEWAY_VERBOSE"),
       }) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the token file ", path));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// The tokens from the file and the environment; nullopt when
// authentication is off.
absl::StatusOr<std::optional<TokenStore>> TokensFromFlags() {
  const std::string file = absl::GetFlag(FLAGS_auth_tokens_file);
  const std::string inline_tokens = absl::GetFlag(FLAGS_auth_tokens);
  const bool disabled = absl::GetFlag(FLAGS_insecure_disable_auth);
  if (disabled) {
    if (!file.empty() || !inline_tokens.empty()) {
      return absl::InvalidArgumentError(
          "--insecure_disable_auth excludes --auth_tokens_file and "
          "--auth_tokens");
    }
    return std::optional<TokenStore>();
  }
  if (!file.empty() && !inline_tokens.empty()) {
    return absl::InvalidArgumentError(
        "give tokens by --auth_tokens_file or by --auth_tokens, not both");
  }

  absl::StatusOr<TokenStore> store;
  if (!file.empty()) {
    OPSBRAIN_ASSIGN_OR_RETURN(const std::string text, ReadTokenFile(file));
    store = TokenStore::Parse(text, absl::StrCat("token file ", file));
  } else {
    store = TokenStore::Parse(inline_tokens, "GATEWAY_AUTH_TOKENS");
  }
  if (!store.ok()) return store.status();
  if (store->size() == 0) {
    return absl::InvalidArgumentError(
        "no bearer tokens are configured: set --auth_tokens_file "
        "(GATEWAY_AUTH_TOKENS_FILE) or GATEWAY_AUTH_TOKENS, or pass "
        "--insecure_disable_auth for local development");
  }
  return std::optional<TokenStore>(*std::move(store));
}

absl::StatusOr<GatewayOptions> OptionsFromFlags() {
  GatewayOptions options;
  options.http.port = absl::GetFlag(FLAGS_port);
  options.http.address = absl::GetFlag(FLAGS_bind_address);
  options.http.threads = absl::GetFlag(FLAGS_threads);
  const int64_t max_body_bytes = absl::GetFlag(FLAGS_max_body_bytes);
  options.handler.request_timeout = absl::GetFlag(FLAGS_request_timeout);
  options.http.read_timeout = absl::GetFlag(FLAGS_read_timeout);
  options.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  options.shutdown_delay = absl::GetFlag(FLAGS_shutdown_delay);

  if (options.http.port < 0 || options.http.port > 65535) {
    return absl::InvalidArgumentError("--port must be 0 to 65535");
  }
  if (options.http.threads < 0) {
    return absl::InvalidArgumentError("--threads must not be negative");
  }
  if (options.http.threads == 0) {
    options.http.threads =
        std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }
  if (max_body_bytes <= 0) {
    return absl::InvalidArgumentError("--max_body_bytes must be positive");
  }
  options.http.max_body_bytes = static_cast<uint64_t>(max_body_bytes);
  if (options.handler.request_timeout <= absl::ZeroDuration() ||
      options.http.read_timeout <= absl::ZeroDuration() ||
      options.drain_timeout <= absl::ZeroDuration() ||
      options.shutdown_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("timeouts must be positive");
  }

  // Authentication and rate limits.
  OPSBRAIN_ASSIGN_OR_RETURN(options.tokens, TokensFromFlags());
  const double rate = absl::GetFlag(FLAGS_rate_limit);
  const int burst = absl::GetFlag(FLAGS_rate_limit_burst);
  if (!(rate >= 0) || burst < 1) {
    return absl::InvalidArgumentError(
        "--rate_limit must be 0 or more and --rate_limit_burst at least 1");
  }
  if (rate > 0)
    options.rate_limit = RateLimit{rate, static_cast<double>(burst)};

  // Requests.
  options.handler.transcode.ignore_unknown_fields =
      absl::GetFlag(FLAGS_allow_unknown_fields);
  for (std::string name : absl::GetFlag(FLAGS_forward_headers)) {
    if (name.empty()) continue;
    options.handler.forward_headers.push_back(absl::AsciiStrToLower(name));
  }
  OPSBRAIN_RETURN_IF_ERROR(
      ValidateForwardHeaders(options.handler.forward_headers));
  std::vector<std::string> request_headers = {"Authorization", "Content-Type",
                                              "If-Match", "X-Request-Id",
                                              "traceparent"};
  for (const std::string& name : options.handler.forward_headers) {
    request_headers.push_back(name);
  }
  std::vector<std::string> origins;
  for (const std::string& origin : absl::GetFlag(FLAGS_cors_allowed_origins)) {
    if (!origin.empty()) origins.push_back(origin);
  }
  OPSBRAIN_ASSIGN_OR_RETURN(
      options.handler.cors,
      CorsPolicy::Create(origins, std::move(request_headers)));

  // The storage service.
  options.storage.address = absl::GetFlag(FLAGS_storage);
  options.storage.plaintext = absl::GetFlag(FLAGS_storage_plaintext);
  options.storage.ca_file = absl::GetFlag(FLAGS_storage_ca);
  options.storage.client_cert_file = absl::GetFlag(FLAGS_storage_client_cert);
  options.storage.client_key_file = absl::GetFlag(FLAGS_storage_client_key);
  options.storage.server_name = absl::GetFlag(FLAGS_storage_server_name);
  return options;
}

absl::Status SetUpLogging() {
  const std::string format = absl::GetFlag(FLAGS_log_format);
  if (format == "json") {
    SetLogFormat(LogFormat::kJson);
  } else if (format == "text") {
    SetLogFormat(LogFormat::kText);
  } else {
    return absl::InvalidArgumentError("--log_format must be json or text");
  }
  if (absl::GetFlag(FLAGS_verbose)) SetMinLogSeverity(LogSeverity::kVerbose);
  return absl::OkStatus();
}

// gRPC's own log lines (a failed TLS handshake, as a rule) go through the
// project's logger, so that every line has the chosen format. Its errors
// are about the storage service, a degraded state for the gateway.
void LogFromGrpc(gpr_log_func_args* args) {
  LogSeverity severity = LogSeverity::kVerbose;
  if (args->severity == GPR_LOG_SEVERITY_ERROR)
    severity = LogSeverity::kWarning;
  LogEvent(severity, args->message,
           {{"component", "grpc"}, {"file", args->file}, {"line", args->line}});
}

// --hash_token: the token on stdin (surrounding whitespace dropped).
int HashTokenFromStdin() {
  std::string token((std::istreambuf_iterator<char>(std::cin)),
                    std::istreambuf_iterator<char>());
  const absl::string_view trimmed = absl::StripAsciiWhitespace(token);
  if (trimmed.empty()) {
    std::cerr << "--hash_token: no token on stdin\n";
    return 2;
  }
  std::cout << HashToken(trimmed) << "\n";
  return 0;
}

// --new_token=NAME: the token, then its line for the token file.
int PrintNewToken(const std::string& name) {
  absl::StatusOr<std::string> token = NewToken();
  if (!token.ok()) {
    std::cerr << token.status().message() << "\n";
    return 1;
  }
  const std::string line =
      absl::StrCat(name, " ", HashToken(*token),
                   " scopes=", absl::GetFlag(FLAGS_new_token_scopes));
  absl::StatusOr<TokenStore> check = TokenStore::Parse(line, "--new_token");
  if (!check.ok()) {
    std::cerr << check.status().message() << "\n";
    return 2;
  }
  std::cout << *token << "\n" << line << "\n";
  return 0;
}

// Waits up to `delay`; a second stop signal cuts it short.
void WaitOrSignal(const sigset_t& signals, absl::Duration delay) {
  if (delay <= absl::ZeroDuration()) return;
  const timespec timeout = absl::ToTimespec(delay);
  sigtimedwait(&signals, nullptr, &timeout);
}

int Run() {
  // Every thread started from here on (gRPC starts some as soon as a
  // channel exists) inherits the blocked signals, so only sigwait below
  // receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::Status logging = SetUpLogging();
  if (!logging.ok()) {
    OPSBRAIN_LOG(ERROR) << logging.message();
    return 2;
  }
  gpr_set_log_function(&LogFromGrpc);
  absl::StatusOr<GatewayOptions> options = OptionsFromFlags();
  if (!options.ok()) {
    OPSBRAIN_LOG(ERROR) << options.status().message();
    return 2;
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      DialStorage(options->storage);
  if (!channel.ok()) {
    OPSBRAIN_LOG(ERROR) << channel.status().message();
    return 2;
  }

  // The routes, from the google.api.http options of the linked services,
  // and the OpenAPI document of the same routes.
  const std::vector<const google::protobuf::ServiceDescriptor*> services =
      LinkedServices();
  for (const google::protobuf::ServiceDescriptor* service : services) {
    if (service == nullptr) {
      OPSBRAIN_LOG(ERROR) << "a linked service has no descriptor";
      return 1;
    }
  }
  absl::StatusOr<Router> router = Router::Build(services);
  if (!router.ok()) {
    OPSBRAIN_LOG(ERROR) << router.status().message();
    return 1;
  }
  for (const Route& route : router->routes()) {
    OPSBRAIN_LOG(VERBOSE) << "route " << route.http_method << " "
                          << route.path.text() << " -> " << route.grpc_method;
  }
  OpenApiOptions openapi;
  openapi.auth = options->tokens.has_value();
  absl::StatusOr<std::string> document = OpenApiDocument(*router, openapi);
  if (!document.ok()) {
    OPSBRAIN_LOG(ERROR) << document.status().message();
    return 1;
  }

  // The console's files, read once now.
  std::optional<StaticFiles> console;
  const std::string console_dir = absl::GetFlag(FLAGS_console_dir);
  if (!console_dir.empty()) {
    absl::StatusOr<StaticFiles> files = StaticFiles::Load(console_dir);
    if (!files.ok()) {
      OPSBRAIN_LOG(ERROR) << files.status().message();
      return 2;
    }
    console = *std::move(files);
    OPSBRAIN_LOG(INFO) << "console: " << console->size() << " files ("
                       << console->total_bytes() << " bytes) from "
                       << console->root() << " under /console/";
    if (!console->Has(kConsoleChartLibrary)) {
      OPSBRAIN_LOG(WARNING)
          << "console: " << kConsoleChartLibrary
          << " is missing (run `npm ci` in the console directory); the "
             "metrics view cannot draw charts";
    }
  }

  // The storage service, the handler and the server.
  metrics::Registry registry;
  std::unique_ptr<RateLimiter> rate_limiter;
  if (options->rate_limit.has_value()) {
    rate_limiter = std::make_unique<RateLimiter>(*options->rate_limit);
  }
  GrpcBackend backend(*std::move(channel));
  GatewayHandlerOptions handler_options = options->handler;
  handler_options.tokens =
      options->tokens.has_value() ? &*options->tokens : nullptr;
  handler_options.rate_limiter = rate_limiter.get();
  handler_options.openapi_json = *std::move(document);
  handler_options.console = console.has_value() ? &*console : nullptr;
  handler_options.metrics = &registry;
  GatewayHandler handler(&*router, &backend, std::move(handler_options));
  HttpServer server(options->http, &handler);
  absl::Status started = server.Start();
  if (!started.ok()) {
    OPSBRAIN_LOG(ERROR) << started.message();
    return 1;
  }

  if (options->tokens.has_value()) {
    OPSBRAIN_LOG(INFO) << "authentication on: " << options->tokens->size()
                       << " bearer tokens";
  } else {
    OPSBRAIN_LOG(WARNING)
        << "AUTHENTICATION IS OFF (--insecure_disable_auth): anyone who can "
           "reach this port reads and writes every record as 'anonymous'. "
           "For local development only.";
  }
  if (options->storage.plaintext) {
    OPSBRAIN_LOG(WARNING) << "the storage service is dialled in plaintext "
                             "(--storage_plaintext)";
  }
  OPSBRAIN_LOG(INFO) << "rate limit: "
                     << (options->rate_limit.has_value()
                             ? absl::StrCat(options->rate_limit->per_second,
                                            "/s per token, burst ",
                                            options->rate_limit->burst)
                             : std::string("off"))
                     << "; CORS: "
                     << (options->handler.cors.enabled() ? "on" : "off");
  OPSBRAIN_LOG(INFO) << "listening on " << options->http.address << ":"
                     << server.port() << " with " << options->http.threads
                     << " threads, " << router->routes().size()
                     << " routes; storage service at "
                     << options->storage.address
                     << (options->storage.plaintext ? " (plaintext)"
                                                    : " (TLS)");

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  // Readiness turns before the line is logged, so that anyone who sees the
  // line (an operator, a test) also sees /readyz at 503.
  handler.StartDraining();
  OPSBRAIN_LOG(INFO) << "stopping on " << strsignal(signal_number)
                     << ": draining for up to "
                     << absl::FormatDuration(options->drain_timeout);
  WaitOrSignal(stop_signals, options->shutdown_delay);
  server.StopAccepting();
  OPSBRAIN_LOG(INFO) << "draining: the listener is closed; waiting for "
                        "requests in flight";
  if (!server.Drain(options->drain_timeout)) {
    OPSBRAIN_LOG(WARNING) << "the drain timed out; open connections were "
                             "dropped";
  }
  backend.Shutdown();
  OPSBRAIN_LOG(INFO) << "stopped";
  return 0;
}

}  // namespace
}  // namespace opsbrain::gateway

int main(int argc, char** argv) {
  opsbrain::UseReleaseMutexMode();
  absl::SetProgramUsageMessage(
      "The OpsBrain Store gateway: HTTP/JSON in front of the storage "
      "service's gRPC Repository API.");
  const absl::Status from_env = opsbrain::gateway::FlagsFromEnv();
  if (!from_env.ok()) {
    OPSBRAIN_LOG(ERROR) << from_env.message();
    return 2;
  }
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_hash_token)) {
    return opsbrain::gateway::HashTokenFromStdin();
  }
  if (!absl::GetFlag(FLAGS_new_token).empty()) {
    return opsbrain::gateway::PrintNewToken(absl::GetFlag(FLAGS_new_token));
  }
  return opsbrain::gateway::Run();
}
