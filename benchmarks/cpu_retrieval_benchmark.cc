// CPU retrieval: the memory-read baseline, the exact scan (single queries and batches), FAISS
// flat for comparison, and FAISS HNSW and IVF-Flat latency with their recall@10 against the
// exact answer. 100k x 128 rows by default; 1M x 128 for the exact scan and FAISS flat too. HNSW
// and IVF at 1M take minutes to build, so they run only with --ann_1m; built indexes are cached
// in $TMPDIR (or /tmp) and reused by later runs. --rows_10m adds the plain read and the exact
// scan over 10M x 128.
//
// Rows are clustered unit vectors (tests/kernels/synthetic_vectors.h), queries come from the same
// distribution. A `half` argument of 1 reads the same rows at half precision (how the server's
// embedding table keeps post vectors by default: half the bytes). Run with
// OPENBLAS_NUM_THREADS=1: FAISS's batched search calls BLAS from its own OpenMP threads.
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/half_float.h"
#include "kernels/cpu/exact_scan_index.h"
#include "kernels/cpu/faiss_index.h"
#include "tests/kernels/synthetic_vectors.h"

namespace feedrank::kernels {
namespace {

using testing::SyntheticMatrix;

constexpr int kDim = 128;
constexpr int kClusters = 1000;
constexpr std::size_t kQueries = 1024;  // the query pool; recall is measured over all of them

const SyntheticMatrix& corpus(std::size_t rows) {
  static std::map<std::size_t, std::unique_ptr<SyntheticMatrix>> cache;
  auto& matrix = cache[rows];
  if (!matrix) {
    matrix = std::make_unique<SyntheticMatrix>(kDim);
    matrix->append(testing::clustered_vectors(rows, kDim, kClusters, 1));
  }
  return *matrix;
}

// A copy of `values` on whole pages, as the service's embedding table keeps its matrix (mapped
// memory): a std::vector's large block starts 16 bytes into a page, so every 64-byte load of a
// row would span two cache lines, which the table's rows never do.
template <class T>
const T* page_aligned_copy(const std::vector<T>& values) {
  const std::size_t bytes = (values.size() * sizeof(T) + 4095) / 4096 * 4096;
  T* copy = static_cast<T*>(std::aligned_alloc(4096, bytes));  // kept until the process exits
  std::copy(values.begin(), values.end(), copy);
  return copy;
}

// The first `rows` corpus rows, as floats or (half = true) rounded to halves, page-aligned (a
// second copy of the floats: 512 MB at 1M rows).
VectorRows view_of(std::size_t rows, bool half) {
  static std::map<std::size_t, const float*> floats_of;
  static std::map<std::size_t, const std::uint16_t*> halves_of;
  VectorRows view = corpus(rows).view();
  const std::vector<float>& values = corpus(rows).data;
  if (!half) {
    auto& floats = floats_of[rows];
    if (floats == nullptr) floats = page_aligned_copy(values);
    view.data = floats;
    return view;
  }
  auto& halves = halves_of[rows];
  if (halves == nullptr) {
    std::vector<std::uint16_t> bits(values.size());
    half_bits_of(values, bits);
    halves = page_aligned_copy(bits);
  }
  view.data = nullptr;
  view.halves = halves;
  return view;
}

std::size_t value_bytes(bool half) { return half ? sizeof(std::uint16_t) : sizeof(float); }

const std::vector<float>& query_pool() {
  static const auto queries = testing::clustered_vectors(kQueries, kDim, kClusters, 2);
  return queries;
}

// Query `first` and the batch - 1 after it, wrapping around the pool.
std::span<const float> queries_at(std::size_t first, std::size_t batch) {
  return std::span(query_pool()).subspan((first % (kQueries - batch + 1)) * kDim, batch * kDim);
}

double matrix_gb(std::size_t rows, bool half = false) {
  return static_cast<double>(rows) * kDim * static_cast<double>(value_bytes(half)) / 1e9;
}

// --- memory-read baseline: a plain sum over the same bytes ---

__attribute__((target("avx2"))) float sum_avx2(const float* p, std::size_t n) {
  __m256 a = _mm256_setzero_ps(), b = a, c = a, d = a;
  for (std::size_t i = 0; i + 32 <= n; i += 32) {
    a = _mm256_add_ps(a, _mm256_loadu_ps(p + i));
    b = _mm256_add_ps(b, _mm256_loadu_ps(p + i + 8));
    c = _mm256_add_ps(c, _mm256_loadu_ps(p + i + 16));
    d = _mm256_add_ps(d, _mm256_loadu_ps(p + i + 24));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d)));
  float s = 0.0f;
  for (float x : lanes) s += x;
  return s;
}

