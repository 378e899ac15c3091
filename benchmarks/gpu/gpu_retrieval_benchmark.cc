// GPU retrieval benchmark (Google Benchmark): the device's bandwidth ceilings on the bytes a
// search streams; single queries and batches 1/8/64/512/1024 over 1M x 128 (fp32 and fp16
// storage, k 10/100/1000); batch 1024 over 10M x 128 with the GEMMs alone vs the whole search;
// and the CPU side on the same host and data: our exact scan (kernels/cpu) on every core
// (cpu_exact/..., wall time), so CPU and GPU are compared on one machine in one run.
//
// Times are device times from CUDA events (query upload to last kernel, see GpuSearchTiming),
// reported as the median over iterations in the counter median_ms (the manual time Google
// Benchmark shows is their mean). Data: values uniform in [-1, 1] from a counter-based hash
// (row-major index), so a larger corpus extends a smaller one; no tombstones or excludes, like
// the PyTorch peer. Without a GPU it says why and runs the CPU side alone.
//
//   gpu_retrieval_benchmark --benchmark_out=gpu.json --benchmark_out_format=json
//
// Tuning without a rebuild: FEEDRANK_SCORE_TILE_MB (GpuIndexOptions::score_tile_bytes) and
// FEEDRANK_FUSED_MAX_BATCH (GpuIndexOptions::fused_max_batch).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "benchmarks/gpu/bandwidth_baseline.h"
#include "kernels/compute_backend.h"
#include "kernels/cpu/exact_scan_index.h"
#include "kernels/gpu/gpu_index.h"

