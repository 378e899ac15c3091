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
  // queries x L x k and queries x ceil(L / 2) x k, L = the most lists a merge starts from
  // (fused blocks, or pool slots).
  ListSet parts[2];
  ListSet out;       // queries x k
  std::uint64_t* out_ids = nullptr;
};

// Merges `in` (in.lists lists per query; with valid_lists, only a query's first
// valid_lists[q]) down to one list per query in out/out_ids. Passes alternate between parts[1]
// and parts[0], so `in` may be parts[0] or the pool. merge_entries: entries one merge block
// reads (tests shrink it to force several passes).
template <class Runner>
absl::Status run_merges(Runner& runner, ListSet in, const int* valid_lists, int queries,
                        const SelectShape& shape, const std::uint64_t* ids,
                        const SearchBuffers& b, int merge_entries = kMergeEntriesPerBlock) {
  int to = 1;
  for (const MergePass& pass : plan_merges(in.lists, shape.k, merge_entries)) {
    MergeParams p;
    p.in = in;
    p.in.lists = pass.lists_in;
    p.in.k = shape.k;
    p.valid_lists = valid_lists;
    p.lists_per_group = pass.lists_per_group;
    p.ids = ids;
    p.shape = shape;
    if (pass.groups == 1) {
      p.out = b.out;
      p.out_ids = b.out_ids;
    } else {
      p.out = b.parts[to];
    }
    p.out.lists = pass.groups;
    p.out.k = shape.k;
    if (absl::Status s = runner.merge(p, pass.groups, queries); !s.ok()) return s;
    in = p.out;
    valid_lists = nullptr;  // lists written by a merge pass are all valid (counts may be 0)
    to = 1 - to;
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
  return run_merges(runner, params.out, nullptr, params.queries_count,
                    single_query_shape(fs.shape.k), params.filter.ids, b, merge_entries);
}

// GEMM path: per tile, GEMM then select into the pools (compacted when they fill); then the
// pools' used slots are merged into out/out_ids, many blocks per query when pools are large.
template <class Runner>
absl::Status run_batch(Runner& runner, const BatchPlan& plan, const RowFilter& filter,
                       const SearchBuffers& b, int merge_entries = kMergeEntriesPerBlock) {
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
    if ((t + 1) % static_cast<std::size_t>(plan.compact_every) != 0) continue;
    CompactParams cp;
    cp.pool = pool;
    cp.used_slots = b.used_slots;
    cp.chunks_next = plan.compact_every * plan.chunks;
    cp.ids = filter.ids;
    cp.shape = plan.shape;
    cp.floor_keys = b.floor_keys;
    if (absl::Status s = runner.compact(cp, plan.queries); !s.ok()) return s;
  }
  if (absl::Status s = runner.join(); !s.ok()) return s;  // the merges run on the main stream
  return run_merges(runner, pool, b.used_slots, plan.queries, plan.shape, filter.ids, b,
                    merge_entries);
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
