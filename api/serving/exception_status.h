// The answer to a call (or HTTP request) whose handler threw: out of memory is
// RESOURCE_EXHAUSTED, to be retried after a backoff; anything else is INTERNAL, with what was
// thrown. Handlers report errors as statuses; this is the net under them.
#pragma once

#include <grpcpp/grpcpp.h>

#include <exception>

namespace feedrank::api::serving {

grpc::Status status_of_exception(std::exception_ptr thrown);

}  // namespace feedrank::api::serving