void BM_PlainRead(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const unsigned threads =
      state.range(1) > 0 ? static_cast<unsigned>(state.range(1)) : std::thread::hardware_concurrency();
  if (!__builtin_cpu_supports("avx2")) {
    state.SkipWithError("needs AVX2");
    return;
  }
  const float* data = view_of(rows, false).data;  // the same bytes the scan reads
  const std::size_t n = rows * kDim;
  std::vector<float> sums(threads);
  for (auto _ : state) {
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      const std::size_t begin = n * t / threads / 32 * 32, end = n * (t + 1) / threads / 32 * 32;
      workers.emplace_back([&, t, begin, end] { sums[t] = sum_avx2(data + begin, end - begin); });
    }
    for (auto& w : workers) w.join();
    benchmark::DoNotOptimize(sums.data());
  }
  state.counters["GB/s"] =
      benchmark::Counter(matrix_gb(rows), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = threads;
}
BENCHMARK(BM_PlainRead)
    ->ArgNames({"rows", "threads"})
    ->ArgsProduct({{100'000, 1'000'000}, {1, 0}})
    ->UseRealTime();

// --- exact search: our scan and FAISS flat ---

// Batches of `batch` queries, walking the pool; counters for queries/s and matrix GB/s.
void run_exact(benchmark::State& state, const VectorIndex& index, std::size_t rows,
               bool half = false) {
  const auto batch = static_cast<std::size_t>(state.range(1));
  const int k = static_cast<int>(state.range(2));
  const VectorRows view = view_of(rows, half);
  std::size_t next = 0;
  for (auto _ : state) {
    auto results = index.search(view, {queries_at(next, batch), k, {}});
    if (!results.ok()) {
      state.SkipWithError(std::string(results.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(results->data());
    next += batch;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
  state.counters["GB/s"] =
      benchmark::Counter(matrix_gb(rows, half), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(index.describe());
}

// Our exact scan on `threads` threads (0: every core), synced to `view`; null once the benchmark
// is skipped.
std::unique_ptr<VectorIndex> synced_exact_index(benchmark::State& state, std::int64_t threads,
                                                const VectorRows& view) {
  auto index = make_cpu_exact_index(kDim, static_cast<int>(threads));
  if (!index->sync(view).ok()) {
    state.SkipWithError("sync failed");
    return nullptr;
  }
  state.SetLabel(index->describe());
  return index;
}

void BM_CpuExact(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const bool half = state.range(4) != 0;
  const auto index = synced_exact_index(state, state.range(3), view_of(rows, half));
  if (index) run_exact(state, *index, rows, half);
}
BENCHMARK(BM_CpuExact)
    ->ArgNames({"rows", "batch", "k", "threads", "half"})
    ->ArgsProduct({{100'000, 1'000'000}, {1, 64, 1024}, {10, 100, 1000}, {0}, {0}})
    ->ArgsProduct({{1'000'000}, {1, 64}, {10}, {1}, {0}})
    ->ArgsProduct({{1'000'000}, {1, 64}, {10}, {0, 1}, {1}})
    ->UseRealTime();

// One query over 1M rows after the CPUs sat idle for `idle_ms` (0: back to back), as a server's
// scans run at a low request rate: what waking idle cores costs a scan, outside the server.
void BM_CpuExactAfterIdle(benchmark::State& state) {
  constexpr std::size_t kRows = 1'000'000;
  const auto idle = std::chrono::milliseconds(state.range(0));
  const bool half = state.range(2) != 0;
  const VectorRows view = view_of(kRows, half);
  const auto index = synced_exact_index(state, state.range(1), view);
  if (!index) return;
  std::size_t next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::this_thread::sleep_for(idle);
    state.ResumeTiming();
    auto results = index->search(view, {queries_at(next++, 1), 10, {}});
    if (!results.ok()) return state.SkipWithError(std::string(results.status().message()).c_str());
    benchmark::DoNotOptimize(results->data());
  }
  state.counters["GB/s"] =
      benchmark::Counter(matrix_gb(kRows, half), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CpuExactAfterIdle)
    ->ArgNames({"idle_ms", "threads", "half"})
    ->ArgsProduct({{0, 2, 50}, {0, 1}, {1}})
    ->UseRealTime();

// The algorithmic feed's out-of-network scan: the newest `window` rows of 1M, k = 300, the
// callers' queries batched (the search batcher's request).
void BM_CpuExactFeedWindow(benchmark::State& state) {
  constexpr std::size_t kRows = 1'000'000;
  const auto batch = static_cast<std::size_t>(state.range(0));
  const auto window = static_cast<std::size_t>(state.range(1));
  const bool half = state.range(3) != 0;
  const VectorRows view = view_of(kRows, half);
  const auto index = synced_exact_index(state, state.range(2), view);
  if (!index) return;
  std::size_t next = 0;
  for (auto _ : state) {
    SearchRequest request{queries_at(next, batch), 300, {}};
    request.first_row = kRows - window;
    auto results = index->search(view, request);
    if (!results.ok()) return state.SkipWithError(std::string(results.status().message()).c_str());
    benchmark::DoNotOptimize(results->data());
    next += batch;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
  state.counters["GB/s"] =
      benchmark::Counter(static_cast<double>(window * kDim * value_bytes(half)) / 1e9,
                         benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CpuExactFeedWindow)
    ->ArgNames({"batch", "window", "threads", "half"})
    ->ArgsProduct({{1, 3, 8, 16}, {100'000}, {1, 0}, {0, 1}})
    ->UseRealTime();

void BM_FaissFlat(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  static std::map<std::size_t, std::unique_ptr<VectorIndex>> cache;  // FAISS copies the rows
  auto& index = cache[rows];
  if (!index) {
    index = make_faiss_index(kDim);
    if (!index->sync(corpus(rows).view()).ok()) return state.SkipWithError("sync failed");
  }
  run_exact(state, *index, rows);
}
BENCHMARK(BM_FaissFlat)
    ->ArgNames({"rows", "batch", "k"})
    ->ArgsProduct({{100'000, 1'000'000}, {1, 64, 1024}, {10, 100}})
    ->UseRealTime();

// --- approximate search: one query per call, with recall@10 against the exact scan ---

const SearchResults& exact_top10(std::size_t rows) {
  static std::map<std::size_t, SearchResults> cache;
  auto& answers = cache[rows];
  if (answers.empty()) {
    auto exact = make_cpu_exact_index(kDim);
    (void)exact->sync(corpus(rows).view());
    answers = *exact->search(corpus(rows).view(), {query_pool(), 10, {}});
  }
  return answers;
}

// The index for `options` over `rows`, from the cache file when an earlier run built it.
std::unique_ptr<VectorIndex> cached_index(std::size_t rows, FaissIndexOptions options,
                                          const std::string& kind, benchmark::State& state) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string path = std::string(tmp != nullptr ? tmp : "/tmp") + "/feedrank-bench-" +
                           kind + "-" + std::to_string(rows) + "x128-c1000-v1.faiss";
  if (std::filesystem::exists(path)) {
    auto loaded = load_faiss_index(path, kDim, options);
    if (loaded.ok() && (*loaded)->indexed_rows() == rows) return std::move(*loaded);
  }
  auto index = make_faiss_index(kDim, options);
  const auto start = std::chrono::steady_clock::now();
  if (auto status = index->sync(corpus(rows).view()); !status.ok()) {
    state.SkipWithError(std::string(status.message()).c_str());
    return nullptr;
  }
  std::fprintf(stderr, "built %s over %zu rows in %.1f s; cached in %s\n",
               index->describe().c_str(), rows,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
               path.c_str());
  (void)save_faiss_index(*index, path);
  return index;
}

void run_approximate(benchmark::State& state, const VectorIndex& index, std::size_t rows,
                     bool half = false) {
  const VectorRows view = view_of(rows, half);
  SearchResults found(kQueries);
  for (std::size_t q = 0; q < kQueries; ++q) found[q] = (*index.search(view, {queries_at(q, 1), 10, {}}))[0];
  std::size_t next = 0;
  for (auto _ : state) {
    auto results = index.search(view, {queries_at(next++, 1), 10, {}});
    benchmark::DoNotOptimize(results->data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["recall@10"] = testing::recall(found, exact_top10(rows));
  state.SetLabel(index.describe());
}

void BM_Hnsw(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const FaissIndexOptions options{.kind = FaissIndexOptions::kHnsw,
                                  .ef_search = static_cast<int>(state.range(1))};
  // The graph is built over the float rows; the walk reads the rows given (half: rounded).
  if (auto index = cached_index(rows, options, "hnsw32-efc200", state)) {
    run_approximate(state, *index, rows, state.range(2) != 0);
  }
}

void BM_IvfFlat(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const FaissIndexOptions options{.kind = FaissIndexOptions::kIvfFlat,
                                  .nprobe = static_cast<int>(state.range(1))};
  if (auto index = cached_index(rows, options, "ivfflat", state)) {
    run_approximate(state, *index, rows);
  }
}

void register_approximate(std::int64_t rows) {
  benchmark::RegisterBenchmark("BM_Hnsw", BM_Hnsw)
      ->ArgNames({"rows", "ef_search", "half"})
      ->ArgsProduct({{rows}, {16, 32, 64, 80, 96, 128, 256}, {0}})
      ->ArgsProduct({{rows}, {16, 64, 128}, {1}});
  benchmark::RegisterBenchmark("BM_IvfFlat", BM_IvfFlat)
      ->ArgNames({"rows", "nprobe"})
      ->ArgsProduct({{rows}, {4, 16, 64, 256}});
}

}  // namespace
}  // namespace feedrank::kernels

// Removes `flag` from argv; whether it was there.
bool take_flag(int& argc, char** argv, const char* flag) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], flag) != 0) continue;
    for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
    --argc;
    return true;
  }
  return false;
}

int main(int argc, char** argv) {
  using namespace feedrank::kernels;
  // --ann_1m: HNSW and IVF over 1M rows (built once and cached: 35 minutes for the HNSW and
  // 3 for the IVF here, with other jobs running).
  // --rows_10m: the plain read and the exact scan over 10M rows (5.1 GB). Not FAISS at 10M:
  // flat would hold a second 5.1 GB copy to answer a query in about 1.2 s (10x its 1M time),
  // and HNSW or IVF would take hours to build on 2 cores.
  const bool ann_1m = take_flag(argc, argv, "--ann_1m");
  const bool rows_10m = take_flag(argc, argv, "--rows_10m");
  register_approximate(100'000);
  if (ann_1m) register_approximate(1'000'000);
  if (rows_10m) {
    benchmark::RegisterBenchmark("BM_PlainRead", BM_PlainRead)
        ->ArgNames({"rows", "threads"})
        ->ArgsProduct({{10'000'000}, {1, 0}})
        ->UseRealTime();
    benchmark::RegisterBenchmark("BM_CpuExact", BM_CpuExact)
        ->ArgNames({"rows", "batch", "k", "threads", "half"})
        ->ArgsProduct({{10'000'000}, {1, 64}, {10}, {0}, {0, 1}})
        ->UseRealTime();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
