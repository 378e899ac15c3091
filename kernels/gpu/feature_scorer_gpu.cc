// The CUDA twin of the feature scorer (kernels/feature_scorer.h) on device 0: the batch goes up
// through pinned staging, score_block (scoring_body.h) runs one thread per row, and the scores
// come back. Each call borrows a context (stream, buffers) that no other call uses meanwhile.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "kernels/compute_backend.h"
#include "kernels/feature_scorer.h"
#include "kernels/gpu/cuda_handles.h"
#include "kernels/gpu/cuda_status.h"
#include "kernels/gpu/device_open.h"
#include "kernels/gpu/idle_contexts.h"
#include "kernels/gpu/scoring_launch.h"

namespace feedrank::kernels {
namespace gpu {
namespace {

static_assert(kScoringMaxColumns == kMaxScoringColumns, "the kernel's weight buffer size");

// The caller's (pageable) matrix crosses in chunks through two pinned staging buffers: the CPU
// copies chunk k + 1 into one while the copy engine reads chunk k from the other, so a large
// batch costs about the longer of memcpy and DMA rather than their sum. (A copy straight from
// pageable memory is staged by the driver anyway, and returns only when done.)
constexpr std::size_t kStagingBytes = std::size_t{4} << 20;

// What one call uses. Buffers only grow: a ranker's batches have a steady size, so after the
// first call of that size nothing is allocated.
struct ScoringContext {
  Stream stream;
  Event staged[2];  // the copy out of staging[s] has finished
  PinnedMemory staging[2];
  PinnedMemory host_weights, host_scores;
  DeviceMemory features, weights, scores;

  absl::Status init() {
    FEEDRANK_RETURN_IF_ERROR(stream.create());
    for (Event& e : staged) FEEDRANK_RETURN_IF_ERROR(e.create(EventUse::kHostWait));
    FEEDRANK_RETURN_IF_ERROR(host_weights.allocate(kMaxScoringColumns * sizeof(float)));
    return weights.allocate(kMaxScoringColumns * sizeof(float));
  }

  // Scores a checked batch of `rows` > 0 rows into `out`. On error, copies may still be in
  // flight on the stream.
  absl::Status run(const ScoringBatch& batch, std::size_t rows, std::span<float> out) {
    const cudaStream_t s = stream.get();
    const std::size_t feature_bytes = batch.features.size_bytes();
    const std::size_t score_bytes = rows * sizeof(float);
    const std::size_t chunk = std::min(feature_bytes, kStagingBytes);
    FEEDRANK_RETURN_IF_ERROR(features.reserve(feature_bytes));
    FEEDRANK_RETURN_IF_ERROR(scores.reserve(score_bytes));
    FEEDRANK_RETURN_IF_ERROR(host_scores.reserve(score_bytes));
    FEEDRANK_RETURN_IF_ERROR(staging[0].reserve(chunk));
    if (feature_bytes > chunk) FEEDRANK_RETURN_IF_ERROR(staging[1].reserve(chunk));

    std::memcpy(host_weights.get(), batch.weights.data(), batch.weights.size_bytes());
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(
        weights.get(), host_weights.get(), batch.weights.size_bytes(), cudaMemcpyHostToDevice, s));
    const auto* src = reinterpret_cast<const unsigned char*>(batch.features.data());
    for (std::size_t offset = 0, k = 0; offset < feature_bytes; offset += chunk, ++k) {
      const std::size_t slot = k % 2;
      if (k >= 2) FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(staged[slot].get()));
      const std::size_t n = std::min(chunk, feature_bytes - offset);
      std::memcpy(staging[slot].get(), src + offset, n);
      FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(features.as<unsigned char>() + offset,
                                                    staging[slot].get(), n, cudaMemcpyHostToDevice,
                                                    s));
      FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(staged[slot].get(), s));
    }

    ScoringParams p;
    p.features = features.as<float>();
    p.weights = weights.as<float>();
    p.scores = scores.as<float>();
    p.rows = rows;
    p.columns = batch.columns;
    FEEDRANK_CUDA_RETURN_IF_ERROR(launch_scoring(p, s));
    FEEDRANK_CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(host_scores.get(), scores.get(), score_bytes, cudaMemcpyDeviceToHost, s));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(s));
    std::memcpy(out.data(), host_scores.get(), score_bytes);
    return absl::OkStatus();
  }
};

class GpuFeatureScorer final : public FeatureScorer {
 public:
  GpuFeatureScorer(int device, std::string name, int sm_count)
      : device_(device), name_(std::move(name)), sm_count_(sm_count) {}

  // Makes the first context now, so that a broken device shows at creation.
  absl::Status init() {
    absl::StatusOr<std::unique_ptr<ScoringContext>> ctx = contexts_.take();
    if (!ctx.ok()) return ctx.status();
    contexts_.give_back(std::move(*ctx));
    return absl::OkStatus();
  }

  std::string describe() const override {
    return "gpu-fma (" + name_ + ", " + std::to_string(sm_count_) + " SMs)";
  }

  absl::Status score_checked(const ScoringBatch& batch, std::size_t rows,
                             std::span<float> scores) const override {
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaSetDevice(device_));
    absl::StatusOr<std::unique_ptr<ScoringContext>> ctx = contexts_.take();
    if (!ctx.ok()) return ctx.status();
    const absl::Status status = (*ctx)->run(batch, rows, scores);
    // Copies of a failed call may still read its staging buffers: let them finish before the
    // context serves another call.
    if (!status.ok()) (void)cudaStreamSynchronize((*ctx)->stream.get());
    contexts_.give_back(std::move(*ctx));
    return status;
  }

 private:
  const int device_;
  const std::string name_;
  const int sm_count_;
  mutable IdleContexts<ScoringContext> contexts_;
};

}  // namespace
}  // namespace gpu

absl::StatusOr<std::unique_ptr<FeatureScorer>> make_gpu_feature_scorer() {
  auto prop = gpu::open_twin_device(gpu::probe_scoring_kernel, "scoring kernel");
  if (!prop.ok()) return prop.status();
  auto scorer = std::make_unique<gpu::GpuFeatureScorer>(gpu::kTwinDevice, prop->name,
                                                         prop->multiProcessorCount);
  FEEDRANK_RETURN_IF_ERROR(scorer->init());
  return std::unique_ptr<FeatureScorer>(std::move(scorer));
}

}  // namespace feedrank::kernels
