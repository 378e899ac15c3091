#include "kernels/gpu/search_context.h"

#include "kernels/gpu/cuda_status.h"
#include "kernels/gpu/kernel_launch.h"

namespace feedrank::kernels::gpu {

absl::Status SearchContext::init() {
  FEEDRANK_RETURN_IF_ERROR(main.create());
  FEEDRANK_RETURN_IF_ERROR(select.create());
  FEEDRANK_RETURN_IF_ERROR(blas.create(main.get()));
  FEEDRANK_RETURN_IF_ERROR(start.create(EventUse::kTiming));
  FEEDRANK_RETURN_IF_ERROR(stop.create(EventUse::kTiming));
  FEEDRANK_RETURN_IF_ERROR(joined.create(EventUse::kStreamOrder));
  for (int b = 0; b < 2; ++b) {
    FEEDRANK_RETURN_IF_ERROR(gemm_done[b].create(EventUse::kStreamOrder));
    FEEDRANK_RETURN_IF_ERROR(select_done[b].create(EventUse::kStreamOrder));
  }
  return absl::OkStatus();
}

absl::StatusOr<SearchBuffers> SearchContext::reserve_lists(int queries, int k, int slots,
                                                           int blocks, cudaStream_t stream) {
  const auto q = static_cast<std::size_t>(queries);
  const auto kk = static_cast<std::size_t>(k);
  const std::size_t pool = q * static_cast<std::size_t>(slots) * kk;
  const std::size_t part[2] = {q * static_cast<std::size_t>(blocks) * kk,
                               q * static_cast<std::size_t>((blocks + 1) / 2) * kk};
  const std::size_t part_lists[2] = {q * static_cast<std::size_t>(blocks),
                                     q * static_cast<std::size_t>((blocks + 1) / 2)};
  FEEDRANK_RETURN_IF_ERROR(pool_scores.reserve(pool * sizeof(float)));
  FEEDRANK_RETURN_IF_ERROR(pool_rows.reserve(pool * sizeof(std::uint32_t)));
  FEEDRANK_RETURN_IF_ERROR(pool_counts.reserve(q * slots * sizeof(int)));
  FEEDRANK_RETURN_IF_ERROR(used_slots.reserve(q * sizeof(int)));
  FEEDRANK_RETURN_IF_ERROR(floor_keys.reserve(q * sizeof(unsigned)));
  FEEDRANK_RETURN_IF_ERROR(error_flag.reserve(sizeof(int)));
  for (int i = 0; i < 2; ++i) {
    FEEDRANK_RETURN_IF_ERROR(part_scores[i].reserve(part[i] * sizeof(float)));
    FEEDRANK_RETURN_IF_ERROR(part_rows[i].reserve(part[i] * sizeof(std::uint32_t)));
    FEEDRANK_RETURN_IF_ERROR(part_counts[i].reserve(part_lists[i] * sizeof(int)));
  }
  for (auto [memory, bytes] : {std::pair{&out_scores, q * kk * sizeof(float)},
                                std::pair{&out_rows, q * kk * sizeof(std::uint32_t)},
                                std::pair{&out_counts, q * sizeof(int)},
                                std::pair{&out_ids, q * kk * sizeof(std::uint64_t)}}) {
    const void* before = memory->get();
    FEEDRANK_RETURN_IF_ERROR(memory->reserve(bytes));
    if (memory->get() != before) {
      FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(memory->get(), 0, memory->size(), stream));
    }
  }

  SearchBuffers b;
  b.pool = {pool_scores.as<float>(), pool_rows.as<std::uint32_t>(), pool_counts.as<int>(), 0, 0};
  b.used_slots = used_slots.as<int>();
  b.floor_keys = floor_keys.as<unsigned>();
  b.error_flag = error_flag.as<int>();
  for (int i = 0; i < 2; ++i) {
    b.parts[i] = {part_scores[i].as<float>(), part_rows[i].as<std::uint32_t>(),
                  part_counts[i].as<int>(), 0, 0};
  }
  b.out = {out_scores.as<float>(), out_rows.as<std::uint32_t>(), out_counts.as<int>(), 0, 0};
  b.out_ids = out_ids.as<std::uint64_t>();
  return b;
}

