#include "ranker/pipeline/algorithmic_pipeline.h"

#include "absl/container/flat_hash_map.h"
#include "fmt/format.h"
#include "ranker/pipeline/diversity_selector.h"
#include "ranker/pipeline/feature_hydrator.h"
#include "ranker/ranking_time.h"

namespace feedrank::ranker {
namespace {

absl::Status deadline_passed(std::string_view stage) {
  return absl::DeadlineExceededError(
      fmt::format("the request's deadline passed before {}; the feed was not finished", stage));
}

// Keeps the first candidate of each post (sources run in priority order) and records in its
// found_by bits every source that found it.
Candidates merge_by_post(const Candidates& found) {
  Candidates merged;
  merged.reserve(found.size());
  absl::flat_hash_map<PostId, std::size_t> position;
  position.reserve(found.size());
  for (const Candidate& candidate : found) {
    auto [it, inserted] = position.try_emplace(candidate.post, merged.size());
    if (inserted) {
      merged.push_back(candidate);
    } else {
      merged[it->second].found_by |= candidate.found_by;
    }
  }
  return merged;
}

// The ranked list's entries: the scored candidates selected for diversity, best first.
std::vector<RankedEntry> diversified_entries(const ScoringInput& input,
                                             std::span<const float> scores,
                                             const RankingConfig& config,
                                             const embeddings::EmbeddingTable& post_vectors) {
  auto vector_of = [&](PostId post) {
    const auto row = post_vectors.row_of(post);
    return row ? post_vectors.row_floats(*row) : std::vector<float>();
  };
  const auto selections =
      select_diverse(input.candidates, scores, config,
                     static_cast<std::size_t>(config.ranked_list_size), vector_of);
  std::vector<RankedEntry> entries;
  entries.reserve(selections.size());
  for (const Selection& selection : selections) {
    RankedEntry entry;
    entry.candidate = input.candidates[selection.index];
    entry.score = selection.score;
    entry.source_term = source_term(config, entry.candidate.source);
    entry.author_term = selection.author_term;
    entry.mmr_term = selection.mmr_term;
    const float* row = input.features.data() + selection.index * kFeatureCount;
    std::copy(row, row + kFeatureCount, entry.features.begin());
    entries.push_back(entry);
  }
  return entries;
}

}  // namespace

AlgorithmicPipeline::AlgorithmicPipeline(std::vector<std::unique_ptr<CandidateSourceStage>> sources,
                                         std::vector<std::unique_ptr<CandidateFilter>> filters,
                                         std::shared_ptr<const CandidateScorer> scorer)
    : sources_(std::move(sources)), filters_(std::move(filters)), scorer_(std::move(scorer)) {}

absl::StatusOr<ScoringInput> AlgorithmicPipeline::gather(
    const FeedQuery& query, const embeddings::EmbeddingTable& post_vectors) const {
  ScoringInput input;
  RankingStats& stats = input.stats;
  stats.config_version = query.config->version;
  Candidates found;
  for (const auto& source : sources_) {
    if (query.past_deadline()) return deadline_passed("the candidate sources finished");
    const std::size_t before = found.size();
    absl::Status status;
    {
      ScopedStageTimer timer(stats.source_ns[static_cast<int>(source->source())]);
      status = source->fetch(query, found);
    }
    if (!status.ok()) {
      found.resize(before);
      stats.degraded.push_back(fmt::format("{}: skipped: {}", source_name(source->source()),
                                           std::string(status.message())));
      continue;
    }
    stats.candidates[static_cast<int>(source->source())] +=
        static_cast<std::uint32_t>(found.size() - before);
  }

  Candidates merged;
  {
    ScopedStageTimer timer(stage_ns(stats, RankingStage::kFilters));
    merged = merge_by_post(found);
    stats.removed.emplace_back("duplicate",
                               static_cast<std::uint32_t>(found.size() - merged.size()));
    for (const auto& filter : filters_) {
      const std::size_t before = merged.size();
      std::erase_if(merged, [&](const Candidate& c) { return !filter->keeps(query, c); });
      stats.removed.emplace_back(std::string(filter->name()),
                                 static_cast<std::uint32_t>(before - merged.size()));
    }
  }
  if (query.past_deadline()) return deadline_passed("features were hydrated");

  {
    ScopedStageTimer timer(stage_ns(stats, RankingStage::kFeatures));
    input.features.resize(merged.size() * kFeatureCount);
    hydrate_features(query, merged, post_vectors, input.features);
  }
  input.candidates = std::move(merged);
  return input;
}

absl::StatusOr<RankedList> AlgorithmicPipeline::rank(
    const FeedQuery& query, const embeddings::EmbeddingTable& post_vectors) const {
  auto input = gather(query, post_vectors);
  if (!input.ok()) return input.status();
  RankedList list;
  list.viewer = query.viewer;
  list.stats = std::move(input->stats);
  const RankingConfig& config = *query.config;
  if (query.past_deadline()) return deadline_passed("scoring");
  std::vector<float> scores(input->candidates.size());
  absl::Status scored;
  {
    ScopedStageTimer timer(stage_ns(list.stats, RankingStage::kScoring));
    scored =
        scorer_->score(config, input->candidates, input->features, scores, list.stats.degraded);
  }
  if (!scored.ok()) return scored;

  {
    ScopedStageTimer timer(stage_ns(list.stats, RankingStage::kDiversity));
    list.entries = diversified_entries(*input, scores, config, post_vectors);
  }
  return list;
}

std::vector<ScoreTerm> explain(const RankedEntry& entry, const RankingConfig& config) {
  std::vector<ScoreTerm> terms;
  terms.reserve(kFeatureCount + 3);
  for (Feature f : all_features()) {
    const int i = static_cast<int>(f);
    terms.push_back({std::string(feature_name(f)), entry.features[i],
                     double{config.weights[i]} * entry.features[i]});
  }
  terms.push_back({fmt::format("source_scale:{}", source_name(entry.candidate.source)), 1.0,
                   entry.source_term});
  terms.push_back({"author_diversity", 1.0, entry.author_term});
  terms.push_back({"near_duplicate", 1.0, entry.mmr_term});
  return terms;
}

}  // namespace feedrank::ranker
