// One row of the replay's table: the metrics of one kind of list, averaged over the judged
// viewers (list_metrics.h). Author diversity is averaged over the viewers whose list is not
// empty; the mean age is over every post served in a top 10; coverage over the whole lists.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tools/replay/paired_bootstrap.h"
#include "tools/replay/pre_cut_state.h"

namespace feedrank::replay {

inline constexpr int kTopN = 10;  // the "@10" of the metrics

struct ListScores {
  std::string name;
  std::string unavailable;      // empty when the row has values; otherwise why it has none
  std::size_t viewers = 0;      // judged
  std::size_t empty_lists = 0;  // viewers given no post at all
  double ndcg_at_10 = 0;
  double hit_rate_at_10 = 0;
  double recall_at_10 = 0;
  double recall_at_k = 0;
  double mrr = 0;
  double coverage = 0;
  double author_diversity_at_10 = 0;
  double mean_age_hours_at_10 = 0;
  // Each judged viewer's NDCG@10, in the order they were judged (the same for every row), so that
  // rows can be compared viewer by viewer.
  std::vector<double> viewer_ndcg_at_10;
  // This row's NDCG@10 minus the reference row's (reference_comparison.h); none for the reference
  // itself and where either row has no values.
  std::optional<DifferenceInterval> ndcg_at_10_vs_reference;
};

class ListScoreAccumulator {
 public:
  ListScoreAccumulator(const PreCutState& state, int k);

  void add(std::span<const PostId> list, const PostSet& truth);
  ListScores scores(std::string name) const;

 private:
  const PreCutState& state_;
  int k_;
  std::size_t live_posts_;
  std::size_t viewers_ = 0;
  std::size_t empty_lists_ = 0;
  double hits_ = 0, recall_10_ = 0, recall_k_ = 0, reciprocal_ranks_ = 0;
  std::vector<double> viewer_ndcg_;  // in viewer order: the mean and the paired intervals
  double diversity_ = 0;
  std::vector<TimestampMs> top_created_at_;  // of every post served in a top 10
  PostSet served_;
};

}  // namespace feedrank::replay
