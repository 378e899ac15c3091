#include "ranker/pipeline/feature_hydrator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/container/flat_hash_map.h"
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

// Rows are scored this many at a time while the next as many are asked of memory: they are
// scattered over the table, and one at a time each product waited for its own cache misses.
constexpr std::size_t kRowsAhead = 8;

// The viewer's similarity to every candidate, into column kSimilarity of `out`: the retrieval
// index's own product, so the feature is the score the index ranked by. `matrix` is the table's,
// floats or halves (EmbeddingTable::with_values).
template <class Row>
void hydrate_similarities(const FeedQuery& query, const Candidates& candidates,
                          const embeddings::EmbeddingTable& vectors, const Row* matrix,
                          std::span<float> out) {
  constexpr auto kColumn = static_cast<std::size_t>(Feature::kSimilarity);
  const auto d = static_cast<std::size_t>(vectors.dimension());
  std::vector<const Row*> rows;
  std::vector<std::size_t> scored;  // the candidate of each row
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    out[i * kFeatureCount + kColumn] = 0.0f;
    if (query.viewer_vector.empty()) continue;
    if (const auto row = vectors.row_of(candidates[i].post)) {
      rows.push_back(matrix + *row * d);
      scored.push_back(i);
    }
  }
  auto prefetch = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < std::min(end, rows.size()); ++i) {
      kernels::cpu::prefetch_row(rows[i], vectors.dimension());
    }
  };
  prefetch(0, kRowsAhead);
  float products[kRowsAhead];
  for (std::size_t begin = 0; begin < rows.size(); begin += kRowsAhead) {
    prefetch(begin + kRowsAhead, begin + 2 * kRowsAhead);
    const std::size_t count = std::min(kRowsAhead, rows.size() - begin);
    kernels::cpu::inner_products_gathered(query.viewer_vector.data(), rows.data() + begin, count,
                                          vectors.dimension(), products);
    for (std::size_t j = 0; j < count; ++j) {
      out[scored[begin + j] * kFeatureCount + kColumn] = products[j];
    }
  }
}

// The features that depend on the author alone, looked up once per author of the request: a
// viewer's candidates share authors (ten posts of each followee), and each lookup is a probe of a
// table of every user.
struct AuthorFeatures {
  float affinity;
  float follows;
  float followers;
  float posts;
};

class AuthorFeatureCache {
 public:
  AuthorFeatureCache(const FeedQuery& query, std::size_t candidates)
      : state_(*query.state),
        now_(query.now),
        signals_(query.signals),
        viewer_followees_(query.state->graph.followees(query.viewer)) {
    by_author_.reserve(candidates);
  }

  const AuthorFeatures& of(UserId author) {
    auto [it, inserted] = by_author_.try_emplace(author);
    if (inserted) {
      it->second = {
          log1p_f(value_or_zero(signals_.author_affinity, author)),
          viewer_followees_.contains(author) ? 1.0f : 0.0f,
          log1p_f(static_cast<double>(state_.graph.follower_count(author))),
          // Posts by now only: a past as_of_ms must not count what the author wrote later. (The
          // follower count is today's: the graph keeps no follow times.)
          log1p_f(static_cast<double>(
              state_.posts.newest_until(author, now_, std::numeric_limits<std::size_t>::max())
                  .size())),
      };
    }
    return it->second;
  }

 private:
  const store::FeedState& state_;
  const TimestampMs now_;
  const ViewerSignals& signals_;
  const store::UserSet& viewer_followees_;
  absl::flat_hash_map<UserId, AuthorFeatures> by_author_;
};

}  // namespace

void hydrate_features(const FeedQuery& query, const Candidates& candidates,
                      const embeddings::EmbeddingTable& post_vectors, std::span<float> out) {
  const store::FeedState& state = *query.state;
  const ViewerSignals& signals = query.signals;
  // One kind of lookup at a time over every candidate, so that the misses of many candidates
  // overlap instead of queueing behind one candidate's other lookups.
  post_vectors.with_values([&](const auto* matrix) {
    hydrate_similarities(query, candidates, post_vectors, matrix, out);
  });
  AuthorFeatureCache authors(query, candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    std::span<float> row = out.subspan(i * kFeatureCount, kFeatureCount);
    auto set = [&](Feature f, float value) { row[static_cast<int>(f)] = value; };
    const AuthorFeatures& author = authors.of(c.author);
    const auto counts = state.engagements.decayed_counts(c.post, query.now);
    set(Feature::kBias, 1.0f);
    // Ages are differences of times, so data years old reads like fresh data shifted in time.
    set(Feature::kRecency, static_cast<float>(embeddings::decay_factor(
                               query.now - c.created_at, query.config->recency_half_life_ms)));
    set(Feature::kAuthorAffinity, author.affinity);
    set(Feature::kFollowsAuthor, author.follows);
    set(Feature::kViews, log1p_f(counts[static_cast<int>(EngagementKind::kView)]));
    set(Feature::kLikes, log1p_f(counts[static_cast<int>(EngagementKind::kLike)]));
    set(Feature::kComments, log1p_f(counts[static_cast<int>(EngagementKind::kComment)]));
    set(Feature::kShares, log1p_f(counts[static_cast<int>(EngagementKind::kShare)]));
    set(Feature::kFolloweeEngagements,
        log1p_f(value_or_zero(signals.followee_engagements, c.post)));
    set(Feature::kAuthorFollowers, author.followers);
    set(Feature::kAlreadyEngaged, signals.engaged.contains(c.post) ? 1.0f : 0.0f);
    set(Feature::kCollaborative, log1p_f(value_or_zero(signals.collaborative, c.post)));
    set(Feature::kLogAge, log1p_f(static_cast<double>(query.now - c.created_at) / kHourMs));
    set(Feature::kAuthorPosts, author.posts);
    set(Feature::kLearnedScore, query.learned != nullptr
                                    ? query.learned->learned_score(query.learned_factor, c.post)
                                    : 0.0f);
  }
}

}  // namespace feedrank::ranker
