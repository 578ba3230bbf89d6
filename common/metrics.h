// Process metrics (counters, gauges, histograms) and their exposition in the
// Prometheus text format, version 0.0.4.
//
// No Prometheus client library is packaged for Debian, so this is a small
// one: a Registry owns metric families; each family has fixed label names
// and one metric per combination of label values, created on first use.
//
//   metrics::Registry registry;
//   metrics::CounterFamily* calls = registry.AddCounter(
//       "rpc_calls_total", "Calls handled, by method.", {"method"});
//   calls->WithLabels({"GetConfiguration"})->Increment();
//   std::string page = registry.TextExposition();
//
// Names must match [a-zA-Z_:][a-zA-Z0-9_:]* (metrics) and
// [a-zA-Z_][a-zA-Z0-9_]* (labels, not starting with "__", not "le" on a
// histogram); a family with an invalid name is logged at ERROR and left out
// of the exposition, so that one bad name never breaks a scrape. Label
// values may hold any text; the writer escapes them.
//
// Thread-safety: everything here may be used from any number of threads.
// Pointers to families and metrics stay valid as long as their Registry.
#ifndef OPSBRAIN_COMMON_METRICS_H_
#define OPSBRAIN_COMMON_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace opsbrain::metrics {

// The Content-Type of TextExposition().
inline constexpr char kTextContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// A value that only goes up (calls, errors, deleted rows).
class Counter {
 public:
  // `amount` must be non-negative; a negative amount is ignored.
  void Increment(double amount = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down (connections in use).
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double amount);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into buckets by upper bound (latencies).
class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, ascending, without +Inf (which is
  // always there).
  explicit Histogram(std::vector<double> bounds);

  void Observe(double value) ABSL_LOCKS_EXCLUDED(mu_);

  struct Snapshot {
    std::vector<double> bounds;
    // Cumulative: cumulative_counts[i] observations were <= bounds[i]; the
    // last entry (one more than bounds) counts every observation (+Inf).
    std::vector<uint64_t> cumulative_counts;
    double sum = 0;
  };
  Snapshot Read() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  // Per bucket, not cumulative; one more than bounds_ (+Inf).
  std::vector<uint64_t> counts_ ABSL_GUARDED_BY(mu_);
  double sum_ ABSL_GUARDED_BY(mu_) = 0;
};

enum class MetricType { kCounter, kGauge, kHistogram };

// Shared by the families of every metric type.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type,
             std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Appends the family's HELP, TYPE and sample lines to `out`.
  virtual void Write(std::string& out) const = 0;

 protected:
  // The HELP and TYPE lines.
  void WriteHeader(std::string& out) const;
  // `{a="x",b="y"` without the closing brace (so that a histogram can add
  // `le`), or empty when there are no labels.
  std::string OpenLabels(const std::vector<std::string>& values) const;
  // `values` resized to the number of label names: missing values are
  // empty, extra ones dropped (a caller's bug, but never a broken scrape).
  std::vector<std::string> Fit(std::vector<std::string> values) const;

 private:
  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
};

template <typename Metric>
class Family final : public FamilyBase {
 public:
  using Factory = std::function<std::unique_ptr<Metric>()>;

  Family(std::string name, std::string help, MetricType type,
         std::vector<std::string> label_names, Factory factory)
      : FamilyBase(std::move(name), std::move(help), type,
                   std::move(label_names)),
        factory_(std::move(factory)) {}

  // The metric for these label values, in the order of the family's label
  // names; created (at zero) on first use.
  Metric* WithLabels(std::vector<std::string> values = {})
      ABSL_LOCKS_EXCLUDED(mu_) {
    values = Fit(std::move(values));
    absl::MutexLock lock(&mu_);
    std::unique_ptr<Metric>& metric = metrics_[values];
    if (metric == nullptr) metric = factory_();
    return metric.get();
  }

  void Write(std::string& out) const override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const Factory factory_;
  mutable absl::Mutex mu_;
  // Ordered, so that the exposition is stable from scrape to scrape.
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> metrics_
      ABSL_GUARDED_BY(mu_);
};

template <>
void Family<Counter>::Write(std::string& out) const;
template <>
void Family<Gauge>::Write(std::string& out) const;
template <>
void Family<Histogram>::Write(std::string& out) const;

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Upper bounds in seconds for request latencies: 1 ms to 10 s.
std::vector<double> DefaultLatencyBounds();

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Each adds a family, or returns the one already added under `name` when
  // it has the same type and label names. Any other clash is a bug: it is
  // logged at ERROR and the returned family is not exported.
  CounterFamily* AddCounter(const std::string& name, const std::string& help,
                            std::vector<std::string> label_names = {});
  GaugeFamily* AddGauge(const std::string& name, const std::string& help,
                        std::vector<std::string> label_names = {});
  // `bounds` ascending, without +Inf.
  HistogramFamily* AddHistogram(const std::string& name,
                                const std::string& help,
                                std::vector<std::string> label_names,
                                std::vector<double> bounds);

  // Runs `collect` at the start of every TextExposition, to bring gauges
  // that mirror other state (a pool's connections) up to date. It must not
  // call TextExposition, AddCollector or RemoveCollector. Returns a handle
  // for RemoveCollector.
  int AddCollector(std::function<void()> collect)
      ABSL_LOCKS_EXCLUDED(collect_mu_);
  // Stops running a collector; once this returns it runs no more, so what
  // it reads may go away.
  void RemoveCollector(int handle) ABSL_LOCKS_EXCLUDED(collect_mu_);

  // Every exported family in the text format, ordered by name.
  std::string TextExposition() const ABSL_LOCKS_EXCLUDED(mu_, collect_mu_);

 private:
  template <typename Metric>
  Family<Metric>* Add(const std::string& name, const std::string& help,
                      MetricType type, std::vector<std::string> label_names,
                      typename Family<Metric>::Factory factory)
      ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<FamilyBase>> families_
      ABSL_GUARDED_BY(mu_);
  // Families refused by Add (clashes, bad names): owned, never exported.
  std::vector<std::unique_ptr<FamilyBase>> rejected_ ABSL_GUARDED_BY(mu_);
  // Held while collectors run, so that RemoveCollector waits for a run in
  // progress.
  mutable absl::Mutex collect_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::map<int, std::function<void()>> collectors_ ABSL_GUARDED_BY(collect_mu_);
  int next_collector_ ABSL_GUARDED_BY(collect_mu_) = 0;
};

// ---- The text format's pieces, exposed for tests -------------------------

bool IsValidMetricName(absl::string_view name);
bool IsValidLabelName(absl::string_view name);
// A label value between double quotes: \ " and line feed escaped.
std::string EscapeLabelValue(absl::string_view value);
// A HELP text: \ and line feed escaped.
std::string EscapeHelp(absl::string_view help);
// A sample value: "+Inf", "-Inf", "NaN", or the shortest decimal form that
// reads back as the same double.
std::string FormatValue(double value);

}  // namespace opsbrain::metrics

#endif  // OPSBRAIN_COMMON_METRICS_H_
