// The __global__ wrappers around kernel_bodies.h, the fused-scan dispatch table and the row
// packing kernel, with the launchers declared in kernel_launch.h.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <utility>

#include "kernels/gpu/gpu_ops.cuh"
#include "kernels/gpu/kernel_bodies.h"
#include "kernels/gpu/kernel_launch.h"

namespace feedrank::kernels::gpu {
namespace {

// 8 warps, the most any plan asks for. The ", 1" lets ptxas use the registers it needs: without
// it nvcc 13 caps registers for occupancy and spills in the fused scan's hot loop.
constexpr int kMaxThreads = 256;
constexpr std::size_t kDefaultSmemLimit = 48 * 1024;

template <typename T, int Q, int CPL>
__global__ void __launch_bounds__(kMaxThreads, 1) fused_kernel(FusedParams p) {
  extern __shared__ __align__(16) std::uint32_t smem[];
  fused_block<T, Q, CPL>(GpuOps{}, p, smem, static_cast<int>(blockIdx.x));
}

__global__ void __launch_bounds__(kMaxThreads, 1) select_tile_kernel(SelectTileParams p) {
  extern __shared__ __align__(16) std::uint32_t smem[];
  select_tile_block(GpuOps{}, p, smem, static_cast<int>(blockIdx.x),
                    static_cast<int>(blockIdx.y));
}

__global__ void __launch_bounds__(kMaxThreads, 1) merge_kernel(MergeParams p) {
  extern __shared__ __align__(16) std::uint32_t smem[];
  merge_block(GpuOps{}, p, smem, static_cast<int>(blockIdx.x), static_cast<int>(blockIdx.y));
}

__global__ void __launch_bounds__(kMaxThreads, 1) compact_kernel(CompactParams p) {
  extern __shared__ __align__(16) std::uint32_t smem[];
  compact_block(GpuOps{}, p, smem, static_cast<int>(blockIdx.x));
}

template <typename TOut>
__device__ TOut convert(float v);
template <>
__device__ float convert<float>(float v) {
  return v;
}
// Saturating (PackParams); NaN stays NaN.
template <>
__device__ __half convert<__half>(float v) {
  constexpr float kMaxHalf = 65504.0f;
  return __float2half_rn(fabsf(v) > kMaxHalf ? copysignf(kMaxHalf, v) : v);
}

template <typename TOut>
__global__ void pack_kernel(PackParams p) {
  const std::size_t total = p.rows * static_cast<std::size_t>(p.ld);
  const std::size_t step = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  TOut* dst = static_cast<TOut*>(p.dst);
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < total; i += step) {
    const std::size_t r = i / static_cast<std::size_t>(p.ld);
    const int c = static_cast<int>(i - r * static_cast<std::size_t>(p.ld));
    float v = c < p.d ? p.src[r * p.d + c] : 0.0f;
    if (p.row_scale != nullptr) v /= p.row_scale[r];
    dst[i] = convert<TOut>(v);
  }
}

using FusedKernel = void (*)(FusedParams);

template <typename T, int Q>
FusedKernel fused_for_cpl(int cpl) {
  switch (cpl) {
    case 1:
      return fused_kernel<T, Q, 1>;
    case 2:
      return fused_kernel<T, Q, 2>;
    case 4:  // 8 queries x 4 chunks would spill; such wide rows take the GEMM path
      if constexpr (Q < 8) return fused_kernel<T, Q, 4>;
      return nullptr;
    default:
      return nullptr;
  }
}

template <typename T>
FusedKernel fused_for_queries(int slots, int cpl) {
  switch (slots) {
    case 1:
      return fused_for_cpl<T, 1>(cpl);
    case 2:
      return fused_for_cpl<T, 2>(cpl);
    case 4:
      return fused_for_cpl<T, 4>(cpl);
    case 8:
      return fused_for_cpl<T, 8>(cpl);
    default:
      return nullptr;
  }
}

FusedKernel fused_for(const FusedVariant& v) {
  return v.fp16 ? fused_for_queries<__half>(v.query_slots, v.chunks_per_lane)
                : fused_for_queries<float>(v.query_slots, v.chunks_per_lane);
}

// Kernels that want more than 48 KB of dynamic shared memory must say so first. The limit is a
// process-wide setting per kernel and device, so it only ever rises: concurrent searches asking
// for different sizes must not lower it under each other's launches.
cudaError_t allow_smem(const void* kernel, std::size_t smem) {
  if (smem <= kDefaultSmemLimit) return cudaSuccess;
  int device = 0;
  if (const cudaError_t e = cudaGetDevice(&device); e != cudaSuccess) return e;
  static std::mutex mutex;
  static std::map<std::pair<int, const void*>, std::size_t> allowed;
  std::lock_guard lock(mutex);
  std::size_t& limit = allowed[{device, kernel}];
  if (smem <= limit) return cudaSuccess;
  const cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                             static_cast<int>(smem));
  if (e == cudaSuccess) limit = smem;
  return e;
}

}  // namespace

