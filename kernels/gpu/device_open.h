// Opening device 0 for a GPU twin (feature scorer, ALS solver): a usable GPU, its properties,
// and a trial launch of the twin's kernels, so that a missing GPU, a driver too old or a build
// without code for this architecture shows at creation as FAILED_PRECONDITION with the reason
// (the device, not a call, is at fault).
#pragma once

#include <cuda_runtime_api.h>

#include "absl/status/statusor.h"

namespace feedrank::kernels::gpu {

inline constexpr int kTwinDevice = 0;

// `probe` launches the twin's kernels once; `kernels` names them in the message ("scoring
// kernel", "ALS kernels").
absl::StatusOr<cudaDeviceProp> open_twin_device(cudaError_t (*probe)(), const char* kernels);

}  // namespace feedrank::kernels::gpu
