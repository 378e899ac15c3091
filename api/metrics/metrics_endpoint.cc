#include "api/metrics/metrics_endpoint.h"

#include <httplib.h>

namespace feedrank::api::metrics {

absl::StatusOr<std::unique_ptr<http::HttpListener>> start_metrics_endpoint(
    const std::string& address, std::function<std::string()> render) {
  auto server = std::make_unique<httplib::Server>();
  server->Get("/metrics",
              [render = std::move(render)](const httplib::Request&, httplib::Response& response) {
                response.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
              });
  return http::HttpListener::start(std::move(server), address);
}

}  // namespace feedrank::api::metrics
