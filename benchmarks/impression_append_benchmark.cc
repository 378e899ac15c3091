// The impression log's own cost, without a server: pages of 20 items appended one after another
// to a fresh log (written to the OS, synced every second, as `--impression-log on`). CPU time is
// the whole process's, so RocksDB's flushes and compactions during the run count: they grow with
// the log, which is why the page counts go up to several hundred MB of log.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "benchmarks/benchmark_corpus.h"
#include "store/impression_log.h"

namespace feedrank::bench {
namespace {

constexpr int kItemsPerPage = 20;
constexpr TimestampMs kFirstServedAt = 1'764'000'000'000;  // 2025-11-24
constexpr int kPagesPerMs = 10;  // 10,000 pages/s: served_at advances as a busy server's would

// Fields vary as a served page's would (many viewers, posts and authors), so that the log
// compresses as a real one does. xorshift64: the same pages in every run. Filled in place: a
// tenth of a microsecond, inside the timing (pausing it would cost more than that).
void fill_page(std::vector<store::Impression>& page, std::int64_t n, std::uint64_t& random) {
  page.resize(kItemsPerPage);
  for (int i = 0; i < kItemsPerPage; ++i) {
    random ^= random << 13;
    random ^= random >> 7;
    random ^= random << 17;
    store::Impression& item = page[static_cast<std::size_t>(i)];
    item.request_id = static_cast<std::uint64_t>(n) + 1;
    item.viewer = 1 + static_cast<std::uint64_t>(n) % 100'000;
    item.post = random % 1'000'000;
    item.author = random % 100'000;
    item.post_created_at = kFirstServedAt - static_cast<TimestampMs>(random % 1'000'000'000);
    item.position = static_cast<std::uint32_t>(i);
    item.source = 1;
    item.served_at = kFirstServedAt + n / kPagesPerMs;
  }
}

void BM_AppendPages(benchmark::State& state) {
  ScopedTempDir dir;
  auto log = store::open_rocksdb_impression_log((dir.path() / "impressions").string());
  if (!log.ok()) {
    state.SkipWithError(std::string(log.status().message()).c_str());
    return;
  }
  std::uint64_t random = 88'172'645'463'325'252ULL;
  std::int64_t n = 0;
  std::vector<store::Impression> page;
  for (auto _ : state) {
    fill_page(page, n++, random);
    if (const auto status = (*log)->append(page); !status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
// 60k pages (about 20 MB of log, a flush or two), 600k and 2M (several levels of files).
[[maybe_unused]] const bool registered = [] {
  for (const benchmark::IterationCount pages : {60'000, 600'000, 2'000'000}) {
    benchmark::RegisterBenchmark("BM_AppendPages", BM_AppendPages)
        ->Iterations(pages)
        ->MeasureProcessCPUTime()
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
  return true;
}();

}  // namespace
}  // namespace feedrank::bench

BENCHMARK_MAIN();
