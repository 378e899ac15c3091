#include "api/metrics/prometheus_text.h"

#include <algorithm>
#include <cmath>

#include "fmt/format.h"

namespace feedrank::api::metrics {
namespace {

constexpr std::array<double, 16> kLatencyBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                    0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                                    0.5,     1,      2.5,     10};

// Go's strconv formatting, as Prometheus clients print numbers: integers without a fraction,
// +Inf / -Inf / NaN spelled out.
std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{}", value);
}

}  // namespace

std::span<const double> latency_buckets_seconds() { return kLatencyBuckets; }

std::string escape_label_value(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (const char c : value) {
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

Histogram::Histogram(std::span<const double> upper_bounds)
    : upper_bounds_(upper_bounds.begin(), upper_bounds.end()), counts_(upper_bounds.size() + 1) {}

void Histogram::observe(double value) {
  const auto bucket =
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin();
  counts_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  snapshot.upper_bounds = upper_bounds_;
  std::uint64_t running = 0;
  for (const auto& count : counts_) {
    running += count.load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(running);
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

void ExpositionWriter::header(std::string_view name, std::string_view help, std::string_view type) {
  if (last_family_ == name) return;
  last_family_ = std::string(name);
  text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void ExpositionWriter::sample(std::string_view name, const Labels& labels, double value) {
  text_ += name;
  if (!labels.empty()) {
    text_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) text_ += ',';
      text_ += fmt::format("{}=\"{}\"", labels[i].first, escape_label_value(labels[i].second));
    }
    text_ += '}';
  }
  text_ += ' ';
  text_ += format_value(value);
  text_ += '\n';
}

void ExpositionWriter::counter(std::string_view name, std::string_view help, const Labels& labels,
                               double value) {
  header(name, help, "counter");
  sample(name, labels, value);
}

void ExpositionWriter::gauge(std::string_view name, std::string_view help, const Labels& labels,
                             double value) {
  header(name, help, "gauge");
  sample(name, labels, value);
}

void ExpositionWriter::histogram(std::string_view name, std::string_view help, const Labels& labels,
                                 const Histogram::Snapshot& snapshot) {
  header(name, help, "histogram");
  const std::string bucket_name = fmt::format("{}_bucket", name);
  Labels bucket_labels = labels;
  bucket_labels.emplace_back("le", "");
  for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
    bucket_labels.back().second =
        i < snapshot.upper_bounds.size() ? format_value(snapshot.upper_bounds[i]) : "+Inf";
    sample(bucket_name, bucket_labels, static_cast<double>(snapshot.cumulative[i]));
  }
  sample(fmt::format("{}_sum", name), labels, snapshot.sum);
  sample(fmt::format("{}_count", name), labels,
         static_cast<double>(snapshot.cumulative.empty() ? 0 : snapshot.cumulative.back()));
}

}  // namespace feedrank::api::metrics
