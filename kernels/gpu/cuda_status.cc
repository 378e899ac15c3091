#include "kernels/gpu/cuda_status.h"

#include <string>

namespace feedrank::kernels::gpu {

absl::Status cuda_status(cudaError_t error, const char* call) {
  if (error == cudaSuccess) return absl::OkStatus();
  (void)cudaGetLastError();  // clear a non-sticky error so later checks do not see it
  return absl::InternalError(std::string(call) + ": " + cudaGetErrorName(error) + ": " +
                             cudaGetErrorString(error));
}

absl::Status cublas_status(cublasStatus_t status, const char* call) {
  if (status == CUBLAS_STATUS_SUCCESS) return absl::OkStatus();
  return absl::InternalError(std::string(call) + ": " + cublasGetStatusName(status) + ": " +
                             cublasGetStatusString(status));
}

}  // namespace feedrank::kernels::gpu
