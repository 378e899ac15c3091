// The CUDA twin of the ALS solver (kernels/als_solver.h) on device 0, taking the CPU twin's steps
// (kernels/cpu/als_solver_cpu.cc) in the same order per row: Y'Y by one cuBLAS GEMM, mirrored;
// per chunk of rows, r = -X A0 by GEMM and the initial kernel (als_body.h), then per CG step
// AP = P A0 by GEMM and the step kernel. cuBLAS is column-major: a row-major rows x k matrix
// reads as its transpose, a column-major k x rows matrix, so the row-major P A0 is the
// column-major A0' P' with both operands read as they lie (and A0' = A0 anyway).
//
// Each call uploads its matrix, the fixed factors and the warm start once, works in place on the
// device and copies `solved` back at the end; the interface hands the same Y to gram() and then
// to solve(), so a half-step moves Y over PCIe twice. Each call borrows a context (stream,
// cuBLAS handle, buffers) that no other call uses meanwhile.
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "kernels/als_solver.h"
#include "kernels/compute_backend.h"
#include "kernels/gpu/als_launch.h"
#include "kernels/gpu/cuda_handles.h"
#include "kernels/gpu/cuda_status.h"
#include "kernels/gpu/device_open.h"
#include "kernels/gpu/idle_contexts.h"

namespace feedrank::kernels {
namespace gpu {
namespace {

static_assert(kAlsGpuResidualFloor == kAlsResidualFloor, "the kernels' copy of the floor");
static_assert(kAlsMaxFactors == kMaxAlsFactors, "the kernels' slots cover every factor count");

// Rows solved together: three chunk x k work buffers (r, p, ap) of at most 128 MB each, 24 MB at
// 128 factors, while each GEMM (65536 x 128 x 128) is large enough to fill the GPU.
constexpr std::size_t kMaxChunkRows = 65536;
constexpr std::size_t kMaxChunkFloats = std::size_t{1} << 25;
// cuBLAS takes int sizes: Y'Y sums GEMMs over slices of at most this many fixed rows.
constexpr std::size_t kMaxGemmRows = std::size_t{1} << 30;

std::size_t chunk_rows(int factors) {
  return std::min(kMaxChunkRows, kMaxChunkFloats / static_cast<std::size_t>(factors));
}

// Copies between the caller's (pageable) memory and the device through two pinned staging
// buffers: the CPU copies one slice while the copy engine moves the other, so a large copy costs
// about the longer of memcpy and DMA rather than their sum.
class Staging {
 public:
  static constexpr std::size_t kSliceBytes = std::size_t{8} << 20;

  absl::Status init() {
    for (int s = 0; s < 2; ++s) {
      FEEDRANK_RETURN_IF_ERROR(slots_[s].allocate(kSliceBytes));
      FEEDRANK_RETURN_IF_ERROR(done_[s].create(EventUse::kHostWait));
    }
    return absl::OkStatus();
  }

  // Enqueues the copy; `src` may change once this returns.
  absl::Status upload(void* dst, const void* src, std::size_t bytes, cudaStream_t stream) {
    const auto* from = static_cast<const unsigned char*>(src);
    auto* to = static_cast<unsigned char*>(dst);
    for (std::size_t offset = 0; offset < bytes; offset += kSliceBytes) {
      const int s = take_slot();
      // The slot's last copy (an upload, or a download already drained) must be over.
      FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(done_[s].get()));
      const std::size_t n = std::min(kSliceBytes, bytes - offset);
      std::memcpy(slots_[s].get(), from + offset, n);
      FEEDRANK_CUDA_RETURN_IF_ERROR(
          cudaMemcpyAsync(to + offset, slots_[s].get(), n, cudaMemcpyHostToDevice, stream));
      FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(done_[s].get(), stream));
    }
    return absl::OkStatus();
  }

