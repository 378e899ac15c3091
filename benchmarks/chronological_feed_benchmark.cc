// In-process latency of the chronological feed: FeedEngine::get_feed on a RocksDB-backed store,
// no gRPC. First pages and deep pages (reached through the cursors of the pages before) for
// viewers following 10, 100 or 1,000 of 10,000 authors, in stores of 100,000 and 1,000,000
// posts; and first pages read while another thread writes. The target: p99 < 1 ms for a 50-item
// first page, 1,000 followees, 1,000,000 posts.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/benchmark_corpus.h"
#include "benchmarks/engine_corpus.h"
#include "benchmarks/latency_recorder.h"
#include "ranker/feed_engine.h"

namespace feedrank::bench {
namespace {

// One request per viewer with `followees`, positioned on `page` (1: the first) by walking the
// pages before it. Empty when some feed has fewer pages.
std::vector<ranker::FeedRequest> viewer_requests(const ranker::FeedEngine& engine,
                                                 std::size_t followees, std::int64_t page) {
  std::vector<ranker::FeedRequest> requests;
  for (std::size_t slot = 0; slot < kViewersPerSize; ++slot) {
    ranker::FeedRequest request;
    request.viewer = viewer_id(followees, slot);
    for (std::int64_t earlier = 1; earlier < page; ++earlier) {
      auto result = engine.get_feed(request);
      if (!result.ok() || result->next_cursor.empty()) return {};
      request.cursor = std::move(result->next_cursor);
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

// Args: followees, posts in the store, page (1: the first page, no cursor).
void BM_ChronologicalFeed(benchmark::State& state) {
  const auto followees = static_cast<std::size_t>(state.range(0));
  const auto posts = static_cast<std::size_t>(state.range(1));
  const auto page = state.range(2);
  const ranker::FeedEngine& engine = EngineCorpus::shared(posts).engine();

  auto requests = viewer_requests(engine, followees, page);
  if (requests.empty()) {
    state.SkipWithError("the feed has fewer pages than asked for");
    return;
  }

  LatencyRecorder latencies(static_cast<std::size_t>(state.max_iterations));
  std::size_t call = 0;
  std::size_t items = 0;
  for (auto _ : state) {
    const ranker::FeedRequest& request = requests[call++ % requests.size()];
    auto result = latencies.time([&] { return engine.get_feed(request); });
    if (!result.ok()) {
      state.SkipWithError(std::string(result.status().message()).c_str());
      break;
    }
    items += result->items.size();
    benchmark::DoNotOptimize(result);
  }
  latencies.publish(state);
  // Checks that each call really served a full page.
  state.counters["items"] = static_cast<double>(items) / static_cast<double>(call);
}

void FeedShapes(benchmark::internal::Benchmark* b) {
  for (std::int64_t posts : {100'000, 1'000'000}) {
    for (std::int64_t followees : kFolloweeCounts) b->Args({followees, posts, 1});
    for (std::int64_t page : {10, 100}) b->Args({1'000, posts, page});
  }
}

BENCHMARK(BM_ChronologicalFeed)
    ->ArgNames({"followees", "posts", "page"})
    ->Apply(FeedShapes)
    ->Iterations(20'000)  // 20 samples beyond p999
    ->Unit(benchmark::kMicrosecond);

// Args: followees, posts in the store, writes (posts added meanwhile, 1,000 per commit like an
// Ingest chunk). First pages read while another thread writes: readers share the store's lock
// with the writer while it applies a batch. A fresh store, since the writes change it; one
// iteration that reads for as long as the writer runs.
void BM_ChronologicalFeedDuringWrites(benchmark::State& state) {
  const auto followees = static_cast<std::size_t>(state.range(0));
  const CorpusShape shape{.posts = static_cast<std::size_t>(state.range(1))};
  const auto writes = static_cast<std::size_t>(state.range(2));
  EngineCorpus corpus(shape);
  const auto requests = viewer_requests(corpus.engine(), followees, 1);
  LatencyRecorder latencies(1'000'000);
  std::size_t calls = 0;
  for (auto _ : state) {
    std::atomic<bool> writing = true;
    std::jthread writer([&] {
      BatchWriter batches(corpus.writable_engine(), 1'000);
      for (std::size_t i = shape.posts; i < shape.posts + writes; ++i) {
        batches.add(synthetic_post(shape, i));
      }
      batches.flush();
      writing = false;
    });
    while (writing) {
      auto result = latencies.time(
          [&] { return corpus.engine().get_feed(requests[calls++ % requests.size()]); });
      benchmark::DoNotOptimize(result);
    }
  }
  latencies.publish(state);
  state.counters["calls"] = static_cast<double>(calls);
}

BENCHMARK(BM_ChronologicalFeedDuringWrites)
    ->ArgNames({"followees", "posts", "writes"})
    // From 1M to 2M posts: the post table grows past 1,835,008 entries on the way (7/8 of 2^21).
    ->Args({1'000, 1'000'000, 1'000'000})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace feedrank::bench

int main(int argc, char** argv) { return feedrank::bench::run_benchmarks(argc, argv); }
