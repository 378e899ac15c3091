// Stands in for the GPU index in builds without CUDA (FEEDRANK_CUDA=OFF or no nvcc).
#include "kernels/gpu/gpu_index.h"

namespace feedrank::kernels {

absl::StatusOr<std::unique_ptr<GpuIndex>> create_gpu_index(int /*dimension*/,
                                                           GpuIndexOptions /*options*/) {
  return absl::UnavailableError("no usable GPU: built without CUDA");
}

}  // namespace feedrank::kernels
