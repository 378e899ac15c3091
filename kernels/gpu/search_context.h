// Everything one search needs on the device: two streams (GEMMs on `main`, selection on
// `select`, so that tile t's selection overlaps tile t+1's GEMM), a cuBLAS handle, events and
// grow-only scratch memory. Reused across searches; serves one search at a time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "kernels/gpu/cuda_handles.h"
#include "kernels/gpu/device_matrix.h"
#include "kernels/gpu/pipeline.h"

namespace feedrank::kernels::gpu {

struct SearchContext {
  Stream main;
  Stream select;
  BlasHandle blas;
  Event start, stop, joined;
  Event gemm_done[2], select_done[2];  // per score-tile buffer

  DeviceMemory queries_raw, queries32, queries16, query_scale;
  DeviceMemory exclude_ids, exclude_offsets, first_rows;
  DeviceMemory tiles[2];
  DeviceMemory pool_scores, pool_rows, pool_counts, used_slots, floor_keys, error_flag;
  DeviceMemory part_scores[2], part_rows[2], part_counts[2];
  DeviceMemory out_scores, out_rows, out_counts, out_ids;
  PinnedMemory upload, download;

  // Creates streams, events and the cuBLAS handle on the current device.
  absl::Status init();

  // Scratch lists for `queries` queries and lists of k entries: pool of `slots` lists, parts
  // of `blocks` and ceil(blocks / 2) lists, and the output. Returns the buffers' pointers.
  // Fresh output buffers are zeroed on `stream`: the whole of them is copied back, entries past
  // each list's count included.
  absl::StatusOr<SearchBuffers> reserve_lists(int queries, int k, int slots, int blocks,
                                              cudaStream_t stream);
};

// The Runner of pipeline.h on a GPU.
class CudaRunner {
 public:
  // q32: queries x ld fp32; q16: the same, fp16 and scaled (fp16 matrices only).
  CudaRunner(SearchContext& ctx, const DeviceMatrix& matrix, int queries, const float* q32,
             const void* q16, std::size_t tile_cols);

  absl::Status reset_pool(int queries);
  absl::Status gemm(int buffer, std::size_t row_begin, int cols);
  const float* tile(int buffer) const { return ctx_.tiles[buffer].as<float>(); }
  absl::Status select_tile(const SelectTileParams& p, int buffer, int chunks, int queries);
  absl::Status compact(const CompactParams& p, int queries);
  absl::Status fused(const FusedParams& p, const FusedShape& fs, int blocks);
  absl::Status merge(const MergeParams& p, int groups, int queries);
  absl::Status join();

 private:
  SearchContext& ctx_;
  const DeviceMatrix& matrix_;
  int queries_;
  const float* q32_;
  const void* q16_;
  std::size_t tile_cols_;
};

}  // namespace feedrank::kernels::gpu
