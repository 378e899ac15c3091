// Turns CUDA runtime and cuBLAS return codes into absl::Status: INTERNAL naming the call and
// the library's message. Nothing here exits or aborts.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include "absl/status/status.h"

namespace feedrank::kernels::gpu {

// OK for cudaSuccess; otherwise INTERNAL "<call>: <error name>: <message>". Also clears the
// runtime's last-error slot, so a later cudaGetLastError() does not report this error again.
absl::Status cuda_status(cudaError_t error, const char* call);
absl::Status cublas_status(cublasStatus_t status, const char* call);

}  // namespace feedrank::kernels::gpu

#define FEEDRANK_CUDA_RETURN_IF_ERROR(expr)                                              \
  do {                                                                                   \
    if (const ::absl::Status feedrank_status_ = ::feedrank::kernels::gpu::cuda_status(  \
            (expr), #expr);                                                              \
        !feedrank_status_.ok()) {                                                        \
      return feedrank_status_;                                                           \
    }                                                                                    \
  } while (false)

#define FEEDRANK_CUBLAS_RETURN_IF_ERROR(expr)                                              \
  do {                                                                                     \
    if (const ::absl::Status feedrank_status_ = ::feedrank::kernels::gpu::cublas_status(  \
            (expr), #expr);                                                                \
        !feedrank_status_.ok()) {                                                          \
      return feedrank_status_;                                                             \
    }                                                                                      \
  } while (false)

#define FEEDRANK_RETURN_IF_ERROR(expr)                                \
  do {                                                                \
    if (::absl::Status feedrank_status_ = (expr); !feedrank_status_.ok()) { \
      return feedrank_status_;                                        \
    }                                                                 \
  } while (false)
