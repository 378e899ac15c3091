// The order of kernel launches for one batch of queries, written once over a Runner so that
// the CPU emulation test runs the very sequence the GPU does.
//
// Runner (duck-typed), each call returning absl::Status:
//   reset_pool(queries)              used_slots = 0, floor_keys = 0, error flag = 0
//   gemm(buffer, row_begin, cols)    scores of rows [row_begin, +cols) x queries -> tile(buffer)
//   tile(buffer)                     (const float*) the tile buffer, queries x tile_cols
//   select_tile(params, buffer, chunks, queries)
//   compact(params, queries)
//   fused(params, fused_shape, blocks)
//   merge(params, groups, queries)
//   join()                           later work on the main stream waits for all of the above
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/gpu/kernel_params.h"
#include "kernels/gpu/plan.h"

namespace feedrank::kernels::gpu {

// Scratch lists one search uses (device memory on the GPU). `lists` and `k` of each ListSet
// are set by the pipeline; the pointers must have room for the plan's sizes.
struct SearchBuffers {
  ListSet pool;  // queries x slots x k
  int* used_slots = nullptr;
  unsigned* floor_keys = nullptr;
  int* error_flag = nullptr;
  ListSet parts[2];  // queries x blocks x k, queries x ceil(blocks / 2) x k
  ListSet out;       // queries x k
  std::uint64_t* out_ids = nullptr;
};

// Merges `lists` lists per query from parts[0] down to one list per query in out/out_ids.
// merge_entries: entries one merge block reads (tests shrink it to force several passes).
template <class Runner>
absl::Status run_merges(Runner& runner, int lists, int queries, const SelectShape& shape,
                        const std::uint64_t* ids, const SearchBuffers& b,
                        int merge_entries = kMergeEntriesPerBlock) {
  int from = 0;
  for (const MergePass& pass : plan_merges(lists, shape.k, merge_entries)) {
    MergeParams p;
    p.in = b.parts[from];
    p.in.lists = pass.lists_in;
    p.in.k = shape.k;
    p.lists_per_group = pass.lists_per_group;
    p.ids = ids;
    p.shape = shape;
    if (pass.groups == 1) {
      p.out = b.out;
      p.out_ids = b.out_ids;
    } else {
      p.out = b.parts[1 - from];
    }
    p.out.lists = pass.groups;
    p.out.k = shape.k;
    if (absl::Status s = runner.merge(p, pass.groups, queries); !s.ok()) return s;
    from = 1 - from;
  }
  return absl::OkStatus();
}

// Fused path: one scan writes a list per (query, block) into parts[0]; merges finish it.
// `params` comes with matrix, rows, queries and filter set.
template <class Runner>
absl::Status run_fused(Runner& runner, const FusedShape& fs, const FusedGrid& grid,
                       FusedParams params, const SearchBuffers& b,
                       int merge_entries = kMergeEntriesPerBlock) {
  params.shape = fs.shape;
  params.rows_per_warp = grid.rows_per_warp;
  params.out = b.parts[0];
  params.out.lists = grid.blocks;
  params.out.k = fs.shape.k;
  if (absl::Status s = runner.fused(params, fs, grid.blocks); !s.ok()) return s;
  SelectShape merge_shape = single_query_shape(fs.shape.k);
  return run_merges(runner, grid.blocks, params.queries_count, merge_shape, params.filter.ids, b,
                    merge_entries);
}

// GEMM path: per tile, GEMM then select into the pools (compacted when they fill), then a
// final compaction into out/out_ids.
template <class Runner>
absl::Status run_batch(Runner& runner, const BatchPlan& plan, const RowFilter& filter,
                       const SearchBuffers& b) {
  if (absl::Status s = runner.reset_pool(plan.queries); !s.ok()) return s;
  ListSet pool = b.pool;
  pool.lists = plan.slots;
  pool.k = plan.shape.k;
  for (std::size_t t = 0; t < plan.tiles; ++t) {
    const int buffer = static_cast<int>(t % 2);
    const std::size_t row_begin = t * plan.tile_cols;
    const int cols = static_cast<int>(
        plan.rows - row_begin < plan.tile_cols ? plan.rows - row_begin : plan.tile_cols);
    if (absl::Status s = runner.gemm(buffer, row_begin, cols); !s.ok()) return s;

    SelectTileParams sp;
    sp.scores = runner.tile(buffer);
    sp.ld = plan.tile_cols;
    sp.cols = cols;
    sp.row_begin = row_begin;
    sp.chunk_len = plan.chunk_len;
    sp.filter = filter;
    sp.shape = plan.shape;
    sp.floor_keys = b.floor_keys;
    sp.pool = pool;
    sp.used_slots = b.used_slots;
    sp.error_flag = b.error_flag;
    if (absl::Status s = runner.select_tile(sp, buffer, plan.chunks, plan.queries); !s.ok()) {
      return s;
    }
    if (t + 1 == plan.tiles) break;
    CompactParams cp;
    cp.pool = pool;
    cp.used_slots = b.used_slots;
    cp.chunks_next = plan.chunks;
    cp.final_pass = 0;
    cp.ids = filter.ids;
    cp.shape = plan.shape;
    cp.floor_keys = b.floor_keys;
    if (absl::Status s = runner.compact(cp, plan.queries); !s.ok()) return s;
  }
  CompactParams last;
  last.pool = pool;
  last.used_slots = b.used_slots;
  last.final_pass = 1;
  last.ids = filter.ids;
  last.shape = plan.shape;
  last.floor_keys = b.floor_keys;
  last.out = b.out;
  last.out.lists = 1;
  last.out.k = plan.shape.k;
  last.out_ids = b.out_ids;
  if (absl::Status s = runner.compact(last, plan.queries); !s.ok()) return s;
  return runner.join();
}

// The GEMMs of run_batch alone (the benchmark's baseline for the cost of selection).
template <class Runner>
absl::Status run_gemms_only(Runner& runner, const BatchPlan& plan) {
  for (std::size_t t = 0; t < plan.tiles; ++t) {
    const std::size_t row_begin = t * plan.tile_cols;
    const int cols = static_cast<int>(
        plan.rows - row_begin < plan.tile_cols ? plan.rows - row_begin : plan.tile_cols);
    if (absl::Status s = runner.gemm(static_cast<int>(t % 2), row_begin, cols); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace feedrank::kernels::gpu
