// In-process latency of the out-of-network candidate query: FeedEngine::nearest_posts for a
// viewer (their vector from the accounts they follow, their own posts left out), on the
// synthetic corpus written through the real write path, for the CPU exact scan at 100k and 1M
// posts and HNSW (efSearch 64 and 80) at 100k posts. recall@k of HNSW is against the exact
// scan's answers for the same viewers. Args: posts, k.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "benchmarks/engine_corpus.h"
#include "benchmarks/latency_recorder.h"

namespace feedrank::bench {
namespace {

constexpr std::size_t kViewerFollowees = 100;

ranker::RetrievalOptions cpu_index(ranker::CpuIndexKind kind, int ef_search = 64) {
  ranker::RetrievalOptions options;
  options.backend = kernels::BackendRequest::kCpu;
  options.cpu_index = kind;
  options.ef_search = ef_search;
  return options;
}

std::vector<ranker::NearestPostsRequest> viewer_requests(int k) {
  std::vector<ranker::NearestPostsRequest> requests;
  for (std::size_t slot = 0; slot < kViewersPerSize; ++slot) {
    ranker::NearestPostsRequest request;
    request.to = ranker::NearestTo::kUser;
    request.id = viewer_id(kViewerFollowees, slot);
    request.k = k;
    request.now = 2'000'000'000'000;
    requests.push_back(request);
  }
  return requests;
}

std::vector<std::vector<PostId>> answers(const ranker::FeedEngine& engine,
                                         const std::vector<ranker::NearestPostsRequest>& requests) {
  std::vector<std::vector<PostId>> out;
  for (const auto& request : requests) {
    auto found = engine.nearest_posts(request);
    out.emplace_back();
    if (!found.ok()) continue;
    for (const ranker::ScoredPost& post : *found) out.back().push_back(post.post);
  }
  return out;
}

void run(benchmark::State& state, const ranker::RetrievalOptions& options) {
  const auto posts = static_cast<std::size_t>(state.range(0));
  const int k = static_cast<int>(state.range(1));
  const ranker::FeedEngine& engine = EngineCorpus::shared(posts, options).engine();
  const auto requests = viewer_requests(k);
  LatencyRecorder latencies(static_cast<std::size_t>(state.max_iterations));
  std::size_t call = 0;
  for (auto _ : state) {
    auto result = latencies.time([&] { return engine.nearest_posts(requests[call++ % requests.size()]); });
    if (!result.ok() || result->empty()) {
      state.SkipWithError(result.ok() ? "no posts found" : std::string(result.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(result);
  }
  latencies.publish(state);
  state.SetLabel(engine.retrieval_backend());
  if (options.cpu_index == ranker::CpuIndexKind::kExact) return;
  const auto exact =
      answers(EngineCorpus::shared(posts, cpu_index(ranker::CpuIndexKind::kExact)).engine(),
              requests);
  const auto approximate = answers(engine, requests);
  std::size_t found = 0, total = 0;
  for (std::size_t i = 0; i < exact.size(); ++i) {
    for (PostId id : exact[i]) {
      found += std::count(approximate[i].begin(), approximate[i].end(), id);
    }
    total += exact[i].size();
  }
  state.counters["recall"] = total == 0 ? 0.0 : static_cast<double>(found) / total;
}

void BM_NearestPostsExact(benchmark::State& state) {
  run(state, cpu_index(ranker::CpuIndexKind::kExact));
}
BENCHMARK(BM_NearestPostsExact)
    ->ArgNames({"posts", "k"})
    ->Args({100'000, 10})
    ->Args({100'000, 100})
    ->Args({1'000'000, 10})
    ->Args({1'000'000, 100})
    ->Iterations(300)
    ->Unit(benchmark::kMillisecond);

void BM_NearestPostsHnsw(benchmark::State& state) {
  run(state, cpu_index(ranker::CpuIndexKind::kHnsw, static_cast<int>(state.range(2))));
}
BENCHMARK(BM_NearestPostsHnsw)
    ->ArgNames({"posts", "k", "ef"})
    ->Args({100'000, 10, 64})
    ->Args({100'000, 10, 80})
    ->Args({100'000, 100, 128})
    ->Iterations(2'000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace feedrank::bench

int main(int argc, char** argv) { return feedrank::bench::run_benchmarks(argc, argv); }
