// What every subcommand needs to talk to the server: a channel, deadlines, error reporting.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "api/transport_security.h"

namespace feedrank::cli {

inline constexpr std::chrono::seconds kUnaryDeadline{10};
inline constexpr std::chrono::seconds kConnectTimeout{10};
// An experiment report reads the whole impression log of its experiment: allow it minutes.
inline constexpr std::chrono::seconds kReportDeadline{120};

// Makes every channel opened afterwards use TLS (roots, and a client certificate for mutual TLS)
// when `tls.ca` is set; plaintext otherwise. A one-line error names the flag of an unreadable file.
absl::Status use_channel_security(const api::ClientTls& tls);

// A channel (plaintext, or TLS after use_channel_security) to HOST:PORT whose message size
// limits are raised to 64 MiB both ways
// (large feed pages and ingest chunks exceed gRPC's 4 MiB default).
std::shared_ptr<grpc::Channel> open_channel(const std::string& target);

void set_deadline(grpc::ClientContext& context, std::chrono::seconds timeout);

// "INVALID_ARGUMENT", "UNAVAILABLE", ...: the names scripts and people know.
std::string_view status_code_name(grpc::StatusCode code);

// Prints "error: <CODE>: <message>" on stderr and returns the exit status, 1.
int report_rpc_error(const grpc::Status& status);

// One unary call of a FeedRank method (e.g. &v1::FeedRank::Stub::GetFeed) with the unary
// deadline; on success prints the response with `print` and returns 0, else reports the error.
template <class Stub, class Request, class Response, class Print>
int call_and_print(const std::string& server,
                   grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                   const Request& request, Print print) {
  auto channel = open_channel(server);
  Stub stub(channel);
  grpc::ClientContext context;
  set_deadline(context, kUnaryDeadline);
  Response response;
  const grpc::Status status = (stub.*method)(&context, request, &response);
  if (!status.ok()) return report_rpc_error(status);
  print(response);
  return 0;
}

}  // namespace feedrank::cli
