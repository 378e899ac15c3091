// A whole GPU search run on the CPU: the device matrix as host arrays, a Runner (pipeline.h)
// whose kernels are the real kernel bodies on the SIMT emulator and whose GEMM is a plain
// loop, and the same glue as GpuIndexImpl::search_group (query packing, exclude lists,
// path choice, result assembly).
#pragma once

#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <vector>

#include "kernels/gpu/kernel_bodies.h"
#include "kernels/gpu/pipeline.h"
#include "kernels/gpu/plan.h"
#include "kernels/search_checks.h"
#include "tests/kernels/simt_emulator.h"

namespace feedrank::kernels::gpu::emu {

// The device copy of a matrix: rows padded to ld with zeros, fp32 or fp16.
struct Matrix {
  int dimension = 0;
  int ld = 0;
  bool fp16 = false;
  std::size_t rows = 0;
  std::vector<float> f32;
  std::vector<__half> f16;
  std::vector<std::uint64_t> ids;
  std::vector<std::uint64_t> tombstones;

  const void* data() const {
    return fp16 ? static_cast<const void*>(f16.data()) : static_cast<const void*>(f32.data());
  }
  float value(std::size_t r, int c) const {
    const std::size_t i = r * ld + c;
    return fp16 ? __half2float(f16[i]) : f32[i];
  }
};

inline Matrix upload(const VectorRows& rows, bool fp16) {
  Matrix m;
  m.dimension = rows.dimension;
  m.ld = padded_dimension(rows.dimension);
  m.fp16 = fp16;
  m.rows = rows.rows;
  const std::size_t n = rows.rows * m.ld + 64;  // slack: 16-byte loads past the last row end
  if (fp16) {
    m.f16.assign(n, __float2half(0.0f));
  } else {
    m.f32.assign(n, 0.0f);
  }
  for (std::size_t r = 0; r < rows.rows; ++r) {
    for (int c = 0; c < rows.dimension; ++c) {
      const float v = rows.data[r * rows.dimension + c];
      if (fp16) {
        m.f16[r * m.ld + c] = __float2half_rn(v);
      } else {
        m.f32[r * m.ld + c] = v;
      }
    }
  }
  m.ids.assign(rows.ids, rows.ids + rows.rows);
  m.tombstones.assign((rows.rows + 63) / 64, 0);
  for (std::size_t w = 0; w < m.tombstones.size(); ++w) {
    m.tombstones[w] = rows.tombstone_words != nullptr ? rows.tombstone_words[w] : 0;
  }
  return m;
}

// Calls body.template operator()<T, Q, CPL>() for the fused shape's instantiation.
template <class Body>
void dispatch_fused(const FusedShape& fs, Body&& body) {
  auto by_cpl = [&]<typename T, int Q>() {
    switch (fs.chunks_per_lane) {
      case 1:
        return body.template operator()<T, Q, 1>();
      case 2:
        return body.template operator()<T, Q, 2>();
      case 4:
        if constexpr (Q < 8) return body.template operator()<T, Q, 4>();
        [[fallthrough]];
      default:
        throw std::runtime_error("no fused variant");
    }
  };
  auto by_queries = [&]<typename T>() {
    switch (fs.query_slots) {
      case 1:
        return by_cpl.template operator()<T, 1>();
      case 2:
        return by_cpl.template operator()<T, 2>();
      case 4:
        return by_cpl.template operator()<T, 4>();
      case 8:
        return by_cpl.template operator()<T, 8>();
      default:
        throw std::runtime_error("no fused variant");
    }
  };
  if (fs.fp16) {
    by_queries.template operator()<__half>();
  } else {
    by_queries.template operator()<float>();
  }
}

class Runner {
 public:
  Runner(const Matrix& m, int queries, const std::vector<float>& q32,
         const std::vector<__half>& q16, std::size_t tile_cols, const SearchBuffers& b)
      : m_(m), queries_(queries), q32_(q32), q16_(q16), tile_cols_(tile_cols), b_(b) {
    for (auto& t : tiles_) t.assign(static_cast<std::size_t>(queries) * tile_cols + 4, 0.0f);
  }

