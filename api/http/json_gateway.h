// The HTTP/JSON gateway: read-only routes that turn query parameters into a request message,
// call the gRPC service through `channel` (the server's in-process channel, so validation,
// limits, request ids and metrics are the gRPC path's own) and answer the response in
// protobuf's JSON mapping; and the explorer page's static files at /.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "api/http/http_listener.h"

namespace grpc {
class Channel;
}

namespace feedrank::api::http {

// Serves the gateway on `address` (HOST:PORT; port 0 picks one; no host: 127.0.0.1); errors as
// HttpListener::start.
absl::StatusOr<std::unique_ptr<HttpListener>> start_json_gateway(
    const std::string& address, std::shared_ptr<grpc::Channel> channel);

}  // namespace feedrank::api::http
