// grpc_load: a closed-loop load generator for the storage service's
// Repository API, the direct-gRPC contender of bench/README.md.
//
// It opens --connections channels, each on its own HTTP/2 connection, and
// keeps exactly one call in flight on each, as wrk keeps one request in
// flight per HTTP connection. --threads completion-queue threads share the
// channels. Calls that complete during --warmup are not counted; then the
// calls that complete within --duration are, and it prints one JSON line:
//
//   {"method":"get_configuration","connections":16,"seconds":5.0,
//    "requests":41230,"errors":0,"rps":8246.0,"p50_ms":1.8,"p99_ms":4.9,
//    "first_error":""}
//
// Every call carries the metadata the gateway sends for a caller
// (x-request-id, x-opsbrain-actor, x-opsbrain-scopes), so that the storage
// service does the same work for both contenders.
//
// Exit status: 0 when the run completed (errors are counted, not fatal),
// 2 on bad flags, 1 when the channels do not connect.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/logging.h"
#include "common/release_mutex_mode.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/async_unary_call.h"
#include "grpcpp/support/channel_arguments.h"
#include "opsbrain/v1/repository.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051",
          "Storage service address (plaintext).");
ABSL_FLAG(std::string, method, "get_configuration",
          "get_configuration, update_business_goal or "
          "update_user_preference.");
ABSL_FLAG(int, connections, 16, "Channels, one call in flight on each.");
ABSL_FLAG(int, threads, 2, "Completion-queue threads.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Measured time.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1),
          "Time before measuring; its calls are not counted.");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(10),
          "Deadline of each call.");
ABSL_FLAG(std::string, key, "bench_config",
          "get_configuration: the configuration key.");
ABSL_FLAG(int, keys, 1000,
          "update_*: records are drawn at random from this many ids "
          "(bench_goal_N, or user bench_user_N's preference 'theme').");
ABSL_FLAG(std::string, actor, "bench-writer", "x-opsbrain-actor.");
ABSL_FLAG(std::string, scopes, "read,write", "x-opsbrain-scopes.");

namespace opsbrain::bench {
namespace {

using Clock = std::chrono::steady_clock;

enum class Method { kGetConfiguration, kUpdateGoal, kUpdatePreference };

struct LoadOptions {
  std::string target;
  Method method = Method::kGetConfiguration;
  std::string method_name;
  int connections = 16;
  int threads = 2;
  absl::Duration duration;
  absl::Duration warmup;
  absl::Duration call_timeout;
  std::string key;
  int keys = 1000;
  std::string actor;
  std::string scopes;
};

// What one completion-queue thread saw in the measured window.
struct ThreadTally {
  std::vector<double> latencies_ms;
  int64_t errors = 0;
  std::string first_error;
};

// One channel's call in flight. Its address is the completion-queue tag.
class Slot {
 public:
  Slot(const LoadOptions& options, v1::Repository::Stub* stub, uint32_t seed,
       int index)
      : options_(options), stub_(stub), random_(seed), index_(index) {}

  // Starts the next call on `cq`.
  void Start(grpc::CompletionQueue* cq) {
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(std::chrono::system_clock::now() +
                           absl::ToChronoMilliseconds(options_.call_timeout));
    context_->AddMetadata("x-request-id",
                          absl::StrFormat("%08x%08x", index_, ++calls_));
    context_->AddMetadata("x-opsbrain-actor", options_.actor);
    context_->AddMetadata("x-opsbrain-scopes", options_.scopes);
    started_ = Clock::now();

    switch (options_.method) {
      case Method::kGetConfiguration: {
        v1::GetConfigurationRequest request;
        request.set_key(options_.key);
        config_reader_ =
            stub_->PrepareAsyncGetConfiguration(context_.get(), request, cq);
        config_reader_->StartCall();
        config_reader_->Finish(&config_, &status_, this);
        break;
      }
      case Method::kUpdateGoal: {
        // The body of bench/wrk/update_goal.lua.
        v1::UpdateBusinessGoalRequest request;
        v1::BusinessGoal* goal = request.mutable_business_goal();
        goal->set_id(absl::StrCat("bench_goal_", RandomKey()));
        goal->set_title("Close 5 deals this quarter");
        goal->set_area("sales");
        goal->set_status("in_progress");
        goal->set_priority(3);
        goal->set_progress(40);
        request.set_allow_missing(true);
        goal_reader_ =
            stub_->PrepareAsyncUpdateBusinessGoal(context_.get(), request, cq);
        goal_reader_->StartCall();
        goal_reader_->Finish(&goal_, &status_, this);
        break;
      }
      case Method::kUpdatePreference: {
        v1::UpdateUserPreferenceRequest request;
        v1::UserPreference* preference = request.mutable_user_preference();
        preference->set_user_id(absl::StrCat("bench_user_", RandomKey()));
        preference->set_key("theme");
        preference->set_value(absl::StrCat("dark-", calls_ % 1000));
        request.set_allow_missing(true);
        preference_reader_ = stub_->PrepareAsyncUpdateUserPreference(
            context_.get(), request, cq);
        preference_reader_->StartCall();
        preference_reader_->Finish(&preference_, &status_, this);
        break;
      }
    }
  }

  double ElapsedMs(Clock::time_point now) const {
    return std::chrono::duration<double, std::milli>(now - started_).count();
  }
  const grpc::Status& status() const { return status_; }

 private:
  int RandomKey() {
    return std::uniform_int_distribution<int>(1, options_.keys)(random_);
  }

  const LoadOptions& options_;
  v1::Repository::Stub* const stub_;
  std::mt19937 random_;
  const int index_;
  uint32_t calls_ = 0;