  absl::Status reset_pool(int queries) {
    std::fill(b_.used_slots, b_.used_slots + queries, 0);
    std::fill(b_.floor_keys, b_.floor_keys + queries, 0u);
    return absl::OkStatus();
  }
  absl::Status gemm(int buffer, std::size_t row_begin, int cols) {
    for (int q = 0; q < queries_; ++q) {
      for (int c = 0; c < cols; ++c) {
        float s = 0.0f;
        for (int i = 0; i < m_.ld; ++i) {
          const float qv = m_.fp16 ? __half2float(q16_[q * m_.ld + i]) : q32_[q * m_.ld + i];
          s += qv * m_.value(row_begin + c, i);
        }
        tiles_[buffer][q * tile_cols_ + c] = s;
      }
    }
    return absl::OkStatus();
  }
  const float* tile(int buffer) const { return tiles_[buffer].data(); }
  absl::Status select_tile(const SelectTileParams& p, int, int chunks, int queries) {
    run_grid(chunks, queries, p.shape.warps, shape_smem_bytes(p.shape, 1),
             [&](const EmuOps& ops, std::uint32_t* smem, int x, int y) {
               select_tile_block(ops, p, smem, x, y);
             });
    return absl::OkStatus();
  }
  absl::Status compact(const CompactParams& p, int queries) {
    run_grid(queries, 1, p.shape.warps, shape_smem_bytes(p.shape, 1),
             [&](const EmuOps& ops, std::uint32_t* smem, int x, int) {
               compact_block(ops, p, smem, x);
             });
    return absl::OkStatus();
  }
  absl::Status fused(const FusedParams& p, const FusedShape& fs, int blocks) {
    dispatch_fused(fs, [&]<typename T, int Q, int CPL>() {
      run_grid(blocks, 1, fs.shape.warps, shape_smem_bytes(fs.shape, fs.query_slots),
               [&](const EmuOps& ops, std::uint32_t* smem, int x, int) {
                 fused_block<T, Q, CPL>(ops, p, smem, x);
               });
    });
    return absl::OkStatus();
  }
  absl::Status merge(const MergeParams& p, int groups, int queries) {
    run_grid(groups, queries, p.shape.warps, shape_smem_bytes(p.shape, 1),
             [&](const EmuOps& ops, std::uint32_t* smem, int x, int y) {
               merge_block(ops, p, smem, x, y);
             });
    return absl::OkStatus();
  }
  absl::Status join() { return absl::OkStatus(); }

 private:
  const Matrix& m_;
  int queries_;
  const std::vector<float>& q32_;
  const std::vector<__half>& q16_;
  std::size_t tile_cols_;
  SearchBuffers b_;
  std::vector<float> tiles_[2];
};

struct Settings {
  bool force_gemm = false;
  std::size_t score_tile_bytes = 32 << 20;
  int sm_count = 4;       // few, so that small inputs still spread over several blocks
  int blocks_per_sm = 2;
  int merge_entries = kMergeEntriesPerBlock;
  int warps = 0;          // fused warps per block; 0: the first option
};

// Host memory standing in for SearchContext::reserve_lists.
struct Lists {
  std::vector<float> scores[4];
  std::vector<std::uint32_t> rows[4];
  std::vector<int> counts[4];
  std::vector<int> used, error;
  std::vector<unsigned> floors;
  std::vector<std::uint64_t> out_ids;