  // Waits for everything enqueued before it on `stream`, and for the copy.
  absl::Status download(void* dst, const void* src, std::size_t bytes, cudaStream_t stream) {
    const auto* from = static_cast<const unsigned char*>(src);
    auto* to = static_cast<unsigned char*>(dst);
    Pending pending[2];
    const auto drain = [&](int s) -> absl::Status {
      if (pending[s].to == nullptr) return absl::OkStatus();
      FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(done_[s].get()));
      std::memcpy(pending[s].to, slots_[s].get(), pending[s].bytes);
      pending[s] = Pending{};
      return absl::OkStatus();
    };
    for (std::size_t offset = 0; offset < bytes; offset += kSliceBytes) {
      const int s = take_slot();
      FEEDRANK_RETURN_IF_ERROR(drain(s));  // the slice before last, while the last one moves
      const std::size_t n = std::min(kSliceBytes, bytes - offset);
      FEEDRANK_CUDA_RETURN_IF_ERROR(
          cudaMemcpyAsync(slots_[s].get(), from + offset, n, cudaMemcpyDeviceToHost, stream));
      FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(done_[s].get(), stream));
      pending[s] = Pending{to + offset, n};
    }
    // next_ is the older of the two slots.
    const int older = next_;
    FEEDRANK_RETURN_IF_ERROR(drain(older));
    return drain(1 - older);
  }

 private:
  struct Pending {
    unsigned char* to = nullptr;
    std::size_t bytes = 0;
  };

  int take_slot() {
    const int s = next_;
    next_ = 1 - next_;
    return s;
  }

  PinnedMemory slots_[2];
  Event done_[2];  // the last copy into or out of the slot has finished
  int next_ = 0;
};

// What one call uses. Buffers only grow: training alternates two shapes, so after the first
// iteration nothing is allocated.
struct AlsContext {
  Stream stream;
  BlasHandle blas;
  Staging staging;
  DeviceMemory offsets, columns, confidences, fixed, solved, a0, segments, heavy, partials;
  DeviceMemory r, p, ap, residual;
  std::vector<float> host_a0;
  // Every chunk's heavy rows and their segments; chunk c's are [segments_at[c],
  // segments_at[c + 1]) and [heavy_at[c], heavy_at[c + 1]).
  std::vector<AlsSegment> host_segments;
  std::vector<AlsHeavyRow> host_heavy;
  std::vector<std::size_t> segments_at, heavy_at;

  absl::Status init() {
    FEEDRANK_RETURN_IF_ERROR(stream.create());
    FEEDRANK_RETURN_IF_ERROR(blas.create(stream.get()));
    return staging.init();
  }

  // out = Y'Y; fixed.rows >= 1. On error, copies may still be in flight on the stream.
  absl::Status gram(const FactorMatrix& y, std::span<float> out) {
    const cudaStream_t s = stream.get();
    const int k = y.factors;
    const auto uk = static_cast<std::size_t>(k);
    FEEDRANK_RETURN_IF_ERROR(fixed.reserve(y.values.size_bytes()));
    FEEDRANK_RETURN_IF_ERROR(a0.reserve(uk * uk * sizeof(float)));
    FEEDRANK_RETURN_IF_ERROR(
        staging.upload(fixed.get(), y.values.data(), y.values.size_bytes(), s));
    // Column-major, Y is k x rows (ld k) and Y'Y = Y Y^T there: C = A A^T over slices of rows.
    for (std::size_t first = 0; first < y.rows; first += kMaxGemmRows) {
      const int n = static_cast<int>(std::min(kMaxGemmRows, y.rows - first));
      const float one = 1.0f, beta = first == 0 ? 0.0f : 1.0f;
      const float* slice = fixed.as<float>() + first * uk;
      FEEDRANK_CUBLAS_RETURN_IF_ERROR(blas.sgemm(CUBLAS_OP_N, CUBLAS_OP_T, k, k, n, &one, slice, k,
                                                 slice, k, &beta, a0.as<float>(), k));
    }
    FEEDRANK_RETURN_IF_ERROR(staging.download(out.data(), a0.get(), uk * uk * sizeof(float), s));
    // Exactly symmetric, like the CPU twin's: the upper triangle (row-major) wins.
    for (int i = 0; i < k; ++i) {
      for (int j = 0; j < i; ++j) out[i * uk + j] = out[j * uk + i];
    }
    return absl::OkStatus();
  }

