// One scrape of a server's Prometheus endpoint, read back as sample -> value.
#pragma once

#include <map>
#include <string>

namespace feedrank::api_test {

class MetricsScrape {
 public:
  // GETs http://ADDRESS/metrics; a failed fetch is a test failure and an empty scrape.
  static MetricsScrape of(const std::string& address);

  // The value of a sample written exactly as the exposition writes it, e.g.
  // `feedrank_requests_total{method="GetFeed",code="OK"}`; 0 when absent (counters that never
  // moved are not written).
  double value(const std::string& sample) const;
  bool has(const std::string& sample) const { return samples_.contains(sample); }
  const std::string& text() const { return text_; }
  const std::string& content_type() const { return content_type_; }

 private:
  std::string text_;
  std::string content_type_;
  std::map<std::string, double> samples_;
};

}  // namespace feedrank::api_test
