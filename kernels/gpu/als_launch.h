// Launchers for the implicit-ALS kernels (als_kernels.cu, bodies in als_body.h), callable from
// plain C++ (.cc) files. Each returns a cudaError_t; the callers turn it into an absl::Status
// (cuda_status.h).
#pragma once

#include <cuda_runtime_api.h>

#include "kernels/gpu/als_body.h"

namespace feedrank::kernels::gpu {

// Enqueues one launch over the chunk p describes (nothing for 0 rows): the initial residual
// (`initial`) or one CG step.
cudaError_t launch_als_rows(const AlsRowsParams& p, bool initial, cudaStream_t stream);

// Checks that this device can run the kernels (a kernel image exists for it).
cudaError_t probe_als_kernels();

}  // namespace feedrank::kernels::gpu
