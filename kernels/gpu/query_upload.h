// Puts one group of queries and their exclude lists on the device: the host fills a pinned
// buffer (prepare), then one stream uploads it and packs the queries to the matrix's padded
// layout (enqueue). Exclude lists go up sorted and deduplicated, concatenated per query.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "kernels/gpu/search_context.h"
#include "kernels/vector_index.h"

namespace feedrank::kernels::gpu {

struct QueryGroup {
  int count = 0;
  bool fp16 = false;          // also make the scaled fp16 copy (GEMM path on an fp16 matrix)
  std::vector<float> scales;  // per query: fp16 copy = query / scale (max |value|), else 1
  std::size_t exclude_count = 0;
  bool first_rows = false;  // some query's first row is above 0: upload one per query
  // Offsets into the pinned upload buffer.
  std::size_t scales_offset = 0, offsets_offset = 0, ids_offset = 0, first_rows_offset = 0,
              bytes = 0;
};

// Where each query's results start (rows below are left out): one first row per query, or, when
// `per_query` is empty, `all` for every query; clamped to `rows`.
struct FirstRows {
  std::span<const std::size_t> per_query;
  std::size_t all = 0;
  std::size_t rows = 0;
};

// Fills ctx.upload. `exclude` is empty or one list per query.
absl::StatusOr<QueryGroup> prepare_queries(SearchContext& ctx, std::span<const float> queries,
                                           int dimension,
                                           std::span<const std::vector<VectorId>> exclude,
                                           const FirstRows& first_rows, bool fp16);

// Uploads and packs on ctx.main. Returns the exclude and first-row parts of a RowFilter (nulls
// when none).
absl::Status enqueue_queries(SearchContext& ctx, const QueryGroup& group,
                             const DeviceMatrix& matrix, RowFilter* filter);

}  // namespace feedrank::kernels::gpu
