#include "kernels/gpu/query_upload.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/gpu/cuda_status.h"
#include "kernels/gpu/kernel_launch.h"

namespace feedrank::kernels::gpu {
namespace {

std::size_t align16(std::size_t n) { return (n + 15) / 16 * 16; }

}  // namespace

absl::StatusOr<QueryGroup> prepare_queries(SearchContext& ctx, std::span<const float> queries,
                                           int dimension,
                                           std::span<const std::vector<VectorId>> exclude,
                                           const FirstRows& first_rows, bool fp16) {
  const auto d = static_cast<std::size_t>(dimension);
  QueryGroup g;
  g.count = static_cast<int>(queries.size() / d);
  g.fp16 = fp16;
  g.scales.assign(g.count, 1.0f);
  if (fp16) {
    for (int q = 0; q < g.count; ++q) {
      float most = 0.0f;
      for (std::size_t i = 0; i < d; ++i) most = std::max(most, std::fabs(queries[q * d + i]));
      if (most > 0.0f) g.scales[q] = most;
    }
  }
  std::vector<std::uint32_t> offsets;
  std::vector<std::uint64_t> ids;
  if (!exclude.empty()) {
    offsets.reserve(g.count + 1);
    offsets.push_back(0);
    for (int q = 0; q < g.count; ++q) {
      const std::size_t begin = ids.size();
      ids.insert(ids.end(), exclude[q].begin(), exclude[q].end());
      std::sort(ids.begin() + static_cast<std::ptrdiff_t>(begin), ids.end());
      ids.erase(std::unique(ids.begin() + static_cast<std::ptrdiff_t>(begin), ids.end()),
                ids.end());
      if (ids.size() > std::numeric_limits<std::uint32_t>::max()) {
        return absl::InvalidArgumentError("exclude: more than 2^32 - 1 ids in one batch");
      }
      offsets.push_back(static_cast<std::uint32_t>(ids.size()));
    }
  }
  g.exclude_count = ids.size();
  // Row numbers are uint32 on the device (DeviceMatrix keeps rows below kNoRow).
  const auto first_row_of = [&](int q) {
    const std::size_t first = first_rows.per_query.empty() ? first_rows.all
                                                           : first_rows.per_query[q];
    return static_cast<std::uint32_t>(std::min(first, first_rows.rows));
  };
  g.first_rows = first_rows.per_query.empty()
                     ? first_rows.all > 0
                     : std::any_of(first_rows.per_query.begin(), first_rows.per_query.end(),
                                   [](std::size_t f) { return f > 0; });

  const std::size_t query_bytes = queries.size() * sizeof(float);
  g.scales_offset = align16(query_bytes);
  g.offsets_offset = align16(g.scales_offset + g.scales.size() * sizeof(float));
  g.ids_offset = align16(g.offsets_offset + offsets.size() * sizeof(std::uint32_t));
  g.first_rows_offset = align16(g.ids_offset + ids.size() * sizeof(std::uint64_t));
  g.bytes = g.first_rows_offset + (g.first_rows ? g.count * sizeof(std::uint32_t) : 0);
  FEEDRANK_RETURN_IF_ERROR(ctx.upload.reserve(g.bytes));
  auto* host = ctx.upload.as<unsigned char>();
  std::memcpy(host, queries.data(), query_bytes);
  std::memcpy(host + g.scales_offset, g.scales.data(), g.scales.size() * sizeof(float));
  if (!offsets.empty()) {
    std::memcpy(host + g.offsets_offset, offsets.data(), offsets.size() * sizeof(std::uint32_t));
  }
  if (!ids.empty()) {
    std::memcpy(host + g.ids_offset, ids.data(), ids.size() * sizeof(std::uint64_t));
  }
  if (g.first_rows) {
    auto* firsts = reinterpret_cast<std::uint32_t*>(host + g.first_rows_offset);
    for (int q = 0; q < g.count; ++q) firsts[q] = first_row_of(q);
  }
  return g;
}

absl::Status enqueue_queries(SearchContext& ctx, const QueryGroup& g, const DeviceMatrix& matrix,
                             RowFilter* filter) {
  cudaStream_t s = ctx.main.get();
  const auto count = static_cast<std::size_t>(g.count);
  const auto d = static_cast<std::size_t>(matrix.dimension());
  const auto ld = static_cast<std::size_t>(matrix.ld());
  const auto* host = ctx.upload.as<unsigned char>();

  FEEDRANK_RETURN_IF_ERROR(ctx.queries_raw.reserve(count * d * sizeof(float)));
  FEEDRANK_RETURN_IF_ERROR(ctx.queries32.reserve(count * ld * sizeof(float)));
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(ctx.queries_raw.get(), host,
                                                count * d * sizeof(float),
                                                cudaMemcpyHostToDevice, s));
  PackParams p;
  p.src = ctx.queries_raw.as<float>();
  p.d = matrix.dimension();
  p.rows = count;
  p.dst = ctx.queries32.get();
  p.ld = matrix.ld();
  FEEDRANK_CUDA_RETURN_IF_ERROR(launch_pack(p, s));
  if (g.fp16) {
    FEEDRANK_RETURN_IF_ERROR(ctx.query_scale.reserve(count * sizeof(float)));
    FEEDRANK_RETURN_IF_ERROR(ctx.queries16.reserve(count * ld * 2));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(ctx.query_scale.get(), host + g.scales_offset,
                                                  count * sizeof(float), cudaMemcpyHostToDevice,
                                                  s));
    p.dst = ctx.queries16.get();
    p.fp16 = 1;
    p.row_scale = ctx.query_scale.as<float>();
    FEEDRANK_CUDA_RETURN_IF_ERROR(launch_pack(p, s));
  }

  filter->exclude_ids = nullptr;
  filter->exclude_offsets = nullptr;
  if (g.exclude_count > 0) {
    const std::size_t offset_bytes = (count + 1) * sizeof(std::uint32_t);
    const std::size_t id_bytes = g.exclude_count * sizeof(std::uint64_t);
    FEEDRANK_RETURN_IF_ERROR(ctx.exclude_offsets.reserve(offset_bytes));
    FEEDRANK_RETURN_IF_ERROR(ctx.exclude_ids.reserve(id_bytes));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(ctx.exclude_offsets.get(),
                                                  host + g.offsets_offset, offset_bytes,
                                                  cudaMemcpyHostToDevice, s));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(ctx.exclude_ids.get(), host + g.ids_offset,
                                                  id_bytes, cudaMemcpyHostToDevice, s));
    filter->exclude_ids = ctx.exclude_ids.as<std::uint64_t>();
    filter->exclude_offsets = ctx.exclude_offsets.as<std::uint32_t>();
  }
  filter->first_rows = nullptr;
  if (g.first_rows) {
    const std::size_t bytes = count * sizeof(std::uint32_t);
    FEEDRANK_RETURN_IF_ERROR(ctx.first_rows.reserve(bytes));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(ctx.first_rows.get(), host + g.first_rows_offset,
                                                  bytes, cudaMemcpyHostToDevice, s));
    filter->first_rows = ctx.first_rows.as<std::uint32_t>();
  }
  return absl::OkStatus();
}

}  // namespace feedrank::kernels::gpu
