#include "common/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/logging.h"

namespace opsbrain::metrics {
namespace {

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// `name` and the label names as the format requires; `why` says what is
// wrong otherwise.
bool ValidFamily(absl::string_view name, MetricType type,
                 const std::vector<std::string>& label_names,
                 std::string* why) {
  if (!IsValidMetricName(name)) {
    *why = "invalid metric name";
    return false;
  }
  for (const std::string& label : label_names) {
    if (!IsValidLabelName(label)) {
      *why = absl::StrCat("invalid label name '", label, "'");
      return false;
    }
    // The histogram writer adds `le` itself.
    if (type == MetricType::kHistogram && label == "le") {
      *why = "a histogram cannot have a label named le";
      return false;
    }
  }
  return true;
}

// Adds `amount` to an atomic double. std::atomic<double> has no fetch_add
// before C++20.
void AtomicAdd(std::atomic<double>& target, double amount) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + amount,
                                       std::memory_order_relaxed)) {
  }
}

}  // namespace

// ---- Metrics ----------------------------------------------------------------

void Counter::Increment(double amount) {
  if (!(amount >= 0)) return;  // Also drops NaN.
  AtomicAdd(value_, amount);
}

void Gauge::Add(double amount) { AtomicAdd(value_, amount); }

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  absl::MutexLock lock(&mu_);
  counts_.assign(bounds_.size() + 1, 0);
}

void Histogram::Observe(double value) {
  // The first bucket whose upper bound holds the value; +Inf otherwise
  // (NaN included).
  const size_t bucket =
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  absl::MutexLock lock(&mu_);
  ++counts_[bucket];
  sum_ += value;
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.bounds = bounds_;
  absl::MutexLock lock(&mu_);
  uint64_t total = 0;
  for (uint64_t count : counts_) {
    total += count;
    snapshot.cumulative_counts.push_back(total);
  }
  snapshot.sum = sum_;
  return snapshot;
}

// ---- Families ---------------------------------------------------------------

FamilyBase::FamilyBase(std::string name, std::string help, MetricType type,
                       std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {}

void FamilyBase::WriteHeader(std::string& out) const {
  absl::StrAppend(&out, "# HELP ", name_, " ", EscapeHelp(help_), "\n");
  absl::StrAppend(&out, "# TYPE ", name_, " ", TypeName(type_), "\n");
}

std::string FamilyBase::OpenLabels(
    const std::vector<std::string>& values) const {
  if (label_names_.empty()) return "";
  std::string labels = "{";
  for (size_t i = 0; i < label_names_.size(); ++i) {
    if (i > 0) labels += ',';
    absl::StrAppend(&labels, label_names_[i], "=\"",
                    EscapeLabelValue(i < values.size() ? values[i] : ""), "\"");
  }
  return labels;
}

std::vector<std::string> FamilyBase::Fit(
    std::vector<std::string> values) const {
  values.resize(label_names_.size());
  return values;
}

template <>
void Family<Counter>::Write(std::string& out) const {
  WriteHeader(out);
  absl::MutexLock lock(&mu_);
  for (const auto& [values, counter] : metrics_) {
    const std::string labels = OpenLabels(values);
    absl::StrAppend(&out, name(), labels, labels.empty() ? "" : "}", " ",
                    FormatValue(counter->value()), "\n");
  }
}

template <>
void Family<Gauge>::Write(std::string& out) const {
  WriteHeader(out);
  absl::MutexLock lock(&mu_);
  for (const auto& [values, gauge] : metrics_) {
    const std::string labels = OpenLabels(values);
    absl::StrAppend(&out, name(), labels, labels.empty() ? "" : "}", " ",
                    FormatValue(gauge->value()), "\n");
  }
}

template <>
void Family<Histogram>::Write(std::string& out) const {
  WriteHeader(out);
  absl::MutexLock lock(&mu_);
  for (const auto& [values, histogram] : metrics_) {
    const Histogram::Snapshot snapshot = histogram->Read();
    const std::string labels = OpenLabels(values);
    // `le` joins the family's labels inside one pair of braces.
    const std::string bucket_open =
        labels.empty() ? "{le=\"" : absl::StrCat(labels, ",le=\"");
    for (size_t i = 0; i <= snapshot.bounds.size(); ++i) {
      const std::string bound =
          i < snapshot.bounds.size() ? FormatValue(snapshot.bounds[i]) : "+Inf";
      absl::StrAppend(&out, name(), "_bucket", bucket_open, bound, "\"} ",
                      snapshot.cumulative_counts[i], "\n");
    }
    const std::string closed = labels.empty() ? "" : absl::StrCat(labels, "}");
    absl::StrAppend(&out, name(), "_sum", closed, " ",
                    FormatValue(snapshot.sum), "\n");
    absl::StrAppend(&out, name(), "_count", closed, " ",
                    snapshot.cumulative_counts.back(), "\n");
  }
}

std::vector<double> DefaultLatencyBounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
          0.25,  0.5,    1,     2.5,  5,     10};
}

