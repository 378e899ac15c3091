// An httplib::Server listening on HOST:PORT in a thread of its own: the HTTP side doors of the
// server (the JSON gateway, the Prometheus /metrics port). Binding happens in start(), so a taken
// port is a start-up error, not a silent failure in the thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace feedrank::api::http {

class HttpListener {
 public:
  // Binds `address` (HOST:PORT, port 0 picks a free one) and serves `server`'s routes until
  // stop(). UNAVAILABLE naming the address when it cannot bind; INVALID_ARGUMENT when the address
  // has no port.
  static absl::StatusOr<std::unique_ptr<HttpListener>> start(
      std::unique_ptr<httplib::Server> server, const std::string& address);
  ~HttpListener();

  // HOST:PORT actually bound.
  const std::string& address() const { return address_; }
  // Stops accepting, lets requests being served finish, joins the thread. Idempotent.
  void stop();

 private:
  HttpListener(std::unique_ptr<httplib::Server> server, std::string address);

  std::unique_ptr<httplib::Server> server_;
  std::string address_;
  std::atomic<bool> listening_ended_{false};
  std::thread thread_;
};

}  // namespace feedrank::api::http
