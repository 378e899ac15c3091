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

// The address to serve on: `address` (--http-listen), with no host meaning 127.0.0.1. The gateway
// speaks plaintext HTTP, so off loopback only with `insecure` (as gRPC's plaintext), which sets
// `warning`; else FAILED_PRECONDITION naming the flag.
absl::StatusOr<std::string> checked_gateway_address(const std::string& address, bool insecure,
                                                    std::string& warning);

// Serves the gateway on `address` (HOST:PORT; port 0 picks one), and the replay reports in
// `replay_reports_dir` (empty: none); errors as HttpListener::start.
absl::StatusOr<std::unique_ptr<HttpListener>> start_json_gateway(
    const std::string& address, std::shared_ptr<grpc::Channel> channel,
    const std::string& replay_reports_dir);

}  // namespace feedrank::api::http
