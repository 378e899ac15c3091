#include "api/http/http_status.h"

#include <httplib.h>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace feedrank::api::http {

int http_status_of(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 400;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;  // the gateway's own deadline or the caller's: a timeout, not an outage
    default:
      return 500;
  }
}

std::string code_name(grpc::StatusCode code) {
  // absl and gRPC share the canonical code numbers and names.
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::string error_json(grpc::StatusCode code, const std::string& message) {
  // Messages may quote a decoded path or parameter that is not UTF-8: replaced, never thrown.
  return nlohmann::json{{"code", code_name(code)}, {"message", message}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void answer_error(const httplib::Request& request, httplib::Response& response,
                  grpc::StatusCode code, const std::string& message, int http_status) {
  response.status = http_status != 0 ? http_status : http_status_of(code);
  if (request.ranges.empty()) response.set_content(error_json(code, message), "application/json");
}

}  // namespace feedrank::api::http
