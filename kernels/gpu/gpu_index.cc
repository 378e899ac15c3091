// GpuIndexImpl: VectorIndex on a GPU. Owns the resident matrix and the search contexts, picks
// the fused or GEMM path per query group, and turns device results into SearchResults.
#include "kernels/gpu/gpu_index.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "kernels/compute_backend.h"
#include "kernels/gpu/context_pool.h"
#include "kernels/gpu/cuda_status.h"
#include "kernels/gpu/device_matrix.h"
#include "kernels/gpu/device_open.h"
#include "kernels/gpu/kernel_launch.h"
#include "kernels/gpu/pipeline.h"
#include "kernels/gpu/plan.h"
#include "kernels/gpu/query_upload.h"
#include "kernels/search_checks.h"

namespace feedrank::kernels {
namespace gpu {
namespace {

struct DeviceInfo {
  int device = 0;
  std::string name;
  int sm_count = 0;
  int major = 0, minor = 0;
};

class GpuIndexImpl final : public GpuIndex {
 public:
  GpuIndexImpl(int dimension, const GpuIndexOptions& options, DeviceInfo info)
      : dimension_(dimension),
        options_(options),
        info_(std::move(info)),
        matrix_(dimension, options.fp16_storage, options.initial_capacity_rows),
        contexts_(options.max_concurrent_searches) {}

  absl::Status init() {
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaSetDevice(info_.device));
    return matrix_.init();
  }

  std::string describe() const override {
    return std::string("gpu-exact (") + (matrix_.fp16() ? "fp16" : "fp32") + " storage, " +
           info_.name + ", " + std::to_string(info_.sm_count) + " SMs)";
  }

  absl::Status sync(const VectorRows& rows) override {
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaSetDevice(info_.device));
    return matrix_.sync(rows);
  }

  std::size_t indexed_rows() const override { return matrix_.rows(); }

  // The device copy from the last sync is what is searched; `rows` is only checked, as by every
  // backend (search_checks.h).
  absl::StatusOr<SearchResults> search(const VectorRows& rows,
                                       const SearchRequest& request) const override {
    FEEDRANK_RETURN_IF_ERROR(check_rows_cover(rows, dimension_, matrix_.rows()));
    return search_timed(request, nullptr);
  }

  absl::StatusOr<SearchResults> search_timed(const SearchRequest& request,
                                             GpuSearchTiming* timing) const override {
    FEEDRANK_RETURN_IF_ERROR(check_search(request, dimension_, matrix_.rows()));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaSetDevice(info_.device));
    absl::StatusOr<ContextPool::Lease> lease = contexts_.acquire();
    if (!lease.ok()) return lease.status();
    // It may have waited for a context while other searches ran.
    if (past_deadline(request)) return search_deadline_passed();
    if (timing != nullptr) *timing = GpuSearchTiming{};
    const std::size_t count = query_count(request, dimension_);
    SearchResults results;
    results.reserve(count);
    const auto group = static_cast<std::size_t>(std::max(1, options_.max_gemm_batch));
    for (std::size_t first = 0; first < count; first += group) {
      absl::Status status =
          search_group(**lease, request, first, std::min(group, count - first), results, timing);
      if (!status.ok()) {
        // Kernels of the failed group may still run and write the context's pools: let them
        // finish before the context serves another search.
        (void)cudaStreamSynchronize((**lease).select.get());
        (void)cudaStreamSynchronize((**lease).main.get());
        return status;
      }
    }
    return results;
  }

