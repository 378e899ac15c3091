#include "tools/replay/list_metrics.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"

namespace feedrank::replay {
namespace {

constexpr double kMsPerHour = 60.0 * 60 * 1000;

std::span<const PostId> first(std::span<const PostId> list, int n) {
  return list.first(std::min(list.size(), static_cast<std::size_t>(std::max(n, 0))));
}

std::size_t relevant_count(std::span<const PostId> posts, const PostSet& truth) {
  return static_cast<std::size_t>(
      std::count_if(posts.begin(), posts.end(), [&](PostId post) { return truth.contains(post); }));
}

// The discount of 0-based position i: 1 / log2(rank + 1) with rank = i + 1.
double discount(std::size_t i) { return 1.0 / std::log2(static_cast<double>(i) + 2.0); }

}  // namespace

double ndcg_at(std::span<const PostId> list, const PostSet& truth, int n) {
  const std::span<const PostId> top = first(list, n);
  double dcg = 0;
  for (std::size_t i = 0; i < top.size(); ++i) {
    if (truth.contains(top[i])) dcg += discount(i);
  }
  double ideal = 0;
  const std::size_t ideal_hits = std::min(truth.size(), static_cast<std::size_t>(std::max(n, 0)));
  for (std::size_t i = 0; i < ideal_hits; ++i) ideal += discount(i);
  return ideal > 0 ? dcg / ideal : 0;
}

double hit_rate_at(std::span<const PostId> list, const PostSet& truth, int n) {
  return relevant_count(first(list, n), truth) > 0 ? 1 : 0;
}

double recall_at(std::span<const PostId> list, const PostSet& truth, int n) {
  if (truth.empty()) return 0;
  return static_cast<double>(relevant_count(first(list, n), truth)) /
         static_cast<double>(truth.size());
}

double reciprocal_rank(std::span<const PostId> list, const PostSet& truth) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (truth.contains(list[i])) return 1.0 / static_cast<double>(i + 1);
  }
  return 0;
}

double author_diversity(std::span<const UserId> authors) {
  if (authors.empty()) return 0;
  const absl::flat_hash_set<UserId> distinct(authors.begin(), authors.end());
  return static_cast<double>(distinct.size()) / static_cast<double>(authors.size());
}

double catalogue_coverage(std::size_t distinct_served, std::size_t live_posts) {
  return live_posts == 0 ? 0
                         : static_cast<double>(distinct_served) / static_cast<double>(live_posts);
}

double mean_age_hours(std::span<const TimestampMs> created_at, TimestampMs cut) {
  if (created_at.empty()) return 0;
  double total_ms = 0;
  for (TimestampMs created : created_at) total_ms += static_cast<double>(cut - created);
  return total_ms / static_cast<double>(created_at.size()) / kMsPerHour;
}

}  // namespace feedrank::replay
