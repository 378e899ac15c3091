// GPU detection. Any CUDA error here (e.g. 35, insufficient driver, on machines without a GPU)
// means "no GPU", never a crash.
#include <cuda_runtime.h>

#include "kernels/compute_backend.h"

namespace feedrank::kernels {

int usable_gpu_count(std::string* why_none) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    if (why_none) *why_none = std::string("CUDA error ") + cudaGetErrorName(status);
    return 0;
  }
  if (count == 0 && why_none) *why_none = "no CUDA device found";
  return count;
}

std::optional<std::uint64_t> gpu_memory_used_bytes() {
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) return std::nullopt;
  return total_bytes - free_bytes;
}

}  // namespace feedrank::kernels
