// The replay's in-process FeedEngine: a RocksDB store in a fresh temp directory, the CPU exact
// index, and the history written into it in chunks through the same conversion the Ingest RPC
// uses. The directory is removed with the object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.pb.h"
#include "ranker/feed_engine.h"
#include "tools/replay/scratch_directory.h"

namespace feedrank::replay {

inline constexpr std::size_t kHistoryChunkRecords = 10'000;  // the most Ingest takes a chunk

class ReplayEngine {
 public:
  // `ranking_config`: a RankingConfig JSON file for the algorithmic feed, or empty. A learned or
  // hybrid `space` trains nothing until train_learned().
  static absl::StatusOr<std::unique_ptr<ReplayEngine>> open(
      const std::filesystem::path& ranking_config,
      ranker::VectorSpace space = ranker::VectorSpace::kText);
  ~ReplayEngine();

  // Writes the records in order, chunk by chunk, calling `progress` with the records written so
  // far after each; an invalid chunk stops it with the error, naming the chunk.
  absl::Status write(const std::vector<v1::IngestRecord>& records,
                     const std::function<void(std::uint64_t written)>& progress = {});

  // Trains the learned model on what was written, as of `now` (the cut), and waits for it.
  absl::Status train_learned(TimestampMs now) { return engine_->train_learned(now, true); }

  const ranker::FeedEngine& engine() const { return *engine_; }

 private:
  ReplayEngine(ScratchDirectory directory, std::unique_ptr<ranker::FeedEngine> engine);

  ScratchDirectory directory_;  // first: outlives the engine's store
  std::unique_ptr<ranker::FeedEngine> engine_;
};

}  // namespace feedrank::replay