  absl::StatusOr<double> gemm_only_ms(std::span<const float> queries) const override {
    SearchRequest request;
    request.queries = queries;
    FEEDRANK_RETURN_IF_ERROR(check_search(request, dimension_, matrix_.rows()));
    const std::size_t count = query_count(request, dimension_);
    if (count > static_cast<std::size_t>(options_.max_gemm_batch)) {
      return absl::InvalidArgumentError("queries: more than max_gemm_batch");
    }
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaSetDevice(info_.device));
    absl::StatusOr<ContextPool::Lease> lease = contexts_.acquire();
    if (!lease.ok()) return lease.status();
    SearchContext& ctx = **lease;
    const int n = static_cast<int>(count);
    const BatchPlan plan = plan_batch(matrix_.rows(), n, 1, options_.score_tile_bytes,
                                      info_.sm_count);
    absl::StatusOr<QueryGroup> g =
        prepare_queries(ctx, queries, dimension_, {}, {{}, 0, matrix_.rows()}, matrix_.fp16());
    if (!g.ok()) return g.status();
    FEEDRANK_RETURN_IF_ERROR(reserve_tiles(ctx, n, plan.tile_cols));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(ctx.start.get(), ctx.main.get()));
    RowFilter unused;
    FEEDRANK_RETURN_IF_ERROR(enqueue_queries(ctx, *g, matrix_, &unused));
    CudaRunner runner(ctx, matrix_, n, ctx.queries32.as<float>(), ctx.queries16.get(),
                      plan.tile_cols);
    FEEDRANK_RETURN_IF_ERROR(run_gemms_only(runner, plan));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(ctx.stop.get(), ctx.main.get()));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(ctx.main.get()));
    float ms = 0.0f;
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&ms, ctx.start.get(), ctx.stop.get()));
    return static_cast<double>(ms);
  }

 private:
  // Fresh tile buffers are zeroed once: the selection's 16-byte loads may read up to 3 columns
  // past the last tile's end (masked off), and compute-sanitizer's initcheck should stay quiet.
  static absl::Status reserve_tiles(SearchContext& ctx, int queries, std::size_t tile_cols) {
    const std::size_t bytes = static_cast<std::size_t>(queries) * tile_cols * sizeof(float);
    for (DeviceMemory& tile : ctx.tiles) {
      const void* before = tile.get();
      FEEDRANK_RETURN_IF_ERROR(tile.reserve(bytes));
      if (tile.get() != before) {
        FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(tile.get(), 0, tile.size(), ctx.main.get()));
      }
    }
    return absl::OkStatus();
  }

  // The fused shape with its warps chosen for the most resident warps per multiprocessor, or
  // nullopt when this batch takes the GEMM path.
  absl::StatusOr<std::optional<std::pair<FusedShape, FusedGrid>>> fused_plan(int queries,
                                                                             int k) const {
    if (queries > options_.fused_max_batch) return std::nullopt;
    std::optional<FusedShape> fs = fused_shape(queries, k, matrix_.ld(), matrix_.fp16());
    if (!fs) return std::nullopt;
    const FusedVariant variant{fs->fp16, fs->query_slots, fs->chunks_per_lane};
    if (!fused_variant_exists(variant)) return std::nullopt;
    int best_warps = 0, best_blocks = 0;
    for (int warps : fused_warp_options(*fs)) {
      FusedShape trial = *fs;
      trial.shape.warps = warps;
      absl::StatusOr<int> blocks = blocks_per_sm(variant, warps,
                                                 shape_smem_bytes(trial.shape, fs->query_slots));
      if (!blocks.ok()) return blocks.status();
      if (*blocks * warps > best_blocks * best_warps) {
        best_warps = warps;
        best_blocks = *blocks;
      }
    }
    if (best_blocks == 0) return std::nullopt;
    fs->shape.warps = best_warps;
    const FusedGrid grid = fused_grid(matrix_.rows(), best_warps, info_.sm_count, best_blocks);
    return std::make_optional(std::make_pair(*fs, grid));
  }

  absl::StatusOr<int> blocks_per_sm(const FusedVariant& v, int warps, std::size_t smem) const {
    const auto key = std::make_tuple(v.fp16, v.query_slots, v.chunks_per_lane, warps, smem);
    std::lock_guard lock(occupancy_mutex_);
    if (auto it = occupancy_.find(key); it != occupancy_.end()) return it->second;
    int blocks = 0;
    FEEDRANK_CUDA_RETURN_IF_ERROR(fused_blocks_per_sm(v, warps, smem, &blocks));
    occupancy_[key] = blocks;
    return blocks;
  }

  // Queries [first, first + count) of the request: one pass of the fused or GEMM path.
  absl::Status search_group(SearchContext& ctx, const SearchRequest& request, std::size_t first,
                            std::size_t count, SearchResults& results,
                            GpuSearchTiming* timing) const {
    const auto d = static_cast<std::size_t>(dimension_);
    const int n = static_cast<int>(count);
    const int k = request.k;
    const std::span<const float> queries = request.queries.subspan(first * d, count * d);
    const std::span<const std::vector<VectorId>> exclude =
        request.exclude.empty() ? request.exclude : request.exclude.subspan(first, count);

    absl::StatusOr<std::optional<std::pair<FusedShape, FusedGrid>>> fused = fused_plan(n, k);
    if (!fused.ok()) return fused.status();
    const bool use_fused = fused->has_value();
    const bool fp16_queries = matrix_.fp16() && !use_fused;
    // Each query's first row, as the CPU's exact scan honours it (the out-of-network source
    // scans only the newest rows; queries of several callers come with theirs).
    const std::span<const std::size_t> first_rows =
        request.first_rows.empty() ? request.first_rows : request.first_rows.subspan(first, count);
    absl::StatusOr<QueryGroup> g =
        prepare_queries(ctx, queries, dimension_, exclude,
                        {first_rows, request.first_row, matrix_.rows()}, fp16_queries);
    if (!g.ok()) return g.status();

    BatchPlan plan;
    absl::StatusOr<SearchBuffers> buffers;
    if (use_fused) {
      buffers = ctx.reserve_lists(n, k, /*slots=*/0, (*fused)->second.blocks, ctx.main.get());
    } else {
      plan = plan_batch(matrix_.rows(), n, k, options_.score_tile_bytes, info_.sm_count);
      FEEDRANK_RETURN_IF_ERROR(reserve_tiles(ctx, n, plan.tile_cols));
      buffers = ctx.reserve_lists(n, k, plan.slots, /*blocks=*/plan.slots, ctx.main.get());
    }
    if (!buffers.ok()) return buffers.status();

    cudaStream_t main = ctx.main.get();
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(ctx.start.get(), main));
    RowFilter filter;
    filter.ids = matrix_.ids();
    filter.tombstones = matrix_.tombstones();
    FEEDRANK_RETURN_IF_ERROR(enqueue_queries(ctx, *g, matrix_, &filter));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(buffers->error_flag, 0, sizeof(int), main));
    if (use_fused) {
      const auto& [fs, grid] = **fused;
      FusedParams p;
      p.matrix = matrix_.data();
      p.ld = matrix_.ld();
      p.rows = matrix_.rows();
      p.queries = ctx.queries32.as<float>();
      p.queries_count = n;
      p.filter = filter;
      CudaRunner runner(ctx, matrix_, n, p.queries, nullptr, 0);
      FEEDRANK_RETURN_IF_ERROR(run_fused(runner, fs, grid, p, *buffers));
    } else {
      CudaRunner runner(ctx, matrix_, n, ctx.queries32.as<float>(),
                        fp16_queries ? ctx.queries16.get() : nullptr, plan.tile_cols);
      FEEDRANK_RETURN_IF_ERROR(run_batch(runner, plan, filter, *buffers));
    }
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(ctx.stop.get(), main));
    return download(ctx, *buffers, n, k, *g, results, timing, use_fused ? "fused" : "gemm");
  }

  // Copies the lists back, waits, and appends one result list per query.
  absl::Status download(SearchContext& ctx, const SearchBuffers& b, int n, int k,
                        const QueryGroup& g, SearchResults& results, GpuSearchTiming* timing,
                        const char* path) const {
    cudaStream_t main = ctx.main.get();
    const std::size_t entries = static_cast<std::size_t>(n) * k;
    const std::size_t counts_bytes = (static_cast<std::size_t>(n) + 1) * sizeof(int);
    const std::size_t scores_offset = (counts_bytes + 15) / 16 * 16;
    const std::size_t ids_offset = (scores_offset + entries * sizeof(float) + 15) / 16 * 16;
    FEEDRANK_RETURN_IF_ERROR(ctx.download.reserve(ids_offset + entries * sizeof(std::uint64_t)));
    auto* host = ctx.download.as<unsigned char>();
    auto* counts = reinterpret_cast<int*>(host);
    auto* scores = reinterpret_cast<float*>(host + scores_offset);
    auto* ids = reinterpret_cast<std::uint64_t*>(host + ids_offset);
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(counts, b.out.counts, n * sizeof(int),
                                                  cudaMemcpyDeviceToHost, main));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(counts + n, b.error_flag, sizeof(int),
                                                  cudaMemcpyDeviceToHost, main));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(scores, b.out.scores, entries * sizeof(float),
                                                  cudaMemcpyDeviceToHost, main));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(ids, b.out_ids, entries * sizeof(std::uint64_t),
                                                  cudaMemcpyDeviceToHost, main));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(main));
    if (counts[n] != 0) {
      return absl::InternalError("gpu search: a selection pool overflowed (planning bug)");
    }
    for (int q = 0; q < n; ++q) {
      const int found = std::clamp(counts[q], 0, k);
      std::vector<Neighbor> list(found);
      for (int i = 0; i < found; ++i) {
        const std::size_t at = static_cast<std::size_t>(q) * k + i;
        list[i] = Neighbor{ids[at], scores[at] * g.scales[q]};
      }
      // The device returns lists in order; sorting again would cost more than the search at
      // k = 1000 (partial_sort is O(k log k) even on sorted input), so only ties from the fp16
      // rescaling above make it sort.
      if (!std::is_sorted(list.begin(), list.end(), ranks_before)) sort_and_truncate(list, k);
      results.push_back(std::move(list));
    }
    if (timing != nullptr) {
      float ms = 0.0f;
      FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&ms, ctx.start.get(), ctx.stop.get()));
      timing->device_ms += ms;
      timing->path = path;
    }
    return absl::OkStatus();
  }

  const int dimension_;
  const GpuIndexOptions options_;
  const DeviceInfo info_;
  DeviceMatrix matrix_;
  mutable ContextPool contexts_;
  mutable std::mutex occupancy_mutex_;
  mutable std::map<std::tuple<bool, int, int, int, std::size_t>, int> occupancy_;
};

}  // namespace
}  // namespace gpu

