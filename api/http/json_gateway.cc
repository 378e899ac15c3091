#include "api/http/json_gateway.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <chrono>

#include "api/http/explorer_assets.h"
#include "api/http/http_status.h"
#include "api/http/query_to_proto.h"
#include "api/http/replay_reports.h"
#include "api/serving/request_id.h"
#include "api/transport_security.h"
#include "feedrank/v1/feedrank.grpc.pb.h"
#include "fmt/format.h"

namespace feedrank::api::http {
namespace {

using Stub = v1::FeedRank::Stub;

// Longer than any read should take; a feed that takes longer answers 504.
constexpr std::chrono::seconds kCallDeadline{30};
constexpr const char* kJson = "application/json";

template <class Request, class Response>
using Rpc = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

// The proto's JSON: field names as the proto spells them (user_id, as the CLI's --json and the
// data files do), zeros and empty lists printed so that a script finds every key.
std::string to_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  // Printing fails only on messages the runtime could not have parsed: a bug.
  if (!status.ok()) throw std::logic_error("to_json: " + std::string(status.message()));
  return json;
}

template <class Request, class Response>
void route(httplib::Server& server, const std::string& path, std::shared_ptr<Stub> stub,
           Rpc<Request, Response> rpc) {
  server.Get(path, [stub = std::move(stub), rpc](const httplib::Request& http_request,
                                                 httplib::Response& http) {
    Request request;
    if (auto status = fill_from_query(query_params(http_request.target), request); !status.ok()) {
      answer_error(http_request, http, grpc::StatusCode::INVALID_ARGUMENT,
                   std::string(status.message()));
      return;
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    // Only a sane token is passed on: httplib decodes %-escapes, and metadata gRPC refuses
    // aborts the call's process. The gate makes an id for the others.
    if (const std::string id =
            http_request.get_header_value(std::string(serving::kRequestIdHeader));
        serving::acceptable_request_id(id)) {
      context.AddMetadata(std::string(serving::kRequestIdHeader), id);
    }
    Response response;
    const grpc::Status status = ((*stub).*rpc)(&context, request, &response);
    // The call gate names every call; the HTTP caller gets the same id back.
    const auto& metadata = context.GetServerInitialMetadata();
    if (const auto id = metadata.find(std::string(serving::kRequestIdHeader));
        id != metadata.end()) {
      http.set_header(std::string(serving::kRequestIdHeader),
                      std::string(id->second.data(), id->second.size()));
    }
    if (!status.ok()) {
      answer_error(http_request, http, status.error_code(), status.error_message());
      return;
    }
    http.set_content(to_json(response), kJson);
  });
}

void serve_explorer(httplib::Server& server) {
  for (const ExplorerAsset& asset : explorer_assets()) {
    const std::string path = asset.path == "index.html" ? "/" : "/" + std::string(asset.path);
    server.Get(path, [&asset](const httplib::Request&, httplib::Response& http) {
      http.set_content(asset.content.data(), asset.content.size(), std::string(asset.content_type));
    });
  }
}

// What a refusal before any route says: httplib answers 414 itself for a long query (a GET
// carries GetFeed's repeated muted_author_ids there).
std::string refusal_message(const httplib::Request& request, int status) {
  switch (status) {
    case 404:
    case 405:
      return "no route " + request.method + " " + request.path;
    case 414:
      return fmt::format("request URI too long (at most {} bytes): send fewer parameters",
                         CPPHTTPLIB_REQUEST_URI_MAX_LENGTH);
    default:
      return fmt::format("request refused by the HTTP server (status {})", status);
  }
}

}  // namespace

absl::StatusOr<std::string> checked_gateway_address(const std::string& address, bool insecure,
                                                    std::string& warning) {
  // ":8080" stays on this machine: every interface must be asked for (0.0.0.0:8080).
  std::string bound = address.starts_with(':') ? "127.0.0.1" + address : address;
  if (!is_loopback_address(bound)) {
    if (!insecure) {
      return absl::FailedPreconditionError(fmt::format(
          "--http-listen {} is not a loopback address: the gateway speaks plaintext HTTP; pass "
          "--insecure to accept that (or put a TLS proxy in front of a loopback gateway)",
          address));
    }
    warning = fmt::format(
        "--insecure: the HTTP gateway on {}, which is not loopback, is plaintext: anyone on the "
        "network can read it",
        address);
  }
  return bound;
}

absl::StatusOr<std::unique_ptr<HttpListener>> start_json_gateway(
    const std::string& address, std::shared_ptr<grpc::Channel> channel,
    const std::string& replay_reports_dir) {
  auto server = std::make_unique<httplib::Server>();
  auto stub = std::make_shared<Stub>(std::move(channel));
  route(*server, "/v1/feed", stub, &Stub::GetFeed);
  route(*server, "/v1/user", stub, &Stub::GetUser);
  route(*server, "/v1/post", stub, &Stub::GetPost);
  route(*server, "/v1/nearest", stub, &Stub::GetNearestPosts);
  route(*server, "/v1/stats", stub, &Stub::GetStats);
  route(*server, "/v1/experiment-report", stub, &Stub::GetExperimentReport);
  serve_replay_reports(*server, replay_reports_dir);
  serve_explorer(*server);
  // Unknown paths and methods, and what httplib refuses before routing, get the same JSON error
  // body as a failed call.
  server->set_error_handler([](const httplib::Request& request, httplib::Response& http) {
    if (!http.body.empty()) return;
    const grpc::StatusCode code = http.status == 404   ? grpc::StatusCode::NOT_FOUND
                                  : http.status >= 500 ? grpc::StatusCode::INTERNAL
                                                       : grpc::StatusCode::INVALID_ARGUMENT;
    answer_error(request, http, code, refusal_message(request, http.status),
                 http.status);  // 405 stays 405
  });
  return HttpListener::start(std::move(server), address);
}

}  // namespace feedrank::api::http
