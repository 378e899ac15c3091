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

}  // namespace feedrank::kernels
