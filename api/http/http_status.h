// gRPC status codes as HTTP statuses and as the JSON error body the gateway answers with.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace feedrank::api::http {

// INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> 400; NOT_FOUND -> 404;
// RESOURCE_EXHAUSTED -> 429; UNAVAILABLE -> 503; DEADLINE_EXCEEDED -> 504; others -> 500.
int http_status_of(grpc::StatusCode code);
// The canonical name, e.g. "NOT_FOUND".
std::string code_name(grpc::StatusCode code);
// {"code":"NOT_FOUND","message":"user_id: user 9 not found"}
std::string error_json(grpc::StatusCode code, const std::string& message);
// Answers `request` with that body and `http_status` (0: http_status_of(code)); with a Range
// header, the status alone (the library would cut the body to the ranges asked for).
void answer_error(const httplib::Request& request, httplib::Response& response,
                  grpc::StatusCode code, const std::string& message, int http_status = 0);

}  // namespace feedrank::api::http
