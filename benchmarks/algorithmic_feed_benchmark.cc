// In-process latency of both feed modes on the same store: FeedEngine::get_feed, no gRPC, for
// viewers of the synthetic social network (tools/datasets: power-law follow graph, topical
// posts, engagements) written through the real write path. The targets at 1,000,000
// posts and 100,000 users on 2 cores: algorithmic first page (50 items) p99 < 15 ms,
// chronological p99 < 1 ms, in the same run.
//
// Flags after the benchmark's own: --users N --posts N (default 100000 and 1000000),
// --backend cpu|gpu|auto (default cpu), --cpu-index exact|flat|hnsw|ivf (default exact),
// --ranking-config FILE.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "api/write_conversion.h"
#include "benchmarks/benchmark_corpus.h"
#include "benchmarks/latency_recorder.h"
#include "kernels/compute_backend.h"
#include "ranker/feed_engine.h"
#include "store/durable_store.h"
#include "tools/datasets/synthetic_corpus.h"

namespace feedrank::bench {
namespace {

constexpr std::size_t kViewers = 256;  // calls rotate over them
constexpr std::size_t kChunk = 10'000;

struct Setup {
  std::uint64_t users = 100'000;
  std::uint64_t posts = 1'000'000;
  kernels::BackendRequest backend = kernels::BackendRequest::kCpu;
  ranker::CpuIndexKind cpu_index = ranker::CpuIndexKind::kExact;
  ranker::RankingConfig config = ranker::default_ranking_config();
};
Setup setup;

// The store, the viewers and the time their feeds are read at (the newest post's).
class SocialCorpus {
 public:
  SocialCorpus() {
    auto durable = store::open_rocksdb_store((dir_.path() / "store").string());
    if (!durable.ok()) throw std::runtime_error(std::string(durable.status().message()));
    ranker::CorpusVectorOptions vectors;
    ranker::RetrievalOptions retrieval;
    retrieval.backend = setup.backend;
    retrieval.cpu_index = setup.cpu_index;
    ranker::AlgorithmicOptions algorithmic;
    algorithmic.config = setup.config;
    auto engine =
        ranker::FeedEngine::open(std::move(*durable), std::move(vectors), retrieval, algorithmic);
    if (!engine.ok()) throw std::runtime_error(std::string(engine.status().message()));
    engine_ = std::move(*engine);
    load();
  }

  const ranker::FeedEngine& engine() const { return *engine_; }
  TimestampMs now() const { return newest_; }
  const std::vector<UserId>& viewers() const { return viewers_; }

 private:
  void load() {
    const auto started = std::chrono::steady_clock::now();
    v1::IngestRequest chunk;
    auto flush = [&] {
      auto ops = api::to_write_ops(chunk, api::WriteRules{});
      if (!ops.ok()) throw std::runtime_error(std::string(ops.status().message()));
      auto written = engine_->write(std::move(*ops), api::ingest_item_namer(chunk));
      if (!written.ok()) throw std::runtime_error(std::string(written.status().message()));
      chunk.clear_records();
    };
    datasets::SyntheticCorpusOptions options{.users = setup.users, .posts = setup.posts, .seed = 1};
    auto counts =
        datasets::generate_synthetic_corpus(options, [&](const v1::IngestRecord& record, int) {
          if (record.has_post()) newest_ = std::max(newest_, record.post().created_at_ms());
          *chunk.add_records() = record;
          if (static_cast<std::size_t>(chunk.records_size()) == kChunk) flush();
        });
    if (!counts.ok()) throw std::runtime_error(std::string(counts.status().message()));
    flush();
    std::mt19937_64 random(7);
    std::uniform_int_distribution<UserId> pick(1, setup.users);
    for (std::size_t i = 0; i < kViewers; ++i) viewers_.push_back(pick(random));
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    std::fprintf(
        stderr,
        "corpus: %llu users, %llu follows, %llu posts, %llu engagements written in %.0f s; "
        "%s\n",
        static_cast<unsigned long long>(counts->users),
        static_cast<unsigned long long>(counts->follows),
        static_cast<unsigned long long>(counts->posts),
        static_cast<unsigned long long>(counts->engagements), took.count(),
        engine_->ranking_backend().c_str());
  }

  ScopedTempDir dir_;
  std::unique_ptr<ranker::FeedEngine> engine_;
  std::vector<UserId> viewers_;
  TimestampMs newest_ = 0;
};

const SocialCorpus& corpus() {
  static SocialCorpus* shared = new SocialCorpus();  // kept to the end of the run
  return *shared;
}

// Arg: 0 chronological, 1 algorithmic. First pages of 50 items at the corpus's newest time.
void BM_GetFeed(benchmark::State& state) {
  const SocialCorpus& data = corpus();
  const auto mode =
      state.range(0) == 0 ? ranker::FeedMode::kChronological : ranker::FeedMode::kAlgorithmic;
  LatencyRecorder latencies(static_cast<std::size_t>(state.max_iterations));
  std::size_t call = 0;
  std::size_t items = 0;
  for (auto _ : state) {
    ranker::FeedRequest request;
    request.viewer = data.viewers()[call++ % data.viewers().size()];
    request.mode = mode;
    request.limit = 50;
    request.as_of = data.now();
    auto page = latencies.time([&] { return data.engine().get_feed(request); });
    if (!page.ok()) {
      state.SkipWithError(std::string(page.status().message()).c_str());
      break;
    }
    items += page->items.size();
    benchmark::DoNotOptimize(page);
  }
  latencies.publish(state);
  state.counters["items"] = static_cast<double>(items) / static_cast<double>(call);
  state.SetLabel(mode == ranker::FeedMode::kAlgorithmic ? data.engine().ranking_backend()
                                                        : "chronological");
}

BENCHMARK(BM_GetFeed)
    ->ArgName("algorithmic")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(2'000)
    ->Unit(benchmark::kMicrosecond);

// Removes our flags from argv (Google Benchmark refuses unknown ones).
void take_flags(int& argc, char** argv) {
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (has_value && std::strcmp(argv[i], "--users") == 0) {
      setup.users = std::stoull(argv[++i]);
    } else if (has_value && std::strcmp(argv[i], "--posts") == 0) {
      setup.posts = std::stoull(argv[++i]);
    } else if (has_value && std::strcmp(argv[i], "--backend") == 0) {
      kernels::parse_backend_request(argv[++i], setup.backend);
    } else if (has_value && std::strcmp(argv[i], "--cpu-index") == 0) {
      ranker::parse_cpu_index_kind(argv[++i], setup.cpu_index);
    } else if (has_value && std::strcmp(argv[i], "--ranking-config") == 0) {
      auto config = ranker::load_ranking_config(argv[++i]);
      if (!config.ok()) throw std::runtime_error(std::string(config.status().message()));
      setup.config = *config;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
}

}  // namespace
}  // namespace feedrank::bench

int main(int argc, char** argv) {
  feedrank::bench::take_flags(argc, argv);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
