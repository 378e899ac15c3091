#include "benchmarks/engine_corpus.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>

#include "fmt/format.h"
#include "store/durable_store.h"

namespace feedrank::bench {
namespace {

constexpr std::size_t kCorpusWriteBatch = 10'000;  // what a full Ingest chunk commits at once

using SharedKey = std::tuple<std::size_t, ranker::CpuIndexKind, kernels::BackendRequest, int>;

std::map<SharedKey, std::unique_ptr<EngineCorpus>>& shared_corpora() {
  static auto* corpora = new std::map<SharedKey, std::unique_ptr<EngineCorpus>>;
  return *corpora;
}

}  // namespace

BatchWriter::BatchWriter(ranker::FeedEngine& engine, std::size_t batch)
    : engine_(engine), batch_(batch) {
  ops_.reserve(batch);
}

void BatchWriter::add(WriteOp op) {
  ops_.push_back(std::move(op));
  if (ops_.size() == batch_) flush();
}

void BatchWriter::flush() {
  if (ops_.empty()) return;
  auto written = engine_.write(std::move(ops_), [](std::size_t index, std::string_view field) {
    return fmt::format("corpus[{}].{}", index, field);
  });
  if (!written.ok()) throw std::runtime_error(std::string(written.status().message()));
  ops_.clear();
  ops_.reserve(batch_);
}

EngineCorpus::EngineCorpus(const CorpusShape& shape, const ranker::RetrievalOptions& retrieval) {
  const auto start = std::chrono::steady_clock::now();
  auto durable = store::open_rocksdb_store((dir_.path() / "store").string());
  if (!durable.ok()) throw std::runtime_error(std::string(durable.status().message()));
  ranker::CorpusVectorOptions vectors;
  vectors.log = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
  auto opened = ranker::FeedEngine::open(std::move(*durable), std::move(vectors), retrieval);
  if (!opened.ok()) throw std::runtime_error(std::string(opened.status().message()));
  engine_ = std::move(*opened);
  BatchWriter writer(*engine_, kCorpusWriteBatch);
  for (std::size_t i = 0; i < shape.authors; ++i) writer.add(synthetic_author(i));
  for (std::size_t i = 0; i < shape.posts; ++i) writer.add(synthetic_post(shape, i));
  for (std::size_t followees : kFolloweeCounts) {
    for (std::size_t slot = 0; slot < kViewersPerSize; ++slot) {
      writer.add(synthetic_viewer(followees, slot));
      for (Follow& follow : synthetic_follows(shape, viewer_id(followees, slot), followees)) {
        writer.add(follow);
      }
    }
  }
  writer.flush();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  const auto counts = engine_->counts().store;
  fmt::print(stderr,
             "corpus: {} users, {} posts, {} follows written in {:.1f} s ({:.0f} posts/s)\n",
             counts.users, counts.posts, counts.follows, took.count(),
             static_cast<double>(counts.posts) / took.count());
}

const EngineCorpus& EngineCorpus::shared(std::size_t posts,
                                         const ranker::RetrievalOptions& retrieval) {
  auto& slot =
      shared_corpora()[{posts, retrieval.cpu_index, retrieval.backend, retrieval.ef_search}];
  if (!slot) slot = std::make_unique<EngineCorpus>(CorpusShape{.posts = posts}, retrieval);
  return *slot;
}

void EngineCorpus::release_shared() { shared_corpora().clear(); }

int run_benchmarks(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  EngineCorpus::release_shared();
  return 0;
}

}  // namespace feedrank::bench
