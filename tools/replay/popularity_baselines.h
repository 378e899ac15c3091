// The popularity baselines: one global order of the posts, the same for every viewer, from which
// each viewer's list takes the first posts the list rule keeps.
// - popularity: all-time engagement count before the cut;
// - recent popularity: engagements in the window before the cut, ties by all-time count.
// Both rank the live pre-cut posts with at least one engagement before the cut.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "tools/replay/list_source.h"
#include "tools/replay/pre_cut_state.h"

namespace feedrank::replay {

std::vector<PostId> popularity_order(const PreCutState& state);
// FAILED_PRECONDITION when no live post was engaged with in the window: the order would be
// popularity's under another name (Last.fm's tags are dated by month, so a week before the cut
// can hold none).
absl::StatusOr<std::vector<PostId>> recent_popularity_order(const PreCutState& state,
                                                            TimestampMs window_ms);

// A baseline whose lists come from one global order; an order that is an error makes the row
// unavailable, with that error.
class GlobalOrderSource final : public ListSource {
 public:
  GlobalOrderSource(std::string name, const PreCutState& state,
                    absl::StatusOr<std::vector<PostId>> order);
  std::string name() const override { return name_; }
  absl::StatusOr<std::vector<PostId>> list_for(UserId viewer, int k) const override;

 private:
  std::string name_;
  const PreCutState& state_;
  absl::StatusOr<std::vector<PostId>> order_;
};

}  // namespace feedrank::replay
