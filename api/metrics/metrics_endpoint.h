// The Prometheus scrape endpoint: GET /metrics on a port of its own (--metrics-listen), so that
// scrapes never queue behind feed traffic and the port can be firewalled apart.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "api/http/http_listener.h"

namespace feedrank::api::metrics {

// Serves `render()`'s text at /metrics (404 elsewhere) on `address` until destroyed.
absl::StatusOr<std::unique_ptr<http::HttpListener>> start_metrics_endpoint(
    const std::string& address, std::function<std::string()> render);

}  // namespace feedrank::api::metrics
