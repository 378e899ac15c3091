// Stands in for gpu_probe.cu in builds without CUDA (FEEDRANK_CUDA=OFF or no nvcc).
#include "kernels/compute_backend.h"

namespace feedrank::kernels {

int usable_gpu_count(std::string* why_none) {
  if (why_none) *why_none = "built without CUDA";
  return 0;
}

std::optional<std::uint64_t> gpu_memory_used_bytes() { return std::nullopt; }

}  // namespace feedrank::kernels
