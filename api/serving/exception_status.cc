#include "api/serving/exception_status.h"

#include <string>

#include "common/error_status.h"

namespace feedrank::api::serving {

grpc::Status status_of_exception(std::exception_ptr thrown) {
  const absl::Status status =
      feedrank::status_of_exception(std::move(thrown), "serving this call");
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace feedrank::api::serving
