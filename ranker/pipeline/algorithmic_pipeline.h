// The algorithmic feed as named stages: candidate sources -> merge (first source wins, every
// source recorded) -> filters -> feature hydration -> batched scoring -> selection with
// diversity. Each stage is its own component (candidate_source.h, filters/candidate_filter.h,
// feature_hydrator.h, scoring/candidate_scorer.h, diversity_selector.h); this class only runs
// them in order, records what each did, checks the deadline between them, and keeps serving
// when a source fails.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "embeddings/embedding_table.h"
#include "ranker/filters/candidate_filter.h"
#include "ranker/pipeline/candidate_source.h"
#include "ranker/scoring/candidate_scorer.h"

namespace feedrank::ranker {

struct RankedEntry {
  Candidate candidate;
  float score = 0;        // the sum of every term below
  float source_term = 0;  // ln(source scale)
  float author_term = 0;  // ln(author diversity factor)
  float mmr_term = 0;     // near-duplicate penalty
  std::array<float, kFeatureCount> features{};
  InterleavingTeam team = InterleavingTeam::kNone;  // interleaved lists: the team that picked it
  bool team_credited = true;  // false: picked after the other team's list ran out (team_draft.h)
};

struct RankedList {
  UserId viewer = 0;
  // What the list was ranked for, which a cursor continuing it must name (set by the engine).
  FeedMode mode = FeedMode::kAlgorithmic;
  std::uint64_t arm_tag = 0;
  std::vector<RankedEntry> entries;  // best first
  RankingStats stats;
  // The ranking config that scored the entries (explanations of later pages read it); in an
  // interleaved list, team A's and team B's (null for a chronological team).
  std::array<std::shared_ptr<const RankingConfig>, 2> configs;
};

// Candidates after the filters, with their feature rows: the scorer's input, and fit-ranker's
// training examples.
struct ScoringInput {
  Candidates candidates;
  std::vector<float> features;  // candidates.size() x kFeatureCount
  RankingStats stats;
};

class AlgorithmicPipeline {
 public:
  AlgorithmicPipeline(std::vector<std::unique_ptr<CandidateSourceStage>> sources,
                      std::vector<std::unique_ptr<CandidateFilter>> filters,
                      std::shared_ptr<const CandidateScorer> scorer);

  // DEADLINE_EXCEEDED when the query's deadline passes between stages.
  absl::StatusOr<ScoringInput> gather(const FeedQuery& query,
                                      const embeddings::EmbeddingTable& post_vectors) const;
  absl::StatusOr<RankedList> rank(const FeedQuery& query,
                                  const embeddings::EmbeddingTable& post_vectors) const;

  const CandidateScorer& scorer() const { return *scorer_; }

 private:
  std::vector<std::unique_ptr<CandidateSourceStage>> sources_;
  std::vector<std::unique_ptr<CandidateFilter>> filters_;
  std::shared_ptr<const CandidateScorer> scorer_;
};

// The entry's score as additive terms: one per feature (weight x value), the source's scale and
// the diversity discounts. They add up to entry.score (up to float rounding).
std::vector<ScoreTerm> explain(const RankedEntry& entry, const RankingConfig& config);

}  // namespace feedrank::ranker
