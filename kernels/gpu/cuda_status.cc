#include "kernels/gpu/cuda_status.h"

#include <string>

#include "kernels/gpu/cublas_library.h"

namespace feedrank::kernels::gpu {

absl::Status cuda_status(cudaError_t error, const char* call) {
  if (error == cudaSuccess) return absl::OkStatus();
  (void)cudaGetLastError();  // clear a non-sticky error so later checks do not see it
  return absl::InternalError(std::string(call) + ": " + cudaGetErrorName(error) + ": " +
                             cudaGetErrorString(error));
}

absl::Status cublas_status(cublasStatus_t status, const char* call) {
  if (status == CUBLAS_STATUS_SUCCESS) return absl::OkStatus();
  // A status comes from a loaded cuBLAS, so its names are at hand.
  absl::StatusOr<const CublasLibrary*> library = cublas_library();
  if (!library.ok()) {
    return absl::InternalError(std::string(call) + ": cuBLAS status " + std::to_string(status));
  }
  return absl::InternalError(std::string(call) + ": " + (*library)->status_name(status) + ": " +
                             (*library)->status_string(status));
}

}  // namespace feedrank::kernels::gpu
