#include "tools/replay/scored_posts.h"

#include <algorithm>
#include <limits>

namespace feedrank::replay {
namespace {

struct SortKey {
  PostScore score;
  TimestampMs created_at;
};

bool better(const SortKey& a, const SortKey& b) {
  if (a.score.score != b.score.score) return a.score.score > b.score.score;
  if (a.score.tie_score != b.score.tie_score) return a.score.tie_score > b.score.tie_score;
  if (a.created_at != b.created_at) return a.created_at > b.created_at;
  return a.score.post < b.score.post;
}

}  // namespace

std::vector<PostId> best_first(std::vector<PostScore> scores, const PreCutState& state) {
  // The creation times are looked up once, not at every comparison.
  std::vector<SortKey> keys;
  keys.reserve(scores.size());
  for (const PostScore& score : scores) {
    const auto it = state.posts.find(score.post);
    keys.push_back({score, it == state.posts.end() ? std::numeric_limits<TimestampMs>::min()
                                                   : it->second.created_at});
  }
  std::sort(keys.begin(), keys.end(), better);
  std::vector<PostId> posts;
  posts.reserve(keys.size());
  for (const SortKey& key : keys) posts.push_back(key.score.post);
  return posts;
}

}  // namespace feedrank::replay
