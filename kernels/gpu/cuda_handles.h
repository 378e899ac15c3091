// Owning, move-only handles for CUDA and cuBLAS resources. Creation returns a Status;
// destructors ignore errors (they cannot report them, and at process exit the context may be
// gone already).
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>

#include "absl/status/status.h"
#include "kernels/gpu/cublas_library.h"

namespace feedrank::kernels::gpu {

// Device memory (cudaMalloc) or page-locked host memory (cudaMallocHost).
template <bool kPinnedHost>
class Memory {
 public:
  Memory() = default;
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;
  Memory(Memory&& other) noexcept { swap(other); }
  Memory& operator=(Memory&& other) noexcept {
    Memory(std::move(other)).swap(*this);
    return *this;
  }
  ~Memory() { reset(); }

  // At least `bytes`, growing by half again at least; the contents are not kept.
  absl::Status reserve(std::size_t bytes);
  // Exactly `bytes`, freeing what was held.
  absl::Status allocate(std::size_t bytes);
  void reset();
  void swap(Memory& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
  }

  void* get() const { return data_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }
  std::size_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

using DeviceMemory = Memory<false>;
using PinnedMemory = Memory<true>;

class Stream {
 public:
  Stream() = default;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream();
  absl::Status create();  // non-blocking with respect to the legacy default stream
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

// What an event is for, which decides its flags: timing (cudaEventElapsedTime), ordering one
// stream after another (cudaStreamWaitEvent; no timing, cheaper to record), or a host thread
// waiting on it (cudaEventSynchronize): blocking sync, so that the thread sleeps rather than
// spins a core for the whole copy.
enum class EventUse { kTiming, kStreamOrder, kHostWait };

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event();
  absl::Status create(EventUse use);
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

class BlasHandle {
 public:
  BlasHandle() = default;
  BlasHandle(const BlasHandle&) = delete;
  BlasHandle& operator=(const BlasHandle&) = delete;
  ~BlasHandle();
  // Loads cuBLAS on the first call in the process (cublas_library.h).
  absl::Status create(cudaStream_t stream);
  cublasHandle_t get() const { return handle_; }

  // cublasSgemm and cublasGemmEx on this handle: the same arguments after the handle.
  template <class... Args>
  cublasStatus_t sgemm(Args... args) const {
    return library_->sgemm(handle_, args...);
  }
  template <class... Args>
  cublasStatus_t gemm_ex(Args... args) const {
    return library_->gemm_ex(handle_, args...);
  }

 private:
  const CublasLibrary* library_ = nullptr;
  cublasHandle_t handle_ = nullptr;
};

}  // namespace feedrank::kernels::gpu
