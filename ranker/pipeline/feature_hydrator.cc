#include "ranker/pipeline/feature_hydrator.h"

#include <cmath>

#include "embeddings/decayed_mean.h"
#include "kernels/cpu/inner_products.h"

namespace feedrank::ranker {
namespace {

constexpr double kHourMs = 60.0 * 60 * 1000;

template <class Map, class Key>
double value_or_zero(const Map& map, const Key& key) {
  auto it = map.find(key);
  return it == map.end() ? 0.0 : static_cast<double>(it->second);
}

float log1p_f(double x) { return static_cast<float>(std::log1p(std::max(0.0, x))); }

float similarity(const FeedQuery& query, const embeddings::EmbeddingTable& vectors, PostId post) {
  if (query.viewer_vector.empty()) return 0.0f;
  const auto row = vectors.row_of(post);
  if (!row) return 0.0f;
  // The retrieval index's own product, so the feature is the score the index ranked by.
  return kernels::cpu::inner_product(query.viewer_vector.data(), vectors.row(*row).data(),
                                     vectors.dimension());
}

}  // namespace

void hydrate_features(const FeedQuery& query, const Candidates& candidates,
                      const embeddings::EmbeddingTable& post_vectors, std::span<float> out) {
  const store::FeedState& state = *query.state;
  const ViewerSignals& signals = query.signals;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    std::span<float> row = out.subspan(i * kFeatureCount, kFeatureCount);
    auto set = [&](Feature f, float value) { row[static_cast<int>(f)] = value; };
    const auto counts = state.engagements.decayed_counts(c.post, query.now);
    set(Feature::kBias, 1.0f);
    set(Feature::kSimilarity, similarity(query, post_vectors, c.post));
    // Ages are differences of times, so data years old reads like fresh data shifted in time.
    set(Feature::kRecency, static_cast<float>(embeddings::decay_factor(
                               query.now - c.created_at, query.config->recency_half_life_ms)));
    set(Feature::kAuthorAffinity, log1p_f(value_or_zero(signals.author_affinity, c.author)));
    set(Feature::kFollowsAuthor, state.graph.follows(query.viewer, c.author) ? 1.0f : 0.0f);
    set(Feature::kViews, log1p_f(counts[static_cast<int>(EngagementKind::kView)]));
    set(Feature::kLikes, log1p_f(counts[static_cast<int>(EngagementKind::kLike)]));
    set(Feature::kComments, log1p_f(counts[static_cast<int>(EngagementKind::kComment)]));
    set(Feature::kShares, log1p_f(counts[static_cast<int>(EngagementKind::kShare)]));
    set(Feature::kFolloweeEngagements,
        log1p_f(value_or_zero(signals.followee_engagements, c.post)));
    set(Feature::kAuthorFollowers,
        log1p_f(static_cast<double>(state.graph.followers(c.author).size())));
    set(Feature::kAlreadyEngaged, signals.engaged.contains(c.post) ? 1.0f : 0.0f);
    set(Feature::kCollaborative, log1p_f(value_or_zero(signals.collaborative, c.post)));
    set(Feature::kLogAge, log1p_f(static_cast<double>(query.now - c.created_at) / kHourMs));
    set(Feature::kAuthorPosts, log1p_f(static_cast<double>(state.posts.timeline(c.author).size())));
    set(Feature::kLearnedScore,
        query.learned != nullptr ? query.learned->learned_score(query.learned_factor, c.post) : 0.0f);
  }
}

}  // namespace feedrank::ranker
