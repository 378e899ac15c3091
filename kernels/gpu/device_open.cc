#include "kernels/gpu/device_open.h"

#include <string>

#include "kernels/compute_backend.h"
#include "kernels/gpu/cuda_status.h"

namespace feedrank::kernels::gpu {
namespace {

absl::Status unusable(cudaError_t error, const std::string& call) {
  return absl::FailedPreconditionError(cuda_status(error, call.c_str()).message());
}

}  // namespace

cudaError_t use_device(int device) {
  if (const cudaError_t e = cudaSetDevice(device); e != cudaSuccess) return e;
  unsigned flags = 0;
  if (cudaGetDeviceFlags(&flags) != cudaSuccess) flags = 0;
  flags &= ~static_cast<unsigned>(cudaDeviceScheduleMask);
  flags |= cudaDeviceScheduleBlockingSync;
  if (cudaSetDeviceFlags(flags) != cudaSuccess) (void)cudaGetLastError();
  return cudaSuccess;
}

absl::StatusOr<cudaDeviceProp> open_twin_device(cudaError_t (*probe)(), const char* kernels) {
  std::string why;
  if (usable_gpu_count(&why) == 0) return absl::FailedPreconditionError("no usable GPU: " + why);
  if (const cudaError_t e = use_device(kTwinDevice); e != cudaSuccess) {
    return unusable(e, "cudaSetDevice(0)");
  }
  cudaDeviceProp prop{};
  if (const cudaError_t e = cudaGetDeviceProperties(&prop, kTwinDevice); e != cudaSuccess) {
    return unusable(e, "cudaGetDeviceProperties(0)");
  }
  if (const cudaError_t e = probe(); e != cudaSuccess) {
    return unusable(e, std::string(prop.name) + " (compute capability " +
                           std::to_string(prop.major) + "." + std::to_string(prop.minor) +
                           ") running this build's " + kernels);
  }
  return prop;
}

}  // namespace feedrank::kernels::gpu