  // A checked step with matrix.rows >= 1. On error, work may still be in flight on the stream.
  absl::Status solve(const AlsStep& step, std::span<float> out) {
    const cudaStream_t s = stream.get();
    const ConfidenceRows& m = step.matrix;
    const int k = step.fixed.factors;
    const auto uk = static_cast<std::size_t>(k);
    const std::size_t entries = m.offsets[m.rows];
    const std::size_t chunk = std::min(chunk_rows(k), m.rows);

    host_a0.assign(step.gram.begin(), step.gram.end());
    for (std::size_t i = 0; i < uk; ++i) host_a0[i * uk + i] += step.regularization;
    host_segments.clear();
    host_heavy.clear();
    segments_at.assign(1, 0);
    heavy_at.assign(1, 0);
    std::size_t most_segments = 0;  // in a chunk
    for (std::size_t first = 0; first < m.rows; first += chunk) {
      append_heavy_rows(m.offsets.data(), first, std::min(chunk, m.rows - first),
                        host_segments.size(), host_segments, host_heavy);
      most_segments = std::max(most_segments, host_segments.size() - segments_at.back());
      segments_at.push_back(host_segments.size());
      heavy_at.push_back(host_heavy.size());
    }

    FEEDRANK_RETURN_IF_ERROR(offsets.reserve(m.offsets.size_bytes()));
    FEEDRANK_RETURN_IF_ERROR(columns.reserve(entries * sizeof(std::uint32_t)));
    FEEDRANK_RETURN_IF_ERROR(confidences.reserve(entries * sizeof(float)));
    FEEDRANK_RETURN_IF_ERROR(fixed.reserve(step.fixed.values.size_bytes()));
    FEEDRANK_RETURN_IF_ERROR(solved.reserve(out.size_bytes()));
    FEEDRANK_RETURN_IF_ERROR(a0.reserve(host_a0.size() * sizeof(float)));
    FEEDRANK_RETURN_IF_ERROR(segments.reserve(host_segments.size() * sizeof(AlsSegment)));
    FEEDRANK_RETURN_IF_ERROR(heavy.reserve(host_heavy.size() * sizeof(AlsHeavyRow)));
    FEEDRANK_RETURN_IF_ERROR(partials.reserve(most_segments * uk * sizeof(float)));
    for (DeviceMemory* buffer : {&r, &p, &ap}) {
      FEEDRANK_RETURN_IF_ERROR(buffer->reserve(chunk * uk * sizeof(float)));
    }
    FEEDRANK_RETURN_IF_ERROR(residual.reserve(chunk * sizeof(float)));

    FEEDRANK_RETURN_IF_ERROR(
        staging.upload(offsets.get(), m.offsets.data(), m.offsets.size_bytes(), s));
    FEEDRANK_RETURN_IF_ERROR(
        staging.upload(columns.get(), m.columns.data(), entries * sizeof(std::uint32_t), s));
    FEEDRANK_RETURN_IF_ERROR(
        staging.upload(confidences.get(), m.confidences.data(), entries * sizeof(float), s));
    FEEDRANK_RETURN_IF_ERROR(
        staging.upload(fixed.get(), step.fixed.values.data(), step.fixed.values.size_bytes(), s));
    FEEDRANK_RETURN_IF_ERROR(staging.upload(solved.get(), out.data(), out.size_bytes(), s));
    FEEDRANK_RETURN_IF_ERROR(
        staging.upload(a0.get(), host_a0.data(), host_a0.size() * sizeof(float), s));
    FEEDRANK_RETURN_IF_ERROR(staging.upload(segments.get(), host_segments.data(),
                                            host_segments.size() * sizeof(AlsSegment), s));
    FEEDRANK_RETURN_IF_ERROR(
        staging.upload(heavy.get(), host_heavy.data(), host_heavy.size() * sizeof(AlsHeavyRow), s));

    AlsRowsParams params;
    params.offsets = offsets.as<std::uint64_t>();
    params.columns = columns.as<std::uint32_t>();
    params.confidences = confidences.as<float>();
    params.fixed = fixed.as<float>();
    params.partials = partials.as<float>();
    params.r = r.as<float>();
    params.p = p.as<float>();
    params.ap = ap.as<float>();
    params.residual = residual.as<float>();
    params.factors = k;
    const float minus_one = -1.0f, one = 1.0f, zero = 0.0f;
    for (std::size_t first = 0, c = 0; first < m.rows; first += chunk, ++c) {
      const std::size_t rows = std::min(chunk, m.rows - first);
      const int n = static_cast<int>(rows);
      params.first = first;
      params.rows = rows;
      params.x = solved.as<float>() + first * uk;
      params.segments = segments.as<AlsSegment>() + segments_at[c];
      params.segment_count = segments_at[c + 1] - segments_at[c];
      params.heavy = heavy.as<AlsHeavyRow>() + heavy_at[c];
      params.heavy_count = heavy_at[c + 1] - heavy_at[c];
      // r = -X A0, then the entries' terms.
      FEEDRANK_CUBLAS_RETURN_IF_ERROR(blas.sgemm(CUBLAS_OP_N, CUBLAS_OP_N, k, n, k, &minus_one,
                                                 a0.as<float>(), k, params.x, k, &zero, params.r,
                                                 k));
      FEEDRANK_CUDA_RETURN_IF_ERROR(launch_als_rows(params, /*initial=*/true, s));
      for (int step_index = 0; step_index < step.cg_steps; ++step_index) {
        FEEDRANK_CUBLAS_RETURN_IF_ERROR(blas.sgemm(CUBLAS_OP_N, CUBLAS_OP_N, k, n, k, &one,
                                                   a0.as<float>(), k, params.p, k, &zero, params.ap,
                                                   k));
        FEEDRANK_CUDA_RETURN_IF_ERROR(launch_als_rows(params, /*initial=*/false, s));
      }
    }
    return staging.download(out.data(), solved.get(), out.size_bytes(), s);
  }
};

