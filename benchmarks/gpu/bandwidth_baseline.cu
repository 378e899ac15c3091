#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "benchmarks/gpu/bandwidth_baseline.h"

namespace feedrank::benchmarks {
namespace {

constexpr int kUnroll = 4;

__global__ void read_kernel(const uint4* data, std::size_t n, unsigned* sink) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  unsigned acc = 0;
  std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (; i + (kUnroll - 1) * stride < n; i += kUnroll * stride) {
    uint4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) v[u] = __ldg(data + i + u * stride);
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) acc ^= v[u].x ^ v[u].y ^ v[u].z ^ v[u].w;
  }
  for (; i < n; i += stride) {
    const uint4 v = __ldg(data + i);
    acc ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (acc == 0x9E3779B9u) *sink = acc;  // keeps the loads; practically never true
}

__global__ void fill_kernel(unsigned* data, std::size_t n) {
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    data[i] = static_cast<unsigned>(i * 2654435761u) | 1u;
  }
}

template <class Launch>
double median_ms(int repeats, Launch launch) {
  cudaEvent_t start, stop;
  if (cudaEventCreate(&start) != cudaSuccess || cudaEventCreate(&stop) != cudaSuccess) return -1;
  std::vector<float> times;
  for (int r = 0; r < repeats + 2; ++r) {  // two warm-ups
    cudaEventRecord(start);
    launch();
    cudaEventRecord(stop);
    if (cudaEventSynchronize(stop) != cudaSuccess) return -1;
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    if (r >= 2) times.push_back(ms);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  if (cudaGetLastError() != cudaSuccess) return -1;
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

double read_baseline_ms(std::size_t bytes, int repeats) {
  void* data = nullptr;
  unsigned* sink = nullptr;
  if (cudaMalloc(&data, bytes) != cudaSuccess || cudaMalloc(&sink, sizeof(unsigned)) != cudaSuccess) {
    return -1;
  }
  int device = 0, sms = 0;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
  fill_kernel<<<sms * 4, 256>>>(static_cast<unsigned*>(data), bytes / sizeof(unsigned));
  const std::size_t n = bytes / sizeof(uint4);
  const double ms = median_ms(repeats, [&] {
    read_kernel<<<sms * 8, 256>>>(static_cast<const uint4*>(data), n, sink);
  });
  cudaFree(data);
  cudaFree(sink);
  return ms;
}

double copy_baseline_ms(std::size_t bytes, int repeats) {
  void *a = nullptr, *b = nullptr;
  if (cudaMalloc(&a, bytes) != cudaSuccess || cudaMalloc(&b, bytes) != cudaSuccess) return -1;
  cudaMemset(a, 0x5A, bytes);
  const double ms = median_ms(repeats, [&] { cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice); });
  cudaFree(a);
  cudaFree(b);
  return ms;
}

}  // namespace feedrank::benchmarks
