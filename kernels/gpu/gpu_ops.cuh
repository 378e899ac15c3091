// The Ops of select_engine.h and kernel_bodies.h on the GPU: thin wrappers over CUDA
// intrinsics. Every collective uses the full warp mask: the kernel bodies call them from
// warp-uniform control flow only.
#pragma once

#include <cstdint>

#include "kernels/gpu/select_engine.h"

namespace feedrank::kernels::gpu {

struct GpuOps {
  static constexpr unsigned kFull = 0xFFFFFFFFu;

  __device__ int lane() const { return static_cast<int>(threadIdx.x & 31u); }
  __device__ int warp() const { return static_cast<int>(threadIdx.x >> 5); }
  __device__ int warps() const { return static_cast<int>(blockDim.x >> 5); }

  __device__ unsigned ballot(bool p) const { return __ballot_sync(kFull, p); }
  __device__ bool any(bool p) const { return __any_sync(kFull, p) != 0; }
  __device__ float shfl_xor(float v, int mask) const { return __shfl_xor_sync(kFull, v, mask); }
  __device__ unsigned shfl_u32(unsigned v, int src) const { return __shfl_sync(kFull, v, src); }
  __device__ void syncwarp() const { __syncwarp(kFull); }
  __device__ void syncthreads() const { __syncthreads(); }

  // Read-only data (matrix rows, score tiles, ids, tombstones) goes through the read-only path.
  __device__ Chunk16 load16(const void* p) const {
    const uint4 u = __ldg(static_cast<const uint4*>(p));
    return Chunk16{{u.x, u.y, u.z, u.w}};
  }
  __device__ std::uint64_t load_u64(const std::uint64_t* p) const {
    return __ldg(reinterpret_cast<const unsigned long long*>(p));
  }
  // Lists and counters that earlier kernels (or this block) wrote: plain loads.
  __device__ std::uint32_t load_u32(const std::uint32_t* p) const { return *p; }
  __device__ int load_i32(const int* p) const { return *p; }
  __device__ float load_f32(const float* p) const { return *p; }
  // A floor other blocks may raise while this one runs; any value read is a valid floor.
  __device__ unsigned load_relaxed(const unsigned* p) const {
    return *static_cast<const volatile unsigned*>(p);
  }

  __device__ int atomic_add(int* p, int v) const { return atomicAdd(p, v); }
  __device__ void atomic_max(unsigned* p, unsigned v) const { atomicMax(p, v); }
  __device__ void atomic_or(int* p, int v) const { atomicOr(p, v); }
};

}  // namespace feedrank::kernels::gpu
