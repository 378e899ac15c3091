// Team-draft interleaving (Radlinski, Kurup and Joachims 2008): two ranked lists merged so that
// each team (list) picks its best item not yet picked, the team with fewer picks going first and
// a coin deciding ties; each item is credited to the team that picked it. A click on an item
// counts for its team; the team with more clicks on a page wins it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ranker/feed_types.h"

namespace feedrank::ranker {

struct DraftedItem {
  PostId post = 0;
  InterleavingTeam team = InterleavingTeam::kA;  // the list it came from
  std::uint32_t rank_in_team = 0;  // 0-based position in the team's own list
  // False once the other list has run out. The paper stops the draft there; a feed keeps the
  // page full, so the rest is shown but credited to neither team: credited, it would let the
  // longer list win on clicks that favour neither (random clicks on 2 items of A and 18 of B).
  bool credited = true;
};

// Interleaves `a` and `b` (best first, each without repeats) into at most `limit` items, each post
// once. `seed` drives the coins, so the same lists and seed give the same result. When one list
// runs out the other fills the rest, uncredited.
std::vector<DraftedItem> team_draft_interleave(std::span<const PostId> a, std::span<const PostId> b,
                                               std::uint64_t seed, std::size_t limit);

}  // namespace feedrank::ranker
