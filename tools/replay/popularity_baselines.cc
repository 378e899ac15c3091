#include "tools/replay/popularity_baselines.h"

#include "fmt/format.h"
#include "tools/replay/list_builder.h"
#include "tools/replay/replay_options.h"
#include "tools/replay/scored_posts.h"

namespace feedrank::replay {
namespace {

struct Counts {
  double all_time = 0;
  double recent = 0;
};

// Engagements per live post, all of them and those at or after `recent_from`.
absl::flat_hash_map<PostId, Counts> engagement_counts(const PreCutState& state,
                                                      TimestampMs recent_from) {
  absl::flat_hash_map<PostId, Counts> counts;
  for (const EngagementEvent& engagement : state.engagements) {
    if (state.live_post(engagement.post) == nullptr) continue;
    Counts& post = counts[engagement.post];
    ++post.all_time;
    if (engagement.at >= recent_from) ++post.recent;
  }
  return counts;
}

}  // namespace

std::vector<PostId> popularity_order(const PreCutState& state) {
  std::vector<PostScore> scores;
  for (const auto& [post, counts] : engagement_counts(state, state.cut)) {
    scores.push_back({post, counts.all_time});
  }
  return best_first(std::move(scores), state);
}

absl::StatusOr<std::vector<PostId>> recent_popularity_order(const PreCutState& state,
                                                            TimestampMs window_ms) {
  std::vector<PostScore> scores;
  bool any_recent = false;
  for (const auto& [post, counts] : engagement_counts(state, state.cut - window_ms)) {
    scores.push_back({post, counts.recent, counts.all_time});
    any_recent = any_recent || counts.recent > 0;
  }
  if (!any_recent) {
    return absl::FailedPreconditionError(fmt::format(
        "no live post was engaged with in the {:g} days before the cut, so the order would be "
        "popularity's; widen the window (replay --recent-days)",
        static_cast<double>(window_ms) / kDayMs));
  }
  return best_first(std::move(scores), state);
}

GlobalOrderSource::GlobalOrderSource(std::string name, const PreCutState& state,
                                     absl::StatusOr<std::vector<PostId>> order)
    : name_(std::move(name)), state_(state), order_(std::move(order)) {}

absl::StatusOr<std::vector<PostId>> GlobalOrderSource::list_for(UserId viewer, int k) const {
  if (!order_.ok()) return order_.status();
  return ListBuilder(state_, viewer, k).fill_from(*order_);
}

}  // namespace feedrank::replay
