// Prometheus text exposition format (version 0.0.4): the few metric kinds the server exports,
// safe to update from any thread, and the writer that renders them. No Debian package ships a
// C++ Prometheus client, and the format is small.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedrank::api::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A cumulative histogram over fixed upper bounds (seconds, counts, ...); observe() is lock-free.
class Histogram {
 public:
  explicit Histogram(std::span<const double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf last
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> upper_bounds_;
  std::vector<std::atomic<std::uint64_t>> counts_;  // per bucket (not cumulative), +Inf last
  std::atomic<double> sum_{0};
};

// Latency buckets from 50 µs to 10 s, in seconds.
std::span<const double> latency_buckets_seconds();

// Appends metric families to a text exposition. Each family's HELP and TYPE lines are written
// once, by the first sample of that name; samples of one family must be written together.
class ExpositionWriter {
 public:
  void counter(std::string_view name, std::string_view help, const Labels& labels, double value);
  void gauge(std::string_view name, std::string_view help, const Labels& labels, double value);
  void histogram(std::string_view name, std::string_view help, const Labels& labels,
                 const Histogram::Snapshot& snapshot);

  const std::string& text() const { return text_; }

 private:
  void header(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, const Labels& labels, double value);

  std::string text_;
  std::string last_family_;
};

// A label value escaped as the format requires (backslash, double quote, newline).
std::string escape_label_value(std::string_view value);

}  // namespace feedrank::api::metrics