namespace feedrank::benchmarks {
namespace {

using kernels::GpuIndex;
using kernels::GpuSearchTiming;
using kernels::SearchRequest;
using kernels::VectorId;
using kernels::VectorRows;

constexpr int kDimension = 128;
constexpr std::size_t kMillion = 1'000'000;

float hashed_value(std::uint64_t i) {  // splitmix64 -> [-1, 1)
  std::uint64_t z = i + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<float>(static_cast<double>(z >> 40) / static_cast<double>(1ull << 23) - 1.0);
}

// The host matrix, grown on demand (a prefix never changes).
struct HostCorpus {
  std::vector<float> data;
  std::vector<VectorId> ids;
  void ensure(std::size_t rows) {
    const std::size_t have = ids.size();
    if (rows <= have) return;
    data.resize(rows * kDimension);
    ids.resize(rows);
    for (std::size_t i = have * kDimension; i < rows * kDimension; ++i) data[i] = hashed_value(i);
    for (std::size_t r = have; r < rows; ++r) ids[r] = 1'000'000'007ull * r + 12345;
  }
  VectorRows rows(std::size_t n) const {
    return VectorRows{data.data(), n, kDimension, ids.data(), nullptr};
  }
};

HostCorpus& corpus() {
  static HostCorpus c;
  return c;
}

std::vector<float> queries(int batch) {
  std::vector<float> q(static_cast<std::size_t>(batch) * kDimension);
  for (std::size_t i = 0; i < q.size(); ++i) q[i] = hashed_value(0xABCDEF000000ull + i);
  return q;
}

// One index per (rows, fp16), created and synced on first use; the other size is dropped to
// keep device memory for the one in use.
GpuIndex* index_for(std::size_t rows, bool fp16, std::string* error) {
  static std::map<std::pair<std::size_t, bool>, std::unique_ptr<GpuIndex>> indexes;
  auto& slot = indexes[{rows, fp16}];
  if (slot) return slot.get();
  for (auto it = indexes.begin(); it != indexes.end();) {
    it = it->first.first != rows ? indexes.erase(it) : std::next(it);
  }
  kernels::GpuIndexOptions options;
  options.fp16_storage = fp16;
  if (const char* mb = std::getenv("FEEDRANK_SCORE_TILE_MB")) {
    options.score_tile_bytes = std::strtoull(mb, nullptr, 10) << 20;
  }
  if (const char* batch = std::getenv("FEEDRANK_FUSED_MAX_BATCH")) {
    options.fused_max_batch = std::atoi(batch);
  }
  auto made = kernels::create_gpu_index(kDimension, options);
  if (!made.ok()) {
    *error = std::string(made.status().message());
    return nullptr;
  }
  corpus().ensure(rows);
  if (auto s = (*made)->sync(corpus().rows(rows)); !s.ok()) {
    *error = std::string(s.message());
    return nullptr;
  }
  auto& fresh = indexes[{rows, fp16}];
  fresh = std::move(*made);
  return fresh.get();
}

// Read-kernel bandwidth (GB/s) per byte count, measured by the baseline benchmarks.
std::map<std::size_t, double>& read_gbps() {
  static std::map<std::size_t, double> m;
  return m;
}
// GEMM-only median (ms) per (rows, fp16, batch).
std::map<std::tuple<std::size_t, bool, int>, double>& gemm_ms() {
  static std::map<std::tuple<std::size_t, bool, int>, double> m;
  return m;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

void baseline(benchmark::State& state, std::size_t bytes, bool copy) {
  std::vector<double> times;
  for (auto _ : state) {
    const double ms = copy ? copy_baseline_ms(bytes, 5) : read_baseline_ms(bytes, 5);
    if (ms <= 0) {
      state.SkipWithError("CUDA error in the baseline");
      return;
    }
    times.push_back(ms);
    state.SetIterationTime(ms / 1e3);
  }
  const double ms = median(times);
  const double gbps = (copy ? 2.0 : 1.0) * bytes / (ms * 1e6);
  if (!copy) read_gbps()[bytes] = gbps;
  state.counters["median_ms"] = ms;
  state.counters["GBps"] = gbps;
}

std::size_t matrix_bytes(std::size_t rows, bool fp16) {
  return rows * kDimension * (fp16 ? 2 : 4);
}

// The index, or null after marking the benchmark skipped with the reason.
GpuIndex* index_or_skip(benchmark::State& state, std::size_t rows, bool fp16) {
  std::string error;
  GpuIndex* index = index_for(rows, fp16, &error);
  if (index == nullptr) state.SkipWithError(error.c_str());
  return index;
}

void search(benchmark::State& state, std::size_t rows, bool fp16, int batch, int k) {
  GpuIndex* index = index_or_skip(state, rows, fp16);
  if (index == nullptr) return;
  const std::vector<float> q = queries(batch);
  SearchRequest request;
  request.queries = q;
  request.k = k;
  GpuSearchTiming timing;
  for (int warm = 0; warm < 2; ++warm) {
    if (auto r = index->search_timed(request, &timing); !r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
  }
  std::vector<double> times, wall_times;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto r = index->search_timed(request, &timing);
    const std::chrono::duration<double, std::milli> wall = std::chrono::steady_clock::now() - start;
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(r->data());
    times.push_back(timing.device_ms);
    wall_times.push_back(wall.count());
    state.SetIterationTime(timing.device_ms / 1e3);
  }
  const double ms = median(times);
  // Host work too (query preparation, download, building the results): what a caller waits,
  // and what the CPU side (wall time) is compared with.
  state.counters["wall_ms"] = median(wall_times);
  const double gbps = matrix_bytes(rows, fp16) / (ms * 1e6);
  state.counters["median_ms"] = ms;
  state.counters["GBps"] = gbps;
  if (auto it = read_gbps().find(matrix_bytes(rows, fp16)); it != read_gbps().end()) {
    state.counters["pct_of_read_bw"] = 100.0 * gbps / it->second;
  }
  if (auto it = gemm_ms().find({rows, fp16, batch}); it != gemm_ms().end()) {
    state.counters["select_overhead_pct"] = 100.0 * (ms - it->second) / it->second;
  }
  state.SetLabel(timing.path);
}

void gemm_only(benchmark::State& state, std::size_t rows, bool fp16, int batch) {
  GpuIndex* index = index_or_skip(state, rows, fp16);
  if (index == nullptr) return;
  const std::vector<float> q = queries(batch);
  for (int warm = 0; warm < 2; ++warm) {
    if (auto r = index->gemm_only_ms(q); !r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
  }
  std::vector<double> times;
  for (auto _ : state) {
    const auto ms = index->gemm_only_ms(q);
    if (!ms.ok()) {
      state.SkipWithError(std::string(ms.status().message()).c_str());
      return;
    }
    times.push_back(*ms);
    state.SetIterationTime(*ms / 1e3);
  }
  const double ms = median(times);
  gemm_ms()[{rows, fp16, batch}] = ms;
  state.counters["median_ms"] = ms;
}

// The CPU exact scan over the same host matrix (read in place), all cores. Wall time per search.
void cpu_search(benchmark::State& state, std::size_t rows, int batch, int k) {
  static std::unique_ptr<kernels::VectorIndex> index;
  corpus().ensure(rows);
  const VectorRows matrix = corpus().rows(rows);
  if (!index || index->indexed_rows() != rows) {
    index = kernels::make_cpu_exact_index(kDimension);
    if (auto s = index->sync(matrix); !s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return;
    }
  }
  const std::vector<float> q = queries(batch);
  SearchRequest request;
  request.queries = q;
  request.k = k;
  std::vector<double> times;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto r = index->search(matrix, request);
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(r->data());
    times.push_back(took.count());
    state.SetIterationTime(took.count() / 1e3);
  }
  const double ms = median(times);
  state.counters["median_ms"] = ms;
  state.counters["GBps"] = matrix_bytes(rows, false) / (ms * 1e6);
  state.SetLabel(index->describe());
}

void register_cpu() {
  for (int batch : {1, 8, 64, 512, 1024}) {
    for (int k : {10, 100, 1000}) {
      auto* b = benchmark::RegisterBenchmark(
          ("cpu_exact/1M/fp32/batch:" + std::to_string(batch) + "/k:" + std::to_string(k)).c_str(),
          [=](benchmark::State& s) { cpu_search(s, kMillion, batch, k); });
      b->UseManualTime()->Unit(benchmark::kMillisecond);
      if (batch >= 64) {
        b->Iterations(3);
      } else {
        b->MinTime(0.3);
      }
    }
  }
}

std::string rows_name(std::size_t rows) { return std::to_string(rows / kMillion) + "M"; }

void register_all() {
  for (bool fp16 : {false, true}) {
    const std::size_t bytes = matrix_bytes(kMillion, fp16);
    const std::string mib = std::to_string(bytes >> 20) + "MiB";
    benchmark::RegisterBenchmark(("baseline/read/" + mib).c_str(),
                                 [=](benchmark::State& s) { baseline(s, bytes, false); })
        ->UseManualTime()
        ->Iterations(3);
    benchmark::RegisterBenchmark(("baseline/copy/" + mib).c_str(),
                                 [=](benchmark::State& s) { baseline(s, bytes, true); })
        ->UseManualTime()
        ->Iterations(3);
  }
  for (std::size_t rows : {kMillion, 10 * kMillion}) {
    for (bool fp16 : {false, true}) {
      const std::string dtype = fp16 ? "fp16" : "fp32";
      const std::vector<int> batches =
          rows == kMillion ? std::vector<int>{1, 8, 64, 512, 1024} : std::vector<int>{1024};
      for (int batch : batches) {
        if (batch >= 64) {
          auto* b = benchmark::RegisterBenchmark(
              ("gemm_only/" + rows_name(rows) + "/" + dtype + "/batch:" + std::to_string(batch))
                  .c_str(),
              [=](benchmark::State& s) { gemm_only(s, rows, fp16, batch); });
          b->UseManualTime()->Unit(benchmark::kMillisecond);
          if (rows > kMillion) b->Iterations(5);
        }
        for (int k : {10, 100, 1000}) {
          auto* b = benchmark::RegisterBenchmark(
              ("search/" + rows_name(rows) + "/" + dtype + "/batch:" + std::to_string(batch) +
               "/k:" + std::to_string(k))
                  .c_str(),
              [=](benchmark::State& s) { search(s, rows, fp16, batch, k); });
          b->UseManualTime()->Unit(benchmark::kMillisecond);
          if (rows > kMillion) {
            b->Iterations(5);
          } else {
            b->MinTime(0.3);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace feedrank::benchmarks

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::string why;
  if (feedrank::kernels::usable_gpu_count(&why) == 0) {
    std::printf("gpu_retrieval_benchmark: GPU part skipped: no usable GPU: %s\n", why.c_str());
  } else {
    feedrank::benchmarks::register_all();
  }
  feedrank::benchmarks::register_cpu();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
