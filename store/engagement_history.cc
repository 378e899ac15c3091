#include "store/engagement_history.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <limits>
#include <tuple>
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

// The lists' order: by time, ties by the other side's id and the kind (an engagement's key is
// unique), so that a list is the same whatever order its engagements arrived in, live or in the
// start-up replay (which reads them in the store's key order: by post, then user).
auto order_key(const UserEngagement& e) { return std::tuple(e.at, e.post, e.kind); }
auto order_key(const PostEngager& e) { return std::tuple(e.at, e.user, e.kind); }
template <class Entry>
bool ordered_before(const Entry& a, const Entry& b) {
  return order_key(a) < order_key(b);
}

// Appends `entry` when it is the latest (almost always), else inserts it in order; returns where.
template <class Entry>
std::size_t insert_in_order(std::vector<Entry>& list, const Entry& entry) {
  if (list.empty() || !ordered_before(entry, list.back())) {
    list.push_back(entry);
    return list.size() - 1;
  }
  const auto at = std::upper_bound(list.begin(), list.end(), entry, ordered_before<Entry>);
  return static_cast<std::size_t>(list.insert(at, entry) - list.begin());
}

}  // namespace

void EngagementHistory::add(const Engagement& engagement, UserId author) {
  const UserEngagement mine{engagement.post, author, engagement.kind, engagement.at};
  const PostEngager engager{engagement.user, engagement.kind, engagement.at};
  std::vector<UserEngagement>& user_list = by_user_[engagement.user];
  if (bulk_load_) {
    user_list.push_back(mine);  // end_bulk_load() puts every list in order
  } else {
    insert_in_order(user_list, mine);
  }
  auto [it, inserted] = by_post_.try_emplace(engagement.post);
  PostStats& stats = it->second;
  if (inserted) {
    stats.log2_counts.fill(kNone);
    stats.log2_trending = kNone;
    stats.latest = engagement.at;
  } else if (!bulk_load_) {
    trending_.erase({stats.log2_trending, engagement.post});
  }
  const bool appended = bulk_load_ || stats.engagers.empty() ||
                        !ordered_before(engager, stats.engagers.back());
  if (appended) {
    if (!bulk_load_ && !stats.engagers.empty() && stats.engagers.size() % kCheckpointEvery == 0) {
      checkpoints_[engagement.post].push_back({stats.latest, stats.log2_counts});
    }
    stats.engagers.push_back(engager);
  } else {
    // Older than the newest engager (a client's clock behind another's): the checkpoints from
    // where it goes on no longer sum what they cover. Rare, and it lands near the end.
    const std::size_t at = insert_in_order(stats.engagers, engager);
    rebuild_checkpoints(engagement.post, stats, at);
  }
  stats.latest = std::max(stats.latest, engagement.at);
  add_to_sums(engager, stats);
  if (!bulk_load_ && stats.log2_trending != kNone) {
    trending_.insert({stats.log2_trending, engagement.post});
  }
}

void EngagementHistory::add_to_sums(const PostEngager& engager, PostStats& stats) const {
  const int kind = static_cast<int>(engager.kind);
  const double exponent =
      static_cast<double>(engager.at) / static_cast<double>(options_.half_life_ms);
  stats.log2_counts[kind] = log2_add(stats.log2_counts[kind], exponent);
  const double weight = options_.trending_weights[kind];
  if (weight > 0) stats.log2_trending = log2_add(stats.log2_trending, exponent + std::log2(weight));
}

void EngagementHistory::rebuild_checkpoints(PostId post, const PostStats& stats,
                                            std::size_t first_changed) {
  // Checkpoint i sums the first (i + 1) * kCheckpointEvery engagers: those up to first_changed
  // keep theirs, and the rest are summed again from the last one kept.
  auto found = checkpoints_.find(post);
  std::vector<Checkpoint> none;
  std::vector<Checkpoint>& checkpoints = found != checkpoints_.end() ? found->second : none;
  checkpoints.resize(std::min(checkpoints.size(), first_changed / kCheckpointEvery));
  PostStats prefix;
  prefix.log2_counts.fill(kNone);
  prefix.log2_trending = kNone;
  prefix.latest = std::numeric_limits<TimestampMs>::min();
  std::size_t summed = 0;
  if (!checkpoints.empty()) {
    prefix.log2_counts = checkpoints.back().log2_counts;
    prefix.latest = checkpoints.back().latest;
    summed = checkpoints.size() * kCheckpointEvery;
  }
  // As add() takes them: one for each multiple of kCheckpointEvery with an engager after it.
  while (summed + kCheckpointEvery < stats.engagers.size()) {
    for (const std::size_t end = summed + kCheckpointEvery; summed < end; ++summed) {
      add_to_sums(stats.engagers[summed], prefix);
      prefix.latest = std::max(prefix.latest, stats.engagers[summed].at);
    }
    checkpoints.push_back({prefix.latest, prefix.log2_counts});
  }
  if (found == checkpoints_.end() && !checkpoints.empty()) {
    checkpoints_.emplace(post, std::move(checkpoints));
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
  // The replay read the engagements by post then user: every list is put in its order now, as
  // live adds keep it, and the posts' checkpoints summed over that order.
  for (auto& [user, engagements] : by_user_) {
    std::sort(engagements.begin(), engagements.end(), ordered_before<UserEngagement>);
    engagements.shrink_to_fit();
  }
  for (auto& [post, stats] : by_post_) {
    std::sort(stats.engagers.begin(), stats.engagers.end(), ordered_before<PostEngager>);
    stats.engagers.shrink_to_fit();
    if (stats.engagers.size() > kCheckpointEvery) rebuild_checkpoints(post, stats, 0);
  }
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
