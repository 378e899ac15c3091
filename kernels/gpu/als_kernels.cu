// The __global__ wrappers around als_rows_block (als_body.h), one per slots-per-lane count and
// kind of launch, and their launcher (als_launch.h).
#include <cuda_runtime.h>

#include "kernels/gpu/als_body.h"
#include "kernels/gpu/als_launch.h"
#include "kernels/gpu/gpu_ops.cuh"

namespace feedrank::kernels::gpu {
namespace {

template <int N, bool kInitial>
__global__ void __launch_bounds__(kAlsWarps * 32, 1) als_rows_kernel(AlsRowsParams p) {
  __shared__ std::uint32_t smem[kAlsSmemWords<N>];
  als_rows_block<N, kInitial>(GpuOps{}, p, smem, blockIdx.x);
}

template <int N, bool kInitial>
__global__ void __launch_bounds__(kAlsWarps * 32, 1) als_heavy_rows_kernel(AlsRowsParams p) {
  als_heavy_rows_block<N, kInitial>(GpuOps{}, p, blockIdx.x);
}

template <int N, bool kInitial>
cudaError_t launch(const AlsRowsParams& p, cudaStream_t stream) {
  if (p.rows == 0) return cudaSuccess;
  const std::size_t blocks = als_rows_blocks(p.rows, p.segment_count);
  const std::size_t heavy_blocks = als_heavy_rows_blocks(p.heavy_count);
  if (blocks > 0x7FFFFFFFu) return cudaErrorInvalidConfiguration;
  als_rows_kernel<N, kInitial><<<static_cast<unsigned>(blocks), kAlsWarps * 32, 0, stream>>>(p);
  if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess || heavy_blocks == 0) return e;
  als_heavy_rows_kernel<N, kInitial>
      <<<static_cast<unsigned>(heavy_blocks), kAlsWarps * 32, 0, stream>>>(p);
  return cudaGetLastError();
}

template <int N>
cudaError_t launch(const AlsRowsParams& p, bool initial, cudaStream_t stream) {
  return initial ? launch<N, true>(p, stream) : launch<N, false>(p, stream);
}

}  // namespace

cudaError_t launch_als_rows(const AlsRowsParams& p, bool initial, cudaStream_t stream) {
  switch (als_slots(p.factors)) {
    case 1:
      return launch<1>(p, initial, stream);
    case 2:
      return launch<2>(p, initial, stream);
    case 4:
      return launch<4>(p, initial, stream);
    case 8:
      return launch<8>(p, initial, stream);
    case 16:
      return launch<16>(p, initial, stream);
    case 32:
      return launch<32>(p, initial, stream);
    default:
      return cudaErrorInvalidValue;  // factors outside 1..1024
  }
}

cudaError_t probe_als_kernels() {
  cudaFuncAttributes attributes{};
  return cudaFuncGetAttributes(&attributes,
                               reinterpret_cast<const void*>(als_rows_kernel<4, false>));
}

}  // namespace feedrank::kernels::gpu
