// Plain parameter blocks shared by the CUDA kernels (.cu, compiled as C++17), the host code that
// launches them (.cc) and the CPU emulation test. No CUDA or absl types, so all three can
// include it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace feedrank::kernels::gpu {

// Row index meaning "no row": pads lists and ranks after every real entry.
inline constexpr std::uint32_t kNoRow = 0xFFFFFFFFu;

// Which rows may appear in a query's results, and the ids that break score ties.
struct RowFilter {
  const std::uint64_t* ids = nullptr;              // [rows]
  const std::uint64_t* tombstones = nullptr;       // [(rows + 63) / 64], bit set = deleted
  const std::uint64_t* exclude_ids = nullptr;      // per query sorted ascending, concatenated
  const std::uint32_t* exclude_offsets = nullptr;  // [queries + 1] into exclude_ids; null: none
  const std::uint32_t* first_rows = nullptr;       // [queries]: rows below are left out; null: none
};

// Many top-k lists in global memory, best first, as structure of arrays. List j of query q
// holds counts[q * lists + j] entries starting at (q * lists + j) * k.
struct ListSet {
  float* scores = nullptr;
  std::uint32_t* rows = nullptr;
  int* counts = nullptr;
  int lists = 0;  // lists per query
  int k = 0;      // capacity (stride) of a list
};

// The shape of the shared-memory selection every kernel uses.
struct SelectShape {
  int k = 0;      // results wanted, 1..1024
  int K = 0;      // list capacity: power of two >= max(k, 32)
  int warps = 0;  // warps per block, power of two, <= 8
};

// Fused scan: each warp streams a contiguous range of rows, computes the dot products with
// every query of the batch in registers and keeps one top-k per query; the block folds its
// warps' lists into one list per query, written to out (lists = blocks).
struct FusedParams {
  const void* matrix = nullptr;  // rows x ld, fp32 or fp16, zero padded
  int ld = 0;                    // elements per row (multiple of 8)
  std::size_t rows = 0;
  const float* queries = nullptr;  // queries_count x ld fp32, zero padded
  int queries_count = 0;           // real queries (<= the kernel's query slots)
  RowFilter filter;
  SelectShape shape;
  std::size_t rows_per_warp = 0;  // multiple of 8
  ListSet out;
};

// Top-k of one GEMM score tile: block (chunk, query) scans scores[query][chunk range] and
// appends its list to the query's pool in a free slot. Rows ranking at or below the query's
// floor are skipped; a block that finds k entries raises the floor.
struct SelectTileParams {
  const float* scores = nullptr;  // queries x ld
  std::size_t ld = 0;             // multiple of 4
  int cols = 0;                   // valid columns in this tile
  std::size_t row_begin = 0;      // row of column 0
  int chunk_len = 0;              // columns per block, multiple of 128
  RowFilter filter;
  SelectShape shape;
  unsigned* floor_keys = nullptr;  // [queries], orderable score; 0 = no floor yet
  ListSet pool;                    // lists = slots per query
  int* used_slots = nullptr;       // [queries]
  int* error_flag = nullptr;       // set when a pool overflows (a planning bug)
};

// Merges groups of lists: block (group, query) merges lists [group * lists_per_group, ...) of
// `in` into list `group` of `out`. With out_ids set it also writes each entry's id (last pass).
struct MergeParams {
  ListSet in;
  const int* valid_lists = nullptr;  // [queries] or null: a query's lists from here on are empty
  int lists_per_group = 0;
  const std::uint64_t* ids = nullptr;
  SelectShape shape;
  ListSet out;
  std::uint64_t* out_ids = nullptr;  // [queries * out.lists * out.k] or null
};

// Compacts a query's pool into slot 0 when the next tile might not find enough free slots.
// (After the last tile the pools are merged like any lists: MergeParams.valid_lists.)
struct CompactParams {
  ListSet pool;
  int* used_slots = nullptr;
  int chunks_next = 0;  // slots the selects until the next compaction may take per query
  const std::uint64_t* ids = nullptr;
  SelectShape shape;
  unsigned* floor_keys = nullptr;
};

// Copies rows of d floats into rows of ld elements (fp32 or fp16), zero padded, optionally
// dividing each row by row_scale[r]. fp16 saturates values beyond its range to +-65504, where
// rounding would give infinities (and then infinite or NaN scores): the row stays searchable,
// with a score too small in magnitude, rather than fail the sync of every later row.
struct PackParams {
  const float* src = nullptr;
  int d = 0;
  std::size_t rows = 0;
  void* dst = nullptr;
  int ld = 0;
  int fp16 = 0;
  const float* row_scale = nullptr;
};

}  // namespace feedrank::kernels::gpu
