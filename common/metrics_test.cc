#include "common/metrics.h"

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsbrain::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTextTest, NamesFollowTheFormat) {
  struct Case {
    const char* name;
    bool metric;
    bool label;
  };
  const Case kCases[] = {
      {"rpc_total", true, true},
      {"a:b", true, false},
      {"_x9", true, true},
      {"9x", false, false},
      {"", false, false},
      {"with-dash", false, false},
      {"__reserved", true, false},
      {"caf\xC3\xA9", false, false},
      {"grpc_server_handled_total", true, true},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(IsValidMetricName(c.name), c.metric);
    EXPECT_EQ(IsValidLabelName(c.name), c.label);
  }
}

TEST(MetricsTextTest, EscapesLabelValuesAndHelp) {
  struct Case {
    const char* text;
    const char* label;
    const char* help;
  };
  const Case kCases[] = {
      {"plain", "plain", "plain"},
      {"a\"b", "a\\\"b", "a\"b"},
      {"back\\slash", "back\\\\slash", "back\\\\slash"},
      {"two\nlines", "two\\nlines", "two\\nlines"},
      {"caf\xC3\xA9", "caf\xC3\xA9", "caf\xC3\xA9"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(EscapeLabelValue(c.text), c.label);
    EXPECT_EQ(EscapeHelp(c.text), c.help);
  }
}

TEST(MetricsTextTest, FormatsValuesAsGoParsesThem) {
  struct Case {
    double value;
    const char* text;
  };
  const Case kCases[] = {
      {0, "0"},
      {42, "42"},
      {-3, "-3"},
      {0.25, "0.25"},
      {0.1, "0.1"},
      {1e20, "1e+20"},
      {1234567.5, "1234567.5"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(FormatValue(c.value), c.text) << c.text;
  }
}

TEST(RegistryTest, WritesCountersAndGaugesWithHelpTypeAndLabels) {
  Registry registry;
  CounterFamily* calls = registry.AddCounter(
      "rpc_calls_total", "Calls, by method.\nSecond line.", {"method", "code"});
  calls->WithLabels({"Get", "OK"})->Increment();
  calls->WithLabels({"Get", "OK"})->Increment(2);
  calls->WithLabels({"Say \"hi\"", "OK"})->Increment();
  GaugeFamily* up = registry.AddGauge("database_up", "1 when reachable.");
  up->WithLabels()->Set(1);

  EXPECT_EQ(registry.TextExposition(),
            "# HELP database_up 1 when reachable.\n"
            "# TYPE database_up gauge\n"
            "database_up 1\n"
            "# HELP rpc_calls_total Calls, by method.\\nSecond line.\n"
            "# TYPE rpc_calls_total counter\n"
            "rpc_calls_total{method=\"Get\",code=\"OK\"} 3\n"
            "rpc_calls_total{method=\"Say \\\"hi\\\"\",code=\"OK\"} 1\n");
}

TEST(RegistryTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry registry;
  HistogramFamily* latency = registry.AddHistogram(
      "latency_seconds", "Latency.", {"method"}, {0.5, 0.1, 1});
  Histogram* get = latency->WithLabels({"Get"});
  // 0.5 lands in the bucket whose upper bound it equals.
  for (double value : {0.0625, 0.125, 0.5, 0.75, 2.0}) get->Observe(value);
  registry.AddHistogram("bare_seconds", "No labels.", {}, {1})
      ->WithLabels()
      ->Observe(0.5);

  EXPECT_EQ(registry.TextExposition(),
            "# HELP bare_seconds No labels.\n"
            "# TYPE bare_seconds histogram\n"
            "bare_seconds_bucket{le=\"1\"} 1\n"
            "bare_seconds_bucket{le=\"+Inf\"} 1\n"
            "bare_seconds_sum 0.5\n"
            "bare_seconds_count 1\n"
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{method=\"Get\",le=\"0.1\"} 1\n"
            "latency_seconds_bucket{method=\"Get\",le=\"0.5\"} 3\n"
            "latency_seconds_bucket{method=\"Get\",le=\"1\"} 4\n"
            "latency_seconds_bucket{method=\"Get\",le=\"+Inf\"} 5\n"
            "latency_seconds_sum{method=\"Get\"} 3.4375\n"
            "latency_seconds_count{method=\"Get\"} 5\n");
}

TEST(RegistryTest, SameFamilyTwiceIsSharedAndAClashIsNotExported) {
  Registry registry;
  CounterFamily* first = registry.AddCounter("hits_total", "Hits.", {"a"});
  CounterFamily* again = registry.AddCounter("hits_total", "Hits.", {"a"});
  EXPECT_EQ(first, again);
  GaugeFamily* clash = registry.AddGauge("hits_total", "Not a counter.");
  clash->WithLabels()->Set(7);
  registry.AddGauge("bad-name", "Invalid.")->WithLabels()->Set(1);

  const std::string text = registry.TextExposition();
  EXPECT_THAT(text, Not(HasSubstr("gauge")));
  EXPECT_THAT(text, Not(HasSubstr("bad-name")));
  EXPECT_THAT(text, Not(HasSubstr("Not a counter")));
}

TEST(RegistryTest, CollectorsRunBeforeEachExposition) {
  Registry registry;
  Gauge* gauge = registry.AddGauge("pool_idle", "Idle.")->WithLabels();
  int runs = 0;
  const int handle = registry.AddCollector([&] { gauge->Set(++runs); });
  EXPECT_THAT(registry.TextExposition(), HasSubstr("pool_idle 1\n"));
  EXPECT_THAT(registry.TextExposition(), HasSubstr("pool_idle 2\n"));
  registry.RemoveCollector(handle);
  EXPECT_THAT(registry.TextExposition(), HasSubstr("pool_idle 2\n"));
}

TEST(RegistryTest, WrongNumberOfLabelValuesNeverBreaksTheFormat) {
  Registry registry;
  CounterFamily* family = registry.AddCounter("c_total", "C.", {"a", "b"});
  family->WithLabels({"only"})->Increment();
  family->WithLabels({"x", "y", "extra"})->Increment();
  EXPECT_EQ(registry.TextExposition(),
            "# HELP c_total C.\n"
            "# TYPE c_total counter\n"
            "c_total{a=\"only\",b=\"\"} 1\n"
            "c_total{a=\"x\",b=\"y\"} 1\n");
}

TEST(RegistryTest, ConcurrentIncrementsAreAllCounted) {
  Registry registry;
  CounterFamily* family = registry.AddCounter("n_total", "N.", {"t"});
  Histogram* histogram =
      registry.AddHistogram("h", "H.", {}, {1})->WithLabels();
  constexpr int kThreads = 4;
  constexpr int kEach = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        family->WithLabels({"x"})->Increment();
        histogram->Observe(0.5);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(family->WithLabels({"x"})->value(), kThreads * kEach);
  EXPECT_EQ(histogram->Read().cumulative_counts.back(),
            static_cast<uint64_t>(kThreads * kEach));
}

TEST(RegistryTest, NegativeCounterIncrementIsIgnored) {
  Counter counter;
  counter.Increment(2);
  counter.Increment(-1);
  counter.Increment(std::nan(""));
  EXPECT_EQ(counter.value(), 2);
}

}  // namespace
}  // namespace opsbrain::metrics
