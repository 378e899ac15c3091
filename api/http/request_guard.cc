#include "api/http/request_guard.h"

#include <httplib.h>

#include <string>
#include <string_view>

#include "api/http/http_status.h"
#include "api/transport_security.h"

namespace feedrank::api::http {
namespace {

using Handled = httplib::Server::HandlerResponse;

Handled refuse(httplib::Response& response, int status, const std::string& message) {
  response.status = status;
  const grpc::StatusCode code =
      status == 403 ? grpc::StatusCode::PERMISSION_DENIED : grpc::StatusCode::INVALID_ARGUMENT;
  // The body (if any) stays unread on the socket: this connection cannot carry another request.
  response.set_header("Connection", "close");
  response.set_content(error_json(code, message), "application/json");
  return Handled::Handled;
}

bool has_body(const httplib::Request& request) {
  const std::string length = request.get_header_value("Content-Length");
  return request.has_header("Transfer-Encoding") || (!length.empty() && length != "0");
}

// "http://127.0.0.1:8080" -> "127.0.0.1:8080"
std::string_view origin_host(std::string_view origin) {
  if (const auto scheme = origin.find("://"); scheme != std::string_view::npos) {
    origin.remove_prefix(scheme + 3);
  }
  return origin;
}

}  // namespace

void guard_requests(httplib::Server& server, bool loopback_only) {
  server.set_payload_max_length(64 * 1024);  // beside the guard: nothing here takes a body
  server.set_pre_routing_handler([loopback_only](const httplib::Request& request,
                                                 httplib::Response& response) {
    if (request.method != "GET" && request.method != "HEAD") {
      response.set_header("Allow", "GET, HEAD");
      return refuse(response, 405, "method " + request.method + " not allowed: GET or HEAD");
    }
    if (has_body(request)) return refuse(response, 413, "a GET takes no request body");
    if (request.ranges.size() > 1) return refuse(response, 416, "at most one byte range");
    const std::string host = request.get_header_value("Host");
    if (loopback_only && !host.empty() && !is_loopback_address(host)) {
      return refuse(response, 403, "Host '" + host + "' is not this loopback listener");
    }
    const std::string fetch_site = request.get_header_value("Sec-Fetch-Site");
    const std::string origin = request.get_header_value("Origin");
    if ((!fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none") ||
        (!origin.empty() && origin != "null" && origin_host(origin) != host)) {
      return refuse(response, 403, "a request from another site's page is refused");
    }
    return Handled::Unhandled;
  });
}

}  // namespace feedrank::api::http
