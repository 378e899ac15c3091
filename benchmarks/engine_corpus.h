// A FeedEngine on a RocksDB store of its own, loaded with the synthetic corpus through the real
// write path: the authors and posts of a CorpusShape, then for each size in kFolloweeCounts
// kViewersPerSize viewers following that many authors. Shared by the in-process benchmarks.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "benchmarks/benchmark_corpus.h"
#include "ranker/feed_engine.h"

namespace feedrank::bench {

inline constexpr std::size_t kFolloweeCounts[] = {10, 100, 1'000};
// Calls rotate over this many viewers of each size, so that they do not all hit the same
// warm cache lines (a real server sees a different viewer on almost every call).
inline constexpr std::size_t kViewersPerSize = 64;

// Collects writes and commits them through FeedEngine::write, the real write path (one synced
// RocksDB batch per commit).
class BatchWriter {
 public:
  BatchWriter(ranker::FeedEngine& engine, std::size_t batch);
  void add(WriteOp op);
  void flush();

 private:
  ranker::FeedEngine& engine_;
  std::size_t batch_;
  std::vector<WriteOp> ops_;
};

class EngineCorpus {
 public:
  // Writes the corpus (seconds for a million posts) and prints how long it took on stderr.
  explicit EngineCorpus(const CorpusShape& shape, const ranker::RetrievalOptions& retrieval = {});

  // Read-only benchmarks share one per (size, retrieval index), built on first use and kept
  // for the whole run.
  static const EngineCorpus& shared(std::size_t posts, const ranker::RetrievalOptions& retrieval = {});
  // Closes the shared stores and removes their directories; called before static destructors
  // run, since RocksDB's own statics may already be gone by then.
  static void release_shared();

  const ranker::FeedEngine& engine() const { return *engine_; }
  ranker::FeedEngine& writable_engine() { return *engine_; }

 private:
  ScopedTempDir dir_;  // declared first so that it is removed after the store is closed
  std::unique_ptr<ranker::FeedEngine> engine_;
};

// main() of a program whose benchmarks use shared corpora: runs the selected benchmarks, then
// releases the corpora.
int run_benchmarks(int argc, char** argv);

}  // namespace feedrank::bench
