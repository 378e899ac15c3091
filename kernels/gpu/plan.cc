#include "kernels/gpu/plan.h"

#include <algorithm>

#include "kernels/gpu/select_engine.h"

namespace feedrank::kernels::gpu {
namespace {

std::size_t ceil_div(std::size_t a, std::size_t b) { return (a + b - 1) / b; }
std::size_t round_up(std::size_t a, std::size_t b) { return ceil_div(a, b) * b; }

// Whether a block's slot arrays (4 x K words per slot) fit the budget.
bool fits_budget(int warps, int slots_per_warp, int K) {
  return static_cast<std::size_t>(warps) * slots_per_warp * 16 * K <= kSlotSmemBudget;
}

}  // namespace

int padded_dimension(int dimension) { return (dimension + 7) / 8 * 8; }

int list_capacity(int k) { return pow2_at_least(std::max(k, 32)); }

SelectShape single_query_shape(int k) {
  SelectShape s;
  s.k = k;
  s.K = list_capacity(k);
  s.warps = 8;
  while (s.warps > 1 && !fits_budget(s.warps, 1, s.K)) s.warps /= 2;
  return s;
}

std::size_t shape_smem_bytes(const SelectShape& shape, int slots_per_warp) {
  return topk_smem_bytes(shape.warps * slots_per_warp, shape.K);
}

std::optional<FusedShape> fused_shape(int queries, int k, int ld, bool fp16) {
  if (queries < 1 || queries > 8) return std::nullopt;
  FusedShape fs;
  fs.fp16 = fp16;
  fs.query_slots = pow2_at_least(queries);
  fs.lanes_per_row = fs.query_slots <= 2 ? 8 : (fs.query_slots == 4 ? 16 : 32);
  const int chunks = ld * (fp16 ? 2 : 4) / 16;
  fs.chunks_per_lane = pow2_at_least(static_cast<int>(ceil_div(chunks, fs.lanes_per_row)));
  if (fs.chunks_per_lane > 4 || (fs.query_slots == 8 && fs.chunks_per_lane > 2)) {
    return std::nullopt;
  }
  fs.shape.k = k;
  fs.shape.K = list_capacity(k);
  if (fs.query_slots * fs.shape.K > 1024) return std::nullopt;
  fs.shape.warps = 0;
  return fs;
}

std::vector<int> fused_warp_options(const FusedShape& fs) {
  std::vector<int> options;
  for (int warps : {8, 4}) {
    if (fits_budget(warps, fs.query_slots, fs.shape.K)) options.push_back(warps);
  }
  return options;
}

FusedGrid fused_grid(std::size_t rows, int warps, int sm_count, int blocks_per_sm) {
  // At least 64 rows per warp, so that small indexes do not pay for thousands of lists.
  const std::size_t resident = static_cast<std::size_t>(std::max(1, sm_count * blocks_per_sm));
  const std::size_t needed = std::max<std::size_t>(1, ceil_div(rows, warps * std::size_t{64}));
  FusedGrid g;
  g.blocks = static_cast<int>(std::min(resident, needed));
  g.rows_per_warp = round_up(ceil_div(rows, static_cast<std::size_t>(g.blocks) * warps), 8);
  return g;
}

std::vector<MergePass> plan_merges(int lists, int k, int entries_per_block) {
  std::vector<MergePass> passes;
  const int per_group = std::max(2, entries_per_block / std::max(k, 1));
  int remaining = std::max(lists, 1);
  while (true) {
    MergePass pass;
    pass.lists_in = remaining;
    pass.lists_per_group = per_group;
    pass.groups = static_cast<int>(ceil_div(remaining, per_group));
    passes.push_back(pass);
    if (pass.groups == 1) break;
    remaining = pass.groups;
  }
  return passes;
}

BatchPlan plan_batch(std::size_t rows, int queries, int k, std::size_t score_tile_bytes,
                     int sm_count) {
  BatchPlan plan;
  plan.queries = queries;
  plan.rows = rows;
  plan.shape = single_query_shape(k);
  plan.smem = shape_smem_bytes(plan.shape, 1);
  std::size_t cols = score_tile_bytes / (sizeof(float) * static_cast<std::size_t>(queries));
  cols = std::max<std::size_t>(cols / 128 * 128, 128);
  plan.tile_cols = std::min(cols, round_up(std::max<std::size_t>(rows, 1), 128));
  plan.tiles = ceil_div(rows, plan.tile_cols);
  // Enough select blocks per tile to fill the GPU four times over, but at least 512 columns
  // per warp so that a block's fixed costs stay small.
  const std::size_t wanted = ceil_div(static_cast<std::size_t>(4 * std::max(sm_count, 1)),
                                      static_cast<std::size_t>(queries));
  const std::size_t most = std::max<std::size_t>(
      1, plan.tile_cols / (static_cast<std::size_t>(plan.shape.warps) * 512));
  const std::size_t chunks = std::clamp<std::size_t>(wanted, 1, most);
  plan.chunk_len = static_cast<int>(round_up(ceil_div(plan.tile_cols, chunks), 128));
  plan.chunks = static_cast<int>(ceil_div(plan.tile_cols, plan.chunk_len));
  plan.slots = 8 * plan.chunks + 2;
  plan.compact_every = (plan.slots - 1) / plan.chunks;
  return plan;
}

}  // namespace feedrank::kernels::gpu
