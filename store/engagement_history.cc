#include "store/engagement_history.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <limits>
#include <vector>

#include "common/memory_bytes.h"

namespace feedrank::store {
namespace {

constexpr double kNone = -std::numeric_limits<double>::infinity();

// log2(2^a + 2^b) without overflow.
double log2_add(double a, double b) {
  if (a == kNone) return b;
  if (b == kNone) return a;
  const double high = std::max(a, b);
  return high + std::log2(1.0 + std::exp2(std::min(a, b) - high));
}

}  // namespace

void EngagementHistory::add(const Engagement& engagement, UserId author) {
  by_user_[engagement.user].push_back({engagement.post, author, engagement.kind, engagement.at});
  auto [it, inserted] = by_post_.try_emplace(engagement.post);
  PostStats& stats = it->second;
  if (inserted) {
    stats.log2_counts.fill(kNone);
    stats.log2_trending = kNone;
    stats.latest = engagement.at;
  } else if (!bulk_load_) {
    trending_.erase({stats.log2_trending, engagement.post});
  }
  if (!stats.engagers.empty() && stats.engagers.size() % kCheckpointEvery == 0) {
    checkpoints_[engagement.post].push_back({stats.latest, stats.log2_counts});
  }
  stats.engagers.push_back({engagement.user, engagement.kind, engagement.at});
  stats.latest = std::max(stats.latest, engagement.at);
  const int kind = static_cast<int>(engagement.kind);
  const double exponent =
      static_cast<double>(engagement.at) / static_cast<double>(options_.half_life_ms);
  stats.log2_counts[kind] = log2_add(stats.log2_counts[kind], exponent);
  const double weight = options_.trending_weights[kind];
  if (weight > 0) stats.log2_trending = log2_add(stats.log2_trending, exponent + std::log2(weight));
  if (!bulk_load_ && stats.log2_trending != kNone) {
    trending_.insert({stats.log2_trending, engagement.post});
  }
}

void EngagementHistory::prefetch(const Engagement& engagement, PrefetchStep step) const {
  if (step == PrefetchStep::kSlots) {
    by_user_.prefetch(engagement.user);
    by_post_.prefetch(engagement.post);
    return;
  }
  // add() appends to both lists.
  if (const auto it = by_user_.find(engagement.user); it != by_user_.end()) {
    prefetch_bytes(it->second.data() + it->second.size(), sizeof(UserEngagement));
  }
  if (const auto it = by_post_.find(engagement.post); it != by_post_.end()) {
    const auto& engagers = it->second.engagers;
    prefetch_bytes(engagers.data() + engagers.size(), sizeof(engagers[0]));
  }
}

void EngagementHistory::end_bulk_load(absl::FunctionRef<bool(PostId post)> deleted) {
  bulk_load_ = false;
  std::vector<std::pair<double, PostId>> order;
  order.reserve(by_post_.size());
  for (const auto& [post, stats] : by_post_) {
    if (stats.log2_trending != kNone && !deleted(post)) order.emplace_back(stats.log2_trending, post);
  }
  std::sort(order.begin(), order.end(), std::greater<>());
  // In the set's own order, each insert at the end is amortised O(1) and fills its node.
  trending_.clear();
  for (const auto& entry : order) trending_.insert(trending_.end(), entry);
  for (auto& [user, engagements] : by_user_) engagements.shrink_to_fit();
  for (auto& [post, stats] : by_post_) stats.engagers.shrink_to_fit();
  for (auto& [post, checkpoints] : checkpoints_) checkpoints.shrink_to_fit();
}

void EngagementHistory::forget_trending(PostId post) {
  auto it = by_post_.find(post);
  if (it != by_post_.end()) trending_.erase({it->second.log2_trending, post});
}

std::span<const UserEngagement> EngagementHistory::by_user(UserId user) const {
  auto it = by_user_.find(user);
  if (it == by_user_.end()) return {};
  return it->second;
}

std::span<const PostEngager> EngagementHistory::by_post(PostId post) const {
  auto it = by_post_.find(post);
  if (it == by_post_.end()) return {};
  return it->second.engagers;
}

std::array<double, kEngagementKindCount> EngagementHistory::decayed_counts(PostId post,
                                                                           TimestampMs now) const {
  std::array<double, kEngagementKindCount> counts{};
  auto it = by_post_.find(post);
  if (it == by_post_.end()) return counts;
  const PostStats& stats = it->second;
  // The sums to start from and the first engager to add one by one after them: the running sums
  // when `now` is after every engager, else the last checkpoint whose engagers all are (their
  // latest times never decrease), else none.
  const std::array<double, kEngagementKindCount>* start = &stats.log2_counts;
  std::size_t first_unsummed = stats.engagers.size();
  if (stats.latest > now) {
    start = nullptr;
    first_unsummed = 0;
    if (auto found = checkpoints_.find(post); found != checkpoints_.end()) {
      const std::vector<Checkpoint>& checkpoints = found->second;
      const auto past = std::partition_point(checkpoints.begin(), checkpoints.end(),
                                             [&](const Checkpoint& c) { return c.latest <= now; });
      if (past != checkpoints.begin()) {
        start = &std::prev(past)->log2_counts;
        first_unsummed = static_cast<std::size_t>(past - checkpoints.begin()) * kCheckpointEvery;
      }
    }
  }
  if (start != nullptr) {
    const double now_exponent =
        static_cast<double>(now) / static_cast<double>(options_.half_life_ms);
    for (int kind = 0; kind < kEngagementKindCount; ++kind) {
      if ((*start)[kind] != kNone) counts[kind] = std::exp2((*start)[kind] - now_exponent);
    }
  }
  for (std::size_t i = first_unsummed; i < stats.engagers.size(); ++i) {
    const PostEngager& engager = stats.engagers[i];
    if (engager.at > now) continue;
    counts[static_cast<int>(engager.kind)] += std::exp2(
        -static_cast<double>(now - engager.at) / static_cast<double>(options_.half_life_ms));
  }
  return counts;
}

void EngagementHistory::for_each_trending(absl::FunctionRef<bool(PostId post)> visit) const {
  for (const auto& [log2_score, post] : trending_) {
    if (!visit(post)) return;
  }
}

std::size_t EngagementHistory::memory_bytes() const {
  std::size_t bytes = table_bytes(by_user_) + table_bytes(by_post_) + btree_bytes(trending_);
  for (const auto& [user, engagements] : by_user_) bytes += heap_bytes(engagements);
  for (const auto& [post, stats] : by_post_) bytes += heap_bytes(stats.engagers);
  bytes += table_bytes(checkpoints_);
  for (const auto& [post, checkpoints] : checkpoints_) bytes += heap_bytes(checkpoints);
  return bytes;
}

}  // namespace feedrank::store