absl::StatusOr<std::unique_ptr<GpuIndex>> create_gpu_index(int dimension,
                                                           GpuIndexOptions options) {
  if (dimension < 1) {
    return absl::InvalidArgumentError("dimension: " + std::to_string(dimension) +
                                      " is not positive");
  }
  if (options.max_gemm_batch < 1 || options.max_gemm_batch > kMaxGemmBatch) {
    return absl::InvalidArgumentError(
        "options.max_gemm_batch: " + std::to_string(options.max_gemm_batch) + " is outside 1.." +
        std::to_string(kMaxGemmBatch) + " (a GEMM pass's queries are CUDA grid rows)");
  }
  if (options.max_concurrent_searches < 1) {
    return absl::InvalidArgumentError(
        "options.max_concurrent_searches: " + std::to_string(options.max_concurrent_searches) +
        " is not positive");
  }
  std::string why;
  const int gpus = usable_gpu_count(&why);
  if (gpus == 0) return absl::UnavailableError("no usable GPU: " + why);
  if (options.device < 0 || options.device >= gpus) {
    return absl::InvalidArgumentError("options.device: " + std::to_string(options.device) +
                                      ", but " + std::to_string(gpus) + " GPU(s) are usable");
  }
  if (const cudaError_t e = gpu::use_device(options.device); e != cudaSuccess) {
    (void)cudaGetLastError();
    return absl::UnavailableError(std::string("GPU ") + std::to_string(options.device) +
                                  " cannot be used: " + cudaGetErrorString(e));
  }
  cudaDeviceProp prop{};
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaGetDeviceProperties(&prop, options.device));
  gpu::DeviceInfo info{options.device, prop.name, prop.multiProcessorCount, prop.major,
                       prop.minor};
  if (const cudaError_t e = gpu::probe_kernel_image(); e != cudaSuccess) {
    (void)cudaGetLastError();
    return absl::UnavailableError(std::string(prop.name) + " (compute capability " +
                                  std::to_string(prop.major) + "." + std::to_string(prop.minor) +
                                  ") cannot run this build's kernels: " + cudaGetErrorString(e));
  }
  auto index = std::make_unique<gpu::GpuIndexImpl>(dimension, options, std::move(info));
  FEEDRANK_RETURN_IF_ERROR(index->init());
  return std::unique_ptr<GpuIndex>(std::move(index));
}

}  // namespace feedrank::kernels
