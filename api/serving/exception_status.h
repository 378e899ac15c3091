// The answer to a call (or HTTP request) whose handler threw (common/error_status.h):
// RESOURCE_EXHAUSTED when out of memory, to be retried after a backoff; INTERNAL with what was
// thrown otherwise. Handlers report errors as statuses; this is the net under them.
#pragma once

#include <grpcpp/grpcpp.h>

#include <exception>

namespace feedrank::api::serving {

grpc::Status status_of_exception(std::exception_ptr thrown);

}  // namespace feedrank::api::serving
