#include "api/http/http_listener.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <exception>

#include "api/http/http_status.h"
#include "api/http/request_guard.h"
#include "api/serving/exception_status.h"
#include "api/transport_security.h"
#include "fmt/format.h"

namespace feedrank::api::http {

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::start(
    std::unique_ptr<httplib::Server> server, const std::string& address) {
  const auto colon = address.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    const char* first = address.data() + colon + 1;
    const char* last = address.data() + address.size();
    const auto [end, error] = std::from_chars(first, last, port);
    if (error != std::errc() || end != last || port < 0 || port > 65535) port = -1;
  }
  if (port < 0) {
    return absl::InvalidArgumentError(fmt::format("'{}': expected HOST:PORT", address));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]:8080
  }
  // A handler that throws (out of memory, say) is answered as a failed call is, with the error
  // as JSON, not with the library's bare 500.
  server->set_exception_handler(
      [](const httplib::Request& request, httplib::Response& response, std::exception_ptr thrown) {
        const grpc::Status status = serving::status_of_exception(std::move(thrown));
        answer_error(request, response, status.error_code(), status.error_message());
      });
  guard_requests(*server, is_loopback_address(address));
  const int bound =
      port == 0 ? server->bind_to_any_port(host) : (server->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(
        fmt::format("cannot listen on {} (address in use or invalid)", address));
  }
  std::unique_ptr<HttpListener> listener(
      new HttpListener(std::move(server), fmt::format("{}:{}", address.substr(0, colon), bound)));
  listener->thread_ = std::thread([raw = listener.get()] {
    raw->server_->listen_after_bind();
    raw->listening_ended_ = true;
  });
  return listener;
}

HttpListener::HttpListener(std::unique_ptr<httplib::Server> server, std::string address)
    : server_(std::move(server)), address_(std::move(address)) {}

HttpListener::~HttpListener() { stop(); }

void HttpListener::stop() {
  if (!thread_.joinable()) return;
  // httplib's stop() does nothing before the thread has entered its accept loop.
  while (!server_->is_running() && !listening_ended_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_->stop();
  thread_.join();
}

}  // namespace feedrank::api::http
