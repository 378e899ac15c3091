#include "tools/replay/list_scores.h"

#include <algorithm>
#include <numeric>

#include "tools/replay/list_metrics.h"

namespace feedrank::replay {

ListScoreAccumulator::ListScoreAccumulator(const PreCutState& state, int k)
    : state_(state), k_(k), live_posts_(state.live_posts().size()) {}

void ListScoreAccumulator::add(std::span<const PostId> list, const PostSet& truth) {
  ++viewers_;
  viewer_ndcg_.push_back(ndcg_at(list, truth, kTopN));
  hits_ += hit_rate_at(list, truth, kTopN);
  recall_10_ += recall_at(list, truth, kTopN);
  recall_k_ += recall_at(list, truth, k_);
  reciprocal_ranks_ += reciprocal_rank(list, truth);
  served_.insert(list.begin(), list.end());
  if (list.empty()) {
    ++empty_lists_;
    return;
  }
  std::vector<UserId> authors;
  for (PostId post : list.first(std::min(list.size(), static_cast<std::size_t>(kTopN)))) {
    // Every ListBuilder list holds live posts only; anything else has no author to count.
    const PostFacts* facts = state_.live_post(post);
    if (facts == nullptr) continue;
    authors.push_back(facts->author);
    top_created_at_.push_back(facts->created_at);
  }
  diversity_ += author_diversity(authors);
}

ListScores ListScoreAccumulator::scores(std::string name) const {
  ListScores row;
  row.name = std::move(name);
  row.viewers = viewers_;
  row.empty_lists = empty_lists_;
  row.viewer_ndcg_at_10 = viewer_ndcg_;
  if (viewers_ > 0) {
    const auto mean = [&](double total) { return total / static_cast<double>(viewers_); };
    row.ndcg_at_10 = mean(std::accumulate(viewer_ndcg_.begin(), viewer_ndcg_.end(), 0.0));
    row.hit_rate_at_10 = mean(hits_);
    row.recall_at_10 = mean(recall_10_);
    row.recall_at_k = mean(recall_k_);
    row.mrr = mean(reciprocal_ranks_);
  }
  const std::size_t listed = viewers_ - empty_lists_;
  if (listed > 0) row.author_diversity_at_10 = diversity_ / static_cast<double>(listed);
  row.coverage = catalogue_coverage(served_.size(), live_posts_);
  row.mean_age_hours_at_10 = mean_age_hours(top_created_at_, state_.cut);
  return row;
}

}  // namespace feedrank::replay