class GpuAlsSolver final : public AlsSolver {
 public:
  GpuAlsSolver(int device, std::string name) : device_(device), name_(std::move(name)) {}

  // Makes the first context now, so that a broken device shows at creation.
  absl::Status init() {
    absl::StatusOr<std::unique_ptr<AlsContext>> ctx = contexts_.take();
    if (!ctx.ok()) return ctx.status();
    contexts_.give_back(std::move(*ctx));
    return absl::OkStatus();
  }

  std::string describe() const override { return "gpu (" + name_ + ")"; }

 protected:
  absl::Status gram_checked(const FactorMatrix& fixed, std::span<float> out) const override {
    if (fixed.rows == 0) {
      std::fill(out.begin(), out.end(), 0.0f);
      return absl::OkStatus();
    }
    return with_context([&](AlsContext& ctx) { return ctx.gram(fixed, out); });
  }

  absl::Status solve_checked(const AlsStep& step, std::span<float> solved) const override {
    return with_context([&](AlsContext& ctx) { return ctx.solve(step, solved); });
  }

 private:
  template <typename Fn>
  absl::Status with_context(const Fn& fn) const {
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaSetDevice(device_));
    absl::StatusOr<std::unique_ptr<AlsContext>> ctx = contexts_.take();
    if (!ctx.ok()) return ctx.status();
    const absl::Status status = fn(**ctx);
    // Work of a failed call may still use the context's buffers: let it finish before the
    // context serves another call.
    if (!status.ok()) (void)cudaStreamSynchronize((*ctx)->stream.get());
    contexts_.give_back(std::move(*ctx));
    return status;
  }

  const int device_;
  const std::string name_;
  mutable IdleContexts<AlsContext> contexts_;
};

}  // namespace
}  // namespace gpu

absl::StatusOr<std::unique_ptr<AlsSolver>> make_gpu_als_solver() {
  auto prop = gpu::open_twin_device(gpu::probe_als_kernels, "ALS kernels");
  if (!prop.ok()) return prop.status();
  auto solver = std::make_unique<gpu::GpuAlsSolver>(gpu::kTwinDevice, prop->name);
  FEEDRANK_RETURN_IF_ERROR(solver->init());
  return std::unique_ptr<AlsSolver>(std::move(solver));
}

}  // namespace feedrank::kernels
