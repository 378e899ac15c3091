// Opening a device for the GPU code. For a GPU twin (feature scorer, ALS solver), device 0: a
// usable GPU, its properties, and a trial launch of the twin's kernels, so that a missing GPU, a
// driver too old or a build without code for this architecture shows at creation as
// FAILED_PRECONDITION with the reason (the device, not a call, is at fault).
#pragma once

#include <cuda_runtime_api.h>

#include "absl/status/statusor.h"

namespace feedrank::kernels::gpu {

inline constexpr int kTwinDevice = 0;

// Makes `device` the calling thread's current device, as cudaSetDevice does, and has host
// threads that wait for it (stream and event synchronisation) sleep instead of spinning. CUDA
// spins by default when there are more cores than contexts, so every search or scoring call
// waiting on the GPU held a whole core: on the H200 host a GPU server spent more CPU a request
// than the CPU backend (2.55 against 2.06 ms an algorithmic GetFeed). Every code that opens a
// device calls this; the wait policy is best effort (a runtime that refuses it keeps spinning).
cudaError_t use_device(int device);

// `probe` launches the twin's kernels once; `kernels` names them in the message ("scoring
// kernel", "ALS kernels").
absl::StatusOr<cudaDeviceProp> open_twin_device(cudaError_t (*probe)(), const char* kernels);

}  // namespace feedrank::kernels::gpu
