// User-kNN, standard collaborative filtering over the binary user x post matrix of engagements
// before the cut (of every kind, PreCutState::engaged, whatever counts as positive): a
// viewer's neighbours are the users with the largest cosine similarity of engagement sets
// (|A n B| / sqrt(|A| |B|), > 0; ties by smaller id), and each post a neighbour engaged with
// scores the sum of the similarities of the neighbours who did. A list the neighbours cannot fill
// (a viewer with no engagements before the cut has no neighbours at all) is filled from the
// popularity order, as user-kNN is usually run: an empty list would flatter every other row on
// cold-start viewers.
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "tools/replay/list_source.h"
#include "tools/replay/pre_cut_state.h"

namespace feedrank::replay {

struct Neighbour {
  UserId user = 0;
  double similarity = 0;
};

class UserKnnSource final : public ListSource {
 public:
  UserKnnSource(const PreCutState& state, int neighbours);
  std::string name() const override { return "user-kNN"; }
  absl::StatusOr<std::vector<PostId>> list_for(UserId viewer, int k) const override;

  // Most similar first, at most `neighbours`; none for a viewer with no engagements.
  std::vector<Neighbour> neighbours_of(UserId viewer) const;
  // Every post the neighbours engaged with, best first (scored_posts.h's order); the list takes
  // these first, then the popularity order.
  std::vector<PostId> ranking_for(UserId viewer) const;

 private:
  const PreCutState& state_;
  int neighbours_;
  absl::flat_hash_map<PostId, std::vector<UserId>> engagers_;  // the matrix by column
  std::vector<PostId> popularity_;                             // the fallback, for every viewer
};

}  // namespace feedrank::replay