// ---- Registry ---------------------------------------------------------------

template <typename Metric>
Family<Metric>* Registry::Add(const std::string& name, const std::string& help,
                              MetricType type,
                              std::vector<std::string> label_names,
                              typename Family<Metric>::Factory factory) {
  auto family = std::make_unique<Family<Metric>>(
      name, help, type, std::move(label_names), std::move(factory));
  Family<Metric>* const result = family.get();

  absl::MutexLock lock(&mu_);
  std::string why;
  if (!ValidFamily(name, type, result->label_names(), &why)) {
    OPSBRAIN_LOG(ERROR) << "metric '" << name << "' not exported: " << why;
    rejected_.push_back(std::move(family));
    return result;
  }
  auto [it, inserted] = families_.emplace(name, nullptr);
  if (inserted) {
    it->second = std::move(family);
    return result;
  }
  if (it->second->type() == type &&
      it->second->label_names() == result->label_names()) {
    return static_cast<Family<Metric>*>(it->second.get());
  }
  OPSBRAIN_LOG(ERROR) << "metric '" << name
                      << "' added twice with different types or labels; "
                         "the second is not exported";
  rejected_.push_back(std::move(family));
  return result;
}

CounterFamily* Registry::AddCounter(const std::string& name,
                                    const std::string& help,
                                    std::vector<std::string> label_names) {
  return Add<Counter>(name, help, MetricType::kCounter, std::move(label_names),
                      [] { return std::make_unique<Counter>(); });
}

GaugeFamily* Registry::AddGauge(const std::string& name,
                                const std::string& help,
                                std::vector<std::string> label_names) {
  return Add<Gauge>(name, help, MetricType::kGauge, std::move(label_names),
                    [] { return std::make_unique<Gauge>(); });
}

HistogramFamily* Registry::AddHistogram(const std::string& name,
                                        const std::string& help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> bounds) {
  // Ascending and unique, whatever the caller passed; +Inf is implicit.
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  bounds.erase(
      std::remove_if(bounds.begin(), bounds.end(),
                     [](double bound) { return !std::isfinite(bound); }),
      bounds.end());
  return Add<Histogram>(
      name, help, MetricType::kHistogram, std::move(label_names),
      [bounds] { return std::make_unique<Histogram>(bounds); });
}

int Registry::AddCollector(std::function<void()> collect) {
  absl::MutexLock lock(&collect_mu_);
  const int handle = next_collector_++;
  collectors_.emplace(handle, std::move(collect));
  return handle;
}

void Registry::RemoveCollector(int handle) {
  absl::MutexLock lock(&collect_mu_);
  collectors_.erase(handle);
}

std::string Registry::TextExposition() const {
  {
    // Collectors set gauges, which lock only their families.
    absl::MutexLock lock(&collect_mu_);
    for (const auto& [handle, collect] : collectors_) collect();
  }

  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& [name, family] : families_) family->Write(out);
  return out;
}

// ---- Text format pieces -----------------------------------------------------

bool IsValidMetricName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || c == ':' ||
                    (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(absl::string_view name) {
  if (name.empty() || absl::StartsWith(name, "__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok =
        absl::ascii_isalpha(c) || c == '_' || (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

std::string EscapeLabelValue(absl::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string EscapeHelp(absl::string_view help) {
  std::string escaped;
  escaped.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Counters are whole numbers most of the time; print them without an
  // exponent while that is exact.
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return absl::StrFormat("%.0f", value);
  }
  // The fewest digits that read back as the same double.
  for (int digits = 1; digits < 17; ++digits) {
    std::string text = absl::StrFormat("%.*g", digits, value);
    if (std::strtod(text.c_str(), nullptr) == value) return text;
  }
  return absl::StrFormat("%.17g", value);
}

}  // namespace opsbrain::metrics
