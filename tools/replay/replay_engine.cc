#include "tools/replay/replay_engine.h"

#include <algorithm>

#include "api/write_conversion.h"
#include "fmt/format.h"
#include "ranker/scoring/ranking_config.h"
#include "store/durable_store.h"

namespace feedrank::replay {
namespace {

constexpr int kEmbeddingDimension = 128;  // the server's default

}  // namespace

absl::StatusOr<std::unique_ptr<ReplayEngine>> ReplayEngine::open(
    const std::filesystem::path& ranking_config, ranker::VectorSpace space) {
  // The ranking config reaches the engine here and nowhere else; without a file, its defaults.
  ranker::AlgorithmicOptions algorithmic;
  algorithmic.vector_space = space;
  algorithmic.train_at_start = false;  // the replay trains at the cut, once the history is in
  if (!ranking_config.empty()) {
    auto config = ranker::load_ranking_config(ranking_config);
    if (!config.ok()) return config.status();
    algorithmic.config = std::move(*config);
  }
  auto directory = ScratchDirectory::create();
  if (!directory.ok()) return directory.status();
  auto durable = store::open_rocksdb_store(directory->path().string());
  if (!durable.ok()) return durable.status();
  ranker::CorpusVectorOptions vectors;
  vectors.users.dimension = kEmbeddingDimension;
  ranker::RetrievalOptions retrieval;
  retrieval.backend = kernels::BackendRequest::kCpu;
  retrieval.cpu_index = ranker::CpuIndexKind::kExact;
  auto engine = ranker::FeedEngine::open(std::move(*durable), std::move(vectors), retrieval,
                                         std::move(algorithmic));
  if (!engine.ok()) return engine.status();
  return std::unique_ptr<ReplayEngine>(new ReplayEngine(std::move(*directory), std::move(*engine)));
}

ReplayEngine::ReplayEngine(ScratchDirectory directory, std::unique_ptr<ranker::FeedEngine> engine)
    : directory_(std::move(directory)), engine_(std::move(engine)) {}

ReplayEngine::~ReplayEngine() = default;

absl::Status ReplayEngine::write(const std::vector<v1::IngestRecord>& records,
                                 const std::function<void(std::uint64_t written)>& progress) {
  const api::WriteRules rules{kEmbeddingDimension};
  for (std::size_t start = 0, chunk_number = 0; start < records.size();
       start += kHistoryChunkRecords, ++chunk_number) {
    const std::size_t end = std::min(records.size(), start + kHistoryChunkRecords);
    v1::IngestRequest chunk;
    chunk.mutable_records()->Reserve(static_cast<int>(end - start));
    for (std::size_t i = start; i < end; ++i) *chunk.add_records() = records[i];
    auto ops = api::to_write_ops(chunk, rules);
    absl::Status status = ops.status();
    if (status.ok())
      status = engine_->write(std::move(*ops), api::ingest_item_namer(chunk)).status();
    if (!status.ok()) {
      return absl::Status(status.code(),
                          fmt::format("history chunk {} (records {}..{}): {}", chunk_number, start,
                                      end - 1, std::string(status.message())));
    }
    if (progress) progress(end);
  }
  return absl::OkStatus();
}

}  // namespace feedrank::replay