  SearchBuffers make(int queries, int k, int slots, int blocks) {
    const std::size_t q = queries;
    const std::size_t lists[4] = {q * slots, q * blocks, q * ((blocks + 1) / 2), q};
    for (int i = 0; i < 4; ++i) {
      // Poisoned, so that reading an entry no kernel wrote shows up as a wrong result.
      scores[i].assign(lists[i] * k + 1, -12345.0f);
      rows[i].assign(lists[i] * k + 1, 0xDEADBEEFu);
      counts[i].assign(lists[i] + 1, -7);
    }
    used.assign(q + 1, -7);
    floors.assign(q + 1, 0x5A5A5A5Au);
    error.assign(1, 0);
    out_ids.assign(q * k + 1, 0);
    SearchBuffers b;
    b.pool = {scores[0].data(), rows[0].data(), counts[0].data(), 0, 0};
    b.parts[0] = {scores[1].data(), rows[1].data(), counts[1].data(), 0, 0};
    b.parts[1] = {scores[2].data(), rows[2].data(), counts[2].data(), 0, 0};
    b.out = {scores[3].data(), rows[3].data(), counts[3].data(), 0, 0};
    b.used_slots = used.data();
    b.floor_keys = floors.data();
    b.error_flag = error.data();
    b.out_ids = out_ids.data();
    return b;
  }
};

// Which path the last emulated search took.
inline thread_local const char* last_path = "";

inline SearchResults search(const Matrix& m, const SearchRequest& request, const Settings& s) {
  const int count = static_cast<int>(request.queries.size() / m.dimension);
  const int k = request.k;
  std::optional<FusedShape> fs;
  if (!s.force_gemm) fs = fused_shape(count, k, m.ld, m.fp16);
  const bool fp16_queries = m.fp16 && !fs;

  // Queries packed to ld; the fp16 copy scaled to max |value| = 1 (query_upload.cc).
  std::vector<float> q32(static_cast<std::size_t>(count) * m.ld, 0.0f), scales(count, 1.0f);
  std::vector<__half> q16(q32.size(), __float2half(0.0f));
  for (int q = 0; q < count; ++q) {
    float most = 0.0f;
    for (int i = 0; i < m.dimension; ++i) {
      const float v = request.queries[q * m.dimension + i];
      q32[q * m.ld + i] = v;
      most = std::max(most, std::fabs(v));
    }
    if (fp16_queries && most > 0.0f) scales[q] = most;
    for (int i = 0; i < m.ld; ++i) q16[q * m.ld + i] = __float2half_rn(q32[q * m.ld + i] / scales[q]);
  }
  std::vector<std::uint32_t> offsets;
  std::vector<std::uint64_t> excluded;
  if (!request.exclude.empty()) {
    offsets.push_back(0);
    for (int q = 0; q < count; ++q) {
      const std::size_t begin = excluded.size();
      excluded.insert(excluded.end(), request.exclude[q].begin(), request.exclude[q].end());
      std::sort(excluded.begin() + begin, excluded.end());
      excluded.erase(std::unique(excluded.begin() + begin, excluded.end()), excluded.end());
      offsets.push_back(static_cast<std::uint32_t>(excluded.size()));
    }
  }
  RowFilter filter;
  filter.ids = m.ids.data();
  filter.tombstones = m.tombstones.data();
  // Each query's first row, as query_upload.cc makes them.
  std::vector<std::uint32_t> first_rows;
  for (int q = 0; q < count; ++q) {
    const std::size_t first = request.first_rows.empty() ? request.first_row : request.first_rows[q];
    first_rows.push_back(static_cast<std::uint32_t>(std::min(first, m.rows)));
  }
  filter.first_rows = first_rows.data();
  if (!excluded.empty()) {
    filter.exclude_ids = excluded.data();
    filter.exclude_offsets = offsets.data();
  }

  Lists lists;
  absl::Status status;
  SearchBuffers b;
  if (fs) {
    const std::vector<int> options = fused_warp_options(*fs);
    fs->shape.warps = s.warps != 0 ? s.warps : options.front();
    const FusedGrid grid = fused_grid(m.rows, fs->shape.warps, s.sm_count, s.blocks_per_sm);
    b = lists.make(count, k, 0, grid.blocks);
    Runner runner(m, count, q32, q16, 0, b);
    FusedParams p;
    p.matrix = m.data();
    p.ld = m.ld;
    p.rows = m.rows;
    p.queries = q32.data();
    p.queries_count = count;
    p.filter = filter;
    status = run_fused(runner, *fs, grid, p, b, s.merge_entries);
    last_path = "fused";
  } else {
    const BatchPlan plan = plan_batch(m.rows, count, k, s.score_tile_bytes, s.sm_count);
    b = lists.make(count, k, plan.slots, plan.slots);
    Runner runner(m, count, q32, q16, plan.tile_cols, b);
    status = run_batch(runner, plan, filter, b, s.merge_entries);
    last_path = "gemm";
  }
  if (!status.ok()) throw std::runtime_error(status.ToString());
  if (lists.error[0] != 0) throw std::runtime_error("pool overflow");

  SearchResults results(count);
  for (int q = 0; q < count; ++q) {
    const int n = b.out.counts[q];
    if (n < 0 || n > k) throw std::runtime_error("bad result count");
    for (int i = 0; i < n; ++i) {
      const std::size_t at = static_cast<std::size_t>(q) * k + i;
      if (b.out.rows[at] >= m.rows) throw std::runtime_error("bad result row");
      if (lists.out_ids[at] != m.ids[b.out.rows[at]]) throw std::runtime_error("bad result id");
      results[q].push_back(Neighbor{lists.out_ids[at], b.out.scores[at] * scales[q]});
    }
  }
  return results;  // not re-sorted: the kernels' order is checked as is
}

}  // namespace feedrank::kernels::gpu::emu
