// Launcher for the feature-scoring kernel (scoring_kernels.cu), callable from plain C++ (.cc)
// files. Each returns a cudaError_t; the callers turn it into an absl::Status (cuda_status.h).
#pragma once

#include <cuda_runtime_api.h>

#include "kernels/gpu/scoring_body.h"

namespace feedrank::kernels::gpu {

// Enqueues score_block over all of p.rows on `stream` (nothing for 0 rows).
cudaError_t launch_scoring(const ScoringParams& p, cudaStream_t stream);

// Checks that this device can run the scoring kernel (a kernel image exists for it).
cudaError_t probe_scoring_kernel();

}  // namespace feedrank::kernels::gpu
