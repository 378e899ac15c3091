#include "api/http/request_guard.h"

#include <httplib.h>

#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "api/http/http_status.h"
#include "api/transport_security.h"

namespace feedrank::api::http {
namespace {

using Handled = httplib::Server::HandlerResponse;

Handled refuse(const httplib::Request& request, httplib::Response& response, int status,
               const std::string& message) {
  response.status = status;
  answer_error(request, response,
               status == 403 ? grpc::StatusCode::PERMISSION_DENIED
                             : grpc::StatusCode::INVALID_ARGUMENT,
               message, status);
  return Handled::Handled;
}

// A link followed from another site's page to the explorer itself: a page to look at, not a
// call (every call is under /v1/, and /metrics is a scrape).
bool is_page_navigation(const httplib::Request& request) {
  return request.get_header_value("Sec-Fetch-Mode") == "navigate" &&
         !request.path.starts_with("/v1/") && request.path != "/metrics";
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
  // One request a connection: a refused request's body is left unread, and on a kept connection
  // the library would read it as the next request (a GET hidden in a cross-site POST's body,
  // without the headers that tell it came from another site).
  server.set_keep_alive_max_count(1);
  server.set_pre_routing_handler([loopback_only](const httplib::Request& request,
                                                 httplib::Response& response) {
    if (request.method != "GET" && request.method != "HEAD") {
      response.set_header("Allow", "GET, HEAD");
      return refuse(request, response, 405, "method " + request.method + " not allowed: GET or HEAD");
    }
    if (has_body(request)) return refuse(request, response, 413, "a GET takes no request body");
    if (request.ranges.size() > 1) return refuse(request, response, 416, "at most one byte range");
    const std::string host = absl::AsciiStrToLower(request.get_header_value("Host"));
    if (loopback_only && !host.empty() && !is_loopback_address(host)) {
      return refuse(request, response, 403,
                    "Host '" + host + "' is not this loopback listener (a proxy in front must "
                    "pass the listener's address as Host)");
    }
    const std::string fetch_site = request.get_header_value("Sec-Fetch-Site");
    const std::string origin = absl::AsciiStrToLower(request.get_header_value("Origin"));
    const bool other_site =
        (!fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none") ||
        (!origin.empty() && origin != "null" && origin_host(origin) != host);
    if (other_site && !is_page_navigation(request)) {
      return refuse(request, response, 403, "a request from another site's page is refused");
    }
    return Handled::Unhandled;
  });
}

}  // namespace feedrank::api::http
