#include "tests/api/metrics_scrape.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <sstream>

namespace feedrank::api_test {

MetricsScrape MetricsScrape::of(const std::string& address) {
  MetricsScrape scrape;
  httplib::Client client("http://" + address);
  const httplib::Result result = client.Get("/metrics");
  if (!result || result->status != 200) {
    ADD_FAILURE() << "GET http://" << address << "/metrics failed: "
                  << (result ? std::to_string(result->status) : httplib::to_string(result.error()));
    return scrape;
  }
  scrape.text_ = result->body;
  scrape.content_type_ = result->get_header_value("Content-Type");
  std::istringstream lines(scrape.text_);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.rfind(' ');
    scrape.samples_[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return scrape;
}

double MetricsScrape::value(const std::string& sample) const {
  const auto found = samples_.find(sample);
  return found == samples_.end() ? 0 : found->second;
}

}  // namespace feedrank::api_test