CudaRunner::CudaRunner(SearchContext& ctx, const DeviceMatrix& matrix, int queries,
                       const float* q32, const void* q16, std::size_t tile_cols)
    : ctx_(ctx),
      matrix_(matrix),
      queries_(queries),
      q32_(q32),
      q16_(q16),
      tile_cols_(tile_cols) {}

absl::Status CudaRunner::reset_pool(int queries) {
  cudaStream_t s = ctx_.main.get();
  const auto q = static_cast<std::size_t>(queries);
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(ctx_.used_slots.get(), 0, q * sizeof(int), s));
  FEEDRANK_CUDA_RETURN_IF_ERROR(
      cudaMemsetAsync(ctx_.floor_keys.get(), 0, q * sizeof(unsigned), s));
  return absl::OkStatus();
}

absl::Status CudaRunner::gemm(int buffer, std::size_t row_begin, int cols) {
  cudaStream_t s = ctx_.main.get();
  // The tile buffer is free once the selection that last read it is done.
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaStreamWaitEvent(s, ctx_.select_done[buffer].get(), 0));
  const float one = 1.0f, zero = 0.0f;
  const int ld = matrix_.ld();
  float* out = ctx_.tiles[buffer].as<float>();
  const auto* base = static_cast<const unsigned char*>(matrix_.data()) +
                     row_begin * static_cast<std::size_t>(ld) * matrix_.element_bytes();
  // Column-major view: the tile is ld x cols (a stored row per column), queries ld x n; the
  // product tile^T * queries is cols x n with leading dimension tile_cols, i.e. row-major
  // scores[query][col].
  if (matrix_.fp16()) {
    FEEDRANK_CUBLAS_RETURN_IF_ERROR(
        ctx_.blas.gemm_ex(CUBLAS_OP_T, CUBLAS_OP_N, cols, queries_, ld, &one, base, CUDA_R_16F, ld,
                          q16_, CUDA_R_16F, ld, &zero, out, CUDA_R_32F,
                          static_cast<int>(tile_cols_), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  } else {
    FEEDRANK_CUBLAS_RETURN_IF_ERROR(ctx_.blas.sgemm(
        CUBLAS_OP_T, CUBLAS_OP_N, cols, queries_, ld, &one, reinterpret_cast<const float*>(base),
        ld, q32_, ld, &zero, out, static_cast<int>(tile_cols_)));
  }
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(ctx_.gemm_done[buffer].get(), s));
  return absl::OkStatus();
}

absl::Status CudaRunner::select_tile(const SelectTileParams& p, int buffer, int chunks,
                                     int queries) {
  cudaStream_t s = ctx_.select.get();
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaStreamWaitEvent(s, ctx_.gemm_done[buffer].get(), 0));
  FEEDRANK_CUDA_RETURN_IF_ERROR(
      launch_select_tile(p, chunks, queries, shape_smem_bytes(p.shape, 1), s));
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(ctx_.select_done[buffer].get(), s));
  return absl::OkStatus();
}

absl::Status CudaRunner::compact(const CompactParams& p, int queries) {
  FEEDRANK_CUDA_RETURN_IF_ERROR(
      launch_compact(p, queries, shape_smem_bytes(p.shape, 1), ctx_.select.get()));
  return absl::OkStatus();
}

absl::Status CudaRunner::fused(const FusedParams& p, const FusedShape& fs, int blocks) {
  const FusedVariant v{fs.fp16, fs.query_slots, fs.chunks_per_lane};
  FEEDRANK_CUDA_RETURN_IF_ERROR(launch_fused(v, p, blocks,
                                             shape_smem_bytes(fs.shape, fs.query_slots),
                                             ctx_.main.get()));
  return absl::OkStatus();
}

absl::Status CudaRunner::merge(const MergeParams& p, int groups, int queries) {
  FEEDRANK_CUDA_RETURN_IF_ERROR(
      launch_merge(p, groups, queries, shape_smem_bytes(p.shape, 1), ctx_.main.get()));
  return absl::OkStatus();
}

absl::Status CudaRunner::join() {
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(ctx_.joined.get(), ctx_.select.get()));
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaStreamWaitEvent(ctx_.main.get(), ctx_.joined.get(), 0));
  return absl::OkStatus();
}

}  // namespace feedrank::kernels::gpu
