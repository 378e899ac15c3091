#include <cuda_runtime.h>

#include <algorithm>
#include <memory>
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

// Owners that free on every return, early error returns included.
struct FreeDevice {
  void operator()(void* p) const { (void)cudaFree(p); }
};
using DeviceBuffer = std::unique_ptr<void, FreeDevice>;
struct DestroyEvent {
  void operator()(cudaEvent_t e) const { (void)cudaEventDestroy(e); }
};
using EventHandle = std::unique_ptr<CUevent_st, DestroyEvent>;

// Null on failure.
DeviceBuffer device_buffer(std::size_t bytes) {
  void* p = nullptr;
  return DeviceBuffer(cudaMalloc(&p, bytes) == cudaSuccess ? p : nullptr);
}
EventHandle timing_event() {
  cudaEvent_t e = nullptr;
  return EventHandle(cudaEventCreate(&e) == cudaSuccess ? e : nullptr);
}

template <class Launch>
double median_ms(int repeats, Launch launch) {
  const EventHandle start = timing_event(), stop = timing_event();
  if (start == nullptr || stop == nullptr) return -1;
  std::vector<float> times;
  for (int r = 0; r < repeats + 2; ++r) {  // two warm-ups
    if (cudaEventRecord(start.get()) != cudaSuccess) return -1;
    launch();
    if (cudaEventRecord(stop.get()) != cudaSuccess ||
        cudaEventSynchronize(stop.get()) != cudaSuccess) {
      return -1;
    }
    float ms = 0;
    if (cudaEventElapsedTime(&ms, start.get(), stop.get()) != cudaSuccess) return -1;
    if (r >= 2) times.push_back(ms);
  }
  if (cudaGetLastError() != cudaSuccess || times.empty()) return -1;
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

double read_baseline_ms(std::size_t bytes, int repeats) {
  const DeviceBuffer data = device_buffer(bytes), sink = device_buffer(sizeof(unsigned));
  if (data == nullptr || sink == nullptr) return -1;
  int device = 0, sms = 0;
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess) {
    return -1;
  }
  fill_kernel<<<sms * 4, 256>>>(static_cast<unsigned*>(data.get()), bytes / sizeof(unsigned));
  const std::size_t n = bytes / sizeof(uint4);
  return median_ms(repeats, [&] {
    read_kernel<<<sms * 8, 256>>>(static_cast<const uint4*>(data.get()), n,
                                  static_cast<unsigned*>(sink.get()));
  });
}

double copy_baseline_ms(std::size_t bytes, int repeats) {
  const DeviceBuffer a = device_buffer(bytes), b = device_buffer(bytes);
  if (a == nullptr || b == nullptr || cudaMemset(a.get(), 0x5A, bytes) != cudaSuccess) return -1;
  return median_ms(
      repeats, [&] { (void)cudaMemcpyAsync(b.get(), a.get(), bytes, cudaMemcpyDeviceToDevice); });
}

}  // namespace feedrank::benchmarks
