#include "api/serving/exception_status.h"

#include <new>
#include <string>

namespace feedrank::api::serving {

grpc::Status status_of_exception(std::exception_ptr thrown) {
  try {
    std::rethrow_exception(std::move(thrown));
  } catch (const std::bad_alloc&) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "the server ran out of memory serving this call; retry after a backoff");
  } catch (const std::exception& error) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        std::string("the server failed serving this call: ") + error.what());
  } catch (...) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "the server failed serving this call");
  }
}

}  // namespace feedrank::api::serving
