#include "ranker/experiments/team_draft.h"

#include <algorithm>
#include <array>
#include <unordered_set>

#include "common/split_mix64.h"

namespace feedrank::ranker {

std::vector<DraftedItem> team_draft_interleave(std::span<const PostId> a, std::span<const PostId> b,
                                               std::uint64_t seed, std::size_t limit) {
  const std::array<std::span<const PostId>, 2> lists = {a, b};
  constexpr std::array<InterleavingTeam, 2> kTeams = {InterleavingTeam::kA, InterleavingTeam::kB};
  std::array<std::size_t, 2> next = {0, 0};  // each team's best item not yet looked past
  std::array<std::size_t, 2> picks = {0, 0};
  std::unordered_set<PostId> taken;
  SplitMix64 coins(seed);  // the same coins, so the same page, on every machine
  std::vector<DraftedItem> result;
  result.reserve(std::min(limit, a.size() + b.size()));
  while (result.size() < limit) {
    // A team never picks an item already on the page: skip those the other team took.
    for (int t = 0; t < 2; ++t) {
      while (next[t] < lists[t].size() && taken.contains(lists[t][next[t]])) ++next[t];
    }
    const bool a_left = next[0] < a.size();
    const bool b_left = next[1] < b.size();
    if (!a_left && !b_left) break;
    int team;
    if (!a_left || !b_left) {
      team = a_left ? 0 : 1;
    } else if (picks[0] != picks[1]) {
      team = picks[0] < picks[1] ? 0 : 1;
    } else {
      team = static_cast<int>(coins.next() >> 63);  // the top bit: the best mixed one
    }
    const PostId post = lists[team][next[team]];
    taken.insert(post);
    result.push_back({post, kTeams[team], static_cast<std::uint32_t>(next[team]),
                      /*credited=*/a_left && b_left});
    ++next[team];
    ++picks[team];
  }
  return result;
}

}  // namespace feedrank::ranker