bool fused_variant_exists(const FusedVariant& v) { return fused_for(v) != nullptr; }

cudaError_t fused_blocks_per_sm(const FusedVariant& v, int warps, std::size_t smem,
                                int* blocks) {
  const FusedKernel kernel = fused_for(v);
  if (kernel == nullptr) return cudaErrorInvalidValue;
  if (const cudaError_t e = allow_smem(reinterpret_cast<const void*>(kernel), smem);
      e != cudaSuccess) {
    return e;
  }
  return cudaOccupancyMaxActiveBlocksPerMultiprocessor(blocks, kernel, warps * 32, smem);
}

cudaError_t launch_fused(const FusedVariant& v, const FusedParams& p, int blocks,
                         std::size_t smem, cudaStream_t stream) {
  const FusedKernel kernel = fused_for(v);
  if (kernel == nullptr) return cudaErrorInvalidValue;
  if (const cudaError_t e = allow_smem(reinterpret_cast<const void*>(kernel), smem);
      e != cudaSuccess) {
    return e;
  }
  kernel<<<blocks, p.shape.warps * 32, smem, stream>>>(p);
  return cudaGetLastError();
}

cudaError_t launch_select_tile(const SelectTileParams& p, int chunks, int queries,
                               std::size_t smem, cudaStream_t stream) {
  if (const cudaError_t e = allow_smem(reinterpret_cast<const void*>(select_tile_kernel), smem);
      e != cudaSuccess) {
    return e;
  }
  select_tile_kernel<<<dim3(chunks, queries), p.shape.warps * 32, smem, stream>>>(p);
  return cudaGetLastError();
}

cudaError_t launch_merge(const MergeParams& p, int groups, int queries, std::size_t smem,
                         cudaStream_t stream) {
  if (const cudaError_t e = allow_smem(reinterpret_cast<const void*>(merge_kernel), smem);
      e != cudaSuccess) {
    return e;
  }
  merge_kernel<<<dim3(groups, queries), p.shape.warps * 32, smem, stream>>>(p);
  return cudaGetLastError();
}

cudaError_t launch_compact(const CompactParams& p, int queries, std::size_t smem,
                           cudaStream_t stream) {
  if (const cudaError_t e = allow_smem(reinterpret_cast<const void*>(compact_kernel), smem);
      e != cudaSuccess) {
    return e;
  }
  compact_kernel<<<queries, p.shape.warps * 32, smem, stream>>>(p);
  return cudaGetLastError();
}

cudaError_t launch_pack(const PackParams& p, cudaStream_t stream) {
  const std::size_t total = p.rows * static_cast<std::size_t>(p.ld);
  if (total == 0) return cudaSuccess;
  const std::size_t threads = 256;
  const std::size_t wanted = (total + threads - 1) / threads;
  const int blocks = static_cast<int>(wanted < 4096 ? wanted : 4096);
  if (p.fp16) {
    pack_kernel<__half><<<blocks, threads, 0, stream>>>(p);
  } else {
    pack_kernel<float><<<blocks, threads, 0, stream>>>(p);
  }
  return cudaGetLastError();
}

cudaError_t probe_kernel_image() {
  cudaFuncAttributes attributes{};
  return cudaFuncGetAttributes(&attributes, reinterpret_cast<const void*>(compact_kernel));
}

}  // namespace feedrank::kernels::gpu
