// Splits the input at the cut: the history the engine is given (and the replay's own view of
// it), and each viewer's ground truth, the posts they went on to engage with.
//
// History, in input order: every user; follows, posts and engagements dated before the cut;
// unfollows dated before it; and the undated records (unfollows without a time, every delete)
// that come before the first record dated at or after the cut. The input is taken to be in time
// order, so an undated record after that one happened after the cut: it is neither history nor
// applied to the state. With UndatedRecords::kBeforeAnyCut (an input whose undated records have
// no place in time, as a store's deletes read last) every undated record is history. Users do
// not move the cut's place in the input: a file may list every account first (Last.fm's and
// the generator's do), and one created after the cut would push every delete past it. Deletes of posts that are not in the history and engagements with such
// posts are dropped, so that every chunk is valid to write. As in the store, an engagement
// repeated with the same post, user, kind and time counts once, and a user's last row wins.
//
// Ground truth of a viewer: the posts they engaged with at or after the cut, by a positive kind
// (positive_kinds.h: any by default), that the list rule keeps for them (list_builder.h: live,
// created before the cut, visible to them at the cut, neither their own nor engaged with before
// it in any way), so that every list can reach all of it.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "feedrank/v1/feedrank.pb.h"
#include "tools/replay/positive_kinds.h"
#include "tools/replay/pre_cut_state.h"
#include "tools/replay/replay_records.h"

namespace feedrank::replay {

struct CutCounts {
  // In the history.
  std::uint64_t users = 0;
  std::uint64_t follows = 0;
  std::uint64_t unfollows = 0;
  std::uint64_t deletes = 0;
  std::uint64_t posts = 0;
  std::uint64_t engagements = 0;
  // Of the unfollows and deletes above, those without a time: history by their place alone.
  std::uint64_t undated_before_cut = 0;
  // Not in it.
  std::uint64_t follows_after_cut = 0;
  std::uint64_t unfollows_after_cut = 0;  // dated at or after the cut, or undated past it
  std::uint64_t deletes_after_cut = 0;
  std::uint64_t posts_after_cut = 0;
  std::uint64_t engagements_after_cut = 0;
  std::uint64_t dropped = 0;  // deletes and engagements of posts missing from the history
  std::uint64_t repeated_engagements = 0;  // before the cut, kept once (the store's key)
};

struct CorpusCut {
  std::vector<v1::IngestRecord> history;
  PreCutState state;
  absl::flat_hash_map<UserId, PostSet> truth;  // only viewers with at least one post
  CutCounts counts;
};

CorpusCut cut_corpus(const std::vector<v1::IngestRecord>& records, TimestampMs cut,
                     const PositiveKinds& positive = {},
                     UndatedRecords undated = UndatedRecords::kWhereTheyStand);

}  // namespace feedrank::replay
