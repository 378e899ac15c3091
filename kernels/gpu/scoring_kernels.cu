// The __global__ wrapper around score_block (scoring_body.h) and its launcher
// (scoring_launch.h).
#include <cuda_runtime.h>

#include "kernels/gpu/gpu_ops.cuh"
#include "kernels/gpu/scoring_body.h"
#include "kernels/gpu/scoring_launch.h"

namespace feedrank::kernels::gpu {
namespace {

constexpr int kThreads = kScoringWarps * 32;

// 34.8 KB of static shared memory (under the 48 KB that needs no opt-in): 6 blocks, 48 warps,
// per H100/H200 multiprocessor.
__global__ void __launch_bounds__(kThreads) scoring_kernel(ScoringParams p) {
  __shared__ std::uint32_t smem[kScoringSmemWords];
  score_block(GpuOps{}, p, smem, static_cast<int>(blockIdx.x), static_cast<int>(gridDim.x));
}

}  // namespace

cudaError_t launch_scoring(const ScoringParams& p, cudaStream_t stream) {
  const int blocks = scoring_blocks(p.rows);
  if (blocks == 0) return cudaSuccess;
  scoring_kernel<<<blocks, kThreads, 0, stream>>>(p);
  return cudaGetLastError();
}

cudaError_t probe_scoring_kernel() {
  cudaFuncAttributes attributes{};
  return cudaFuncGetAttributes(&attributes, reinterpret_cast<const void*>(scoring_kernel));
}

}  // namespace feedrank::kernels::gpu
