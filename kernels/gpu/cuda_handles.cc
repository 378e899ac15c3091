#include "kernels/gpu/cuda_handles.h"

#include <algorithm>

#include "kernels/gpu/cuda_status.h"

namespace feedrank::kernels::gpu {

template <bool kPinnedHost>
absl::Status Memory<kPinnedHost>::allocate(std::size_t bytes) {
  reset();
  if (bytes == 0) return absl::OkStatus();
  void* data = nullptr;
  if constexpr (kPinnedHost) {
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMallocHost(&data, bytes));
  } else {
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMalloc(&data, bytes));
  }
  data_ = data;
  size_ = bytes;
  return absl::OkStatus();
}

template <bool kPinnedHost>
absl::Status Memory<kPinnedHost>::reserve(std::size_t bytes) {
  if (bytes <= size_) return absl::OkStatus();
  return allocate(std::max(bytes, size_ + size_ / 2));
}

template <bool kPinnedHost>
void Memory<kPinnedHost>::reset() {
  if (data_ == nullptr) return;
  if constexpr (kPinnedHost) {
    (void)cudaFreeHost(data_);
  } else {
    (void)cudaFree(data_);
  }
  data_ = nullptr;
  size_ = 0;
}

template class Memory<false>;
template class Memory<true>;

Stream::~Stream() {
  if (stream_ != nullptr) (void)cudaStreamDestroy(stream_);
}

absl::Status Stream::create() {
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  return absl::OkStatus();
}

Event::~Event() {
  if (event_ != nullptr) (void)cudaEventDestroy(event_);
}

absl::Status Event::create(EventUse use) {
  unsigned flags = cudaEventDefault;
  if (use != EventUse::kTiming) flags |= cudaEventDisableTiming;
  if (use == EventUse::kHostWait) flags |= cudaEventBlockingSync;
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventCreateWithFlags(&event_, flags));
  return absl::OkStatus();
}

BlasHandle::~BlasHandle() {
  if (handle_ != nullptr) (void)library_->destroy(handle_);
}

absl::Status BlasHandle::create(cudaStream_t stream) {
  absl::StatusOr<const CublasLibrary*> library = cublas_library();
  if (!library.ok()) return library.status();
  library_ = *library;
  FEEDRANK_CUBLAS_RETURN_IF_ERROR(library_->create(&handle_));
  FEEDRANK_CUBLAS_RETURN_IF_ERROR(library_->set_stream(handle_, stream));
  // Plain fp32 GEMMs (no TF32), the precision PyTorch uses by default; NVIDIA_TF32_OVERRIDE
  // can still change it for the whole process.
  FEEDRANK_CUBLAS_RETURN_IF_ERROR(library_->set_math_mode(handle_, CUBLAS_DEFAULT_MATH));
  return absl::OkStatus();
}

}  // namespace feedrank::kernels::gpu
