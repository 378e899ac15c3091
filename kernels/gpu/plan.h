// How a search is split into kernel launches: pure arithmetic on sizes, shared by the CUDA
// runner and the CPU emulation test, so that tile and merge bookkeeping can be checked
// without a GPU.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "kernels/gpu/kernel_params.h"

namespace feedrank::kernels::gpu {

// Shared memory one block's (warp, query) slots may use: with 64 KB, three blocks fit on an
// H100 multiprocessor (227 KB) and two on an A100 (163 KB).
inline constexpr std::size_t kSlotSmemBudget = 64 * 1024;

// Entries one merge block reads (so that a pass has enough blocks to fill the GPU).
inline constexpr int kMergeEntriesPerBlock = 16384;

// Elements per stored row: the dimension rounded up to 8, so every row starts on a 16-byte
// (fp16) or 32-byte (fp32) boundary and 16-byte loads and tensor-core GEMMs can be used.
int padded_dimension(int dimension);

// List capacity for k: a power of two >= max(k, 32).
int list_capacity(int k);

// Shape for one query per warp (tile select, merges): 8 warps, or 4 when K = 1024 (the slot
// arrays of a block stay within kSlotSmemBudget).
SelectShape single_query_shape(int k);

// Shared memory of a block with `slots_per_warp` (warp, query) slots per warp.
std::size_t shape_smem_bytes(const SelectShape& shape, int slots_per_warp);

// The fused scan's configuration for a batch, or nullopt when the batch must take the GEMM
// path: more than 8 queries, more than 4 chunks per lane, or query slots x K > 1024 (a
// warp's lists would not fit in shared memory).
struct FusedShape {
  bool fp16 = false;
  int query_slots = 1;      // power of two >= queries
  int lanes_per_row = 8;    // FusedLanes<query_slots>
  int chunks_per_lane = 1;  // 1, 2 or 4
  SelectShape shape;        // warps: 0 until chosen from fused_warp_options
};
std::optional<FusedShape> fused_shape(int queries, int k, int ld, bool fp16);

// Warps per block (8 and/or 4) whose slot arrays fit kSlotSmemBudget; the runner takes the
// one with more resident warps per multiprocessor.
std::vector<int> fused_warp_options(const FusedShape& fs);

// Grid for the fused scan: blocks and rows per warp (a multiple of 8, the rows a warp covers
// per loop iteration).
struct FusedGrid {
  int blocks = 0;
  std::size_t rows_per_warp = 0;
};
FusedGrid fused_grid(std::size_t rows, int warps, int sm_count, int blocks_per_sm);

// One merge pass: lists_in lists per query merged lists_per_group at a time into `groups`.
struct MergePass {
  int lists_in = 0;
  int lists_per_group = 0;
  int groups = 0;
};
std::vector<MergePass> plan_merges(int lists, int k, int entries_per_block = kMergeEntriesPerBlock);

// The GEMM path for `queries` queries: tiles of tile_cols database rows; per tile `chunks`
// select blocks per query, each adding at most one list to the query's pool of `slots` lists;
// a compaction (to at most one list) after every compact_every tiles keeps room for the next
// compact_every x chunks lists.
struct BatchPlan {
  int queries = 0;
  SelectShape shape;
  std::size_t smem = 0;
  std::size_t rows = 0;
  std::size_t tile_cols = 0;  // multiple of 128
  std::size_t tiles = 0;
  int chunk_len = 0;  // multiple of 128
  int chunks = 0;
  int slots = 0;          // 8 x chunks + 2
  int compact_every = 0;  // (slots - 1) / chunks, so 1 + compact_every x chunks <= slots
};
BatchPlan plan_batch(std::size_t rows, int queries, int k, std::size_t score_tile_bytes,
                     int sm_count);

}  // namespace feedrank::kernels::gpu