  std::unique_ptr<grpc::ClientContext> context_;
  Clock::time_point started_;
  grpc::Status status_;
  v1::Configuration config_;
  v1::BusinessGoal goal_;
  v1::UserPreference preference_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::Configuration>>
      config_reader_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::BusinessGoal>>
      goal_reader_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::UserPreference>>
      preference_reader_;
};

// Drives `slots` on one completion queue until `stop`, counting the calls
// that complete in [measure_from, stop).
void Drive(std::vector<std::unique_ptr<Slot>>& slots,
           Clock::time_point measure_from, Clock::time_point stop,
           ThreadTally* tally) {
  grpc::CompletionQueue cq;
  for (auto& slot : slots) slot->Start(&cq);

  size_t running = slots.size();
  void* tag = nullptr;
  bool ok = false;
  while (running > 0 && cq.Next(&tag, &ok)) {
    Slot* slot = static_cast<Slot*>(tag);
    const Clock::time_point now = Clock::now();
    if (now >= measure_from && now < stop) {
      if (ok && slot->status().ok()) {
        tally->latencies_ms.push_back(slot->ElapsedMs(now));
      } else {
        ++tally->errors;
        if (tally->first_error.empty()) {
          tally->first_error = absl::StrCat(slot->status().error_code(), ": ",
                                            slot->status().error_message());
        }
      }
    }
    if (now < stop) {
      slot->Start(&cq);
    } else {
      --running;
    }
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

double Percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(
      std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

int Run(const LoadOptions& options) {
  // The channels, each with its own subchannel pool so that each has its
  // own TCP connection (gRPC would otherwise share one among equal
  // channels).
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<v1::Repository::Stub>> stubs;
  const auto connect_by =
      std::chrono::system_clock::now() + std::chrono::seconds(10);
  for (int i = 0; i < options.connections; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("opsbrain.bench_channel", i);
    channels.push_back(grpc::CreateCustomChannel(
        options.target, grpc::InsecureChannelCredentials(), args));
    if (!channels.back()->WaitForConnected(connect_by)) {
      std::fprintf(stderr, "grpc_load: channel %d did not connect to %s\n", i,
                   options.target.c_str());
      return 1;
    }
    stubs.push_back(v1::Repository::NewStub(channels.back()));
  }

  // The slots, dealt out to the threads.
  const int threads = std::min(options.threads, options.connections);
  std::vector<std::vector<std::unique_ptr<Slot>>> slots(threads);
  for (int i = 0; i < options.connections; ++i) {
    slots[i % threads].push_back(std::make_unique<Slot>(
        options, stubs[i].get(), static_cast<uint32_t>(7919 * i + 1), i));
  }

  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from =
      start + absl::ToChronoMilliseconds(options.warmup);
  const Clock::time_point stop =
      measure_from + absl::ToChronoMilliseconds(options.duration);
  std::vector<ThreadTally> tallies(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back(Drive, std::ref(slots[t]), measure_from, stop,
                         &tallies[t]);
  }
  for (std::thread& worker : workers) worker.join();

  std::vector<double> latencies;
  int64_t errors = 0;
  std::string first_error;
  for (const ThreadTally& tally : tallies) {
    latencies.insert(latencies.end(), tally.latencies_ms.begin(),
                     tally.latencies_ms.end());
    errors += tally.errors;
    if (first_error.empty()) first_error = tally.first_error;
  }
  std::sort(latencies.begin(), latencies.end());
  const double seconds = absl::ToDoubleSeconds(options.duration);
  std::printf(
      "{\"method\":\"%s\",\"connections\":%d,\"seconds\":%.3f,"
      "\"requests\":%zu,\"errors\":%lld,\"rps\":%.1f,\"p50_ms\":%.3f,"
      "\"p99_ms\":%.3f,\"first_error\":\"%s\"}\n",
      options.method_name.c_str(), options.connections, seconds,
      latencies.size(), static_cast<long long>(errors),
      static_cast<double>(latencies.size()) / seconds,
      Percentile(latencies, 0.50), Percentile(latencies, 0.99),
      JsonEscape(first_error).c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace opsbrain::bench

int main(int argc, char** argv) {
  opsbrain::UseReleaseMutexMode();
  absl::SetProgramUsageMessage(
      "Closed-loop gRPC load on the storage service; prints one JSON line.");
  absl::ParseCommandLine(argc, argv);

  opsbrain::bench::LoadOptions options;
  options.target = absl::GetFlag(FLAGS_target);
  options.method_name = absl::GetFlag(FLAGS_method);
  using opsbrain::bench::Method;
  if (options.method_name == "get_configuration") {
    options.method = Method::kGetConfiguration;
  } else if (options.method_name == "update_business_goal") {
    options.method = Method::kUpdateGoal;
  } else if (options.method_name == "update_user_preference") {
    options.method = Method::kUpdatePreference;
  } else {
    std::fprintf(stderr, "grpc_load: unknown --method %s\n",
                 options.method_name.c_str());
    return 2;
  }
  options.connections = absl::GetFlag(FLAGS_connections);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  options.key = absl::GetFlag(FLAGS_key);
  options.keys = absl::GetFlag(FLAGS_keys);
  options.actor = absl::GetFlag(FLAGS_actor);
  options.scopes = absl::GetFlag(FLAGS_scopes);
  if (options.connections < 1 || options.threads < 1 || options.keys < 1 ||
      options.duration <= absl::ZeroDuration() ||
      options.warmup < absl::ZeroDuration() ||
      options.call_timeout <= absl::ZeroDuration()) {
    std::fprintf(stderr,
                 "grpc_load: --connections, --threads and --keys must be at "
                 "least 1, --duration and --call_timeout positive\n");
    return 2;
  }
  return opsbrain::bench::Run(options);
}
