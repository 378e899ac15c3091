// Splits the input at the cut: the history the engine is given (and the replay's own view of
// it), and each viewer's ground truth, the posts they went on to engage with.
//
// History, in input order: every user, follow, unfollow and delete (as they come), posts created
// before the cut, engagements before the cut. Deletes of posts that are not in the history and
// engagements with such posts are dropped, so that every chunk is valid to write.
//
// Ground truth of a viewer: the live posts created before the cut that they engaged with (any
// kind) at or after it, leaving out their own posts and posts they had engaged with before it.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "feedrank/v1/feedrank.pb.h"
#include "tools/replay/pre_cut_state.h"

namespace feedrank::replay {

struct CutCounts {
  // In the history.
  std::uint64_t users = 0;
  std::uint64_t follows = 0;
  std::uint64_t unfollows = 0;
  std::uint64_t deletes = 0;
  std::uint64_t posts = 0;
  std::uint64_t engagements = 0;
  // Not in it.
  std::uint64_t follows_after_cut = 0;
  std::uint64_t unfollows_after_cut = 0;  // dated ones only
  std::uint64_t posts_after_cut = 0;
  std::uint64_t engagements_after_cut = 0;
  std::uint64_t dropped = 0;  // deletes and engagements of posts missing from the history
};

struct CorpusCut {
  std::vector<v1::IngestRecord> history;
  PreCutState state;
  absl::flat_hash_map<UserId, PostSet> truth;  // only viewers with at least one post
  CutCounts counts;
};

CorpusCut cut_corpus(const std::vector<v1::IngestRecord>& records, TimestampMs cut);

}  // namespace feedrank::replay
