// Builds one judged list for one viewer from candidates offered best first. Every list, the
// engine's feeds and the baselines alike, goes through the same rule (keeps()), so that none is
// judged on posts another may not show: a live post created before the cut, visible to the
// viewer, neither their own nor one they engaged with before the cut, each post once.
#pragma once

#include <vector>

#include "tools/replay/pre_cut_state.h"

namespace feedrank::replay {

// The rule itself, for one post.
bool keeps(const PreCutState& state, UserId viewer, PostId post);

class ListBuilder {
 public:
  ListBuilder(const PreCutState& state, UserId viewer, int k);

  // Appends the post when the rule keeps it, it is not in the list yet and the list is not full.
  void offer(PostId post);
  bool full() const { return static_cast<int>(list_.size()) >= k_; }
  std::vector<PostId> take() { return std::move(list_); }

  // Offers candidates in order until the list is full.
  template <typename Range>
  void offer_all(const Range& candidates) {
    for (PostId post : candidates) {
      if (full()) break;
      offer(post);
    }
  }
  // The same, then takes the list.
  template <typename Range>
  std::vector<PostId> fill_from(const Range& candidates) {
    offer_all(candidates);
    return take();
  }

 private:
  const PreCutState& state_;
  UserId viewer_;
  int k_;
  std::vector<PostId> list_;
  PostSet in_list_;
};

}  // namespace feedrank::replay
