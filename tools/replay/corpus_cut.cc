#include "tools/replay/corpus_cut.h"

#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "tools/replay/list_builder.h"

namespace feedrank::replay {
namespace {

Visibility visibility_of(const v1::Post& post) {
  return post.visibility() == v1::VISIBILITY_FOLLOWERS ? Visibility::kFollowers
                                                       : Visibility::kPublic;
}

// Walks the records in order, filling the cut; engagements after the cut wait until the history
// is complete, since "engaged with before the cut" needs all of it.
class CorpusCutter {
 public:
  CorpusCutter(TimestampMs cut, PositiveKinds positive, UndatedRecords undated)
      : positive_(std::move(positive)), undated_(undated) {
    result_.state.cut = cut;
  }

  void add(const v1::IngestRecord& record) {
    switch (record.record_case()) {
      case v1::IngestRecord::kUser:
        // Last write wins, as in the store (an upsert).
        result_.state.user_created_at.insert_or_assign(record.user().id(),
                                                       record.user().created_at_ms());
        keep(record, result_.counts.users);
        break;
      case v1::IngestRecord::kFollow:
        // A follow made after the cut did not exist then: kept, it would let the chronological
        // feed and the network features see accounts the viewer found later.
        if (dated_after_cut(record.follow().created_at_ms())) {
          ++result_.counts.follows_after_cut;
          break;
        }
        result_.state.followees[record.follow().follower_id()].insert(
            record.follow().followee_id());
        keep(record, result_.counts.follows);
        break;
      case v1::IngestRecord::kUnfollow:
        add_unfollow(record);
        break;
      case v1::IngestRecord::kDeletePostId:
        add_delete(record);
        break;
      case v1::IngestRecord::kPost:
        add_post(record);
        break;
      case v1::IngestRecord::kEngagement:
        add_engagement(record);
        break;
      case v1::IngestRecord::RECORD_NOT_SET:
        break;
    }
  }

  CorpusCut finish() {
    for (const EngagementEvent& later : later_engagements_) {
      if (!keeps(result_.state, later.user, later.post)) continue;  // no list could show it
      result_.truth[later.user].insert(later.post);
    }
    return std::move(result_);
  }

 private:
  void keep(const v1::IngestRecord& record, std::uint64_t& count) {
    result_.history.push_back(record);
    ++count;
  }

  // Whether a record dated `at` falls at or after the cut; the first that does takes the reader
  // past the cut for the undated records after it.
  bool dated_after_cut(TimestampMs at) {
    const bool after = at >= result_.state.cut;
    past_cut_ = past_cut_ || after;
    return after;
  }

  // Whether an undated record read now happened after the cut.
  bool undated_after_cut() const {
    return undated_ == UndatedRecords::kWhereTheyStand && past_cut_;
  }

  void add_unfollow(const v1::IngestRecord& record) {
    // Its time is optional (0: none); an undated one falls where it stands in the input.
    const TimestampMs at = record.unfollow().created_at_ms();
    if (at > 0 ? dated_after_cut(at) : undated_after_cut()) {
      ++result_.counts.unfollows_after_cut;
      return;
    }
    result_.state.followees[record.unfollow().follower_id()].erase(record.unfollow().followee_id());
    keep(record, result_.counts.unfollows);
    if (at == 0) ++result_.counts.undated_before_cut;
  }

  void add_delete(const v1::IngestRecord& record) {
    if (undated_after_cut()) {  // a delete has no time
      ++result_.counts.deletes_after_cut;
      return;
    }
    const auto it = result_.state.posts.find(record.delete_post_id());
    if (it == result_.state.posts.end()) {
      ++result_.counts.dropped;
      return;
    }
    it->second.deleted = true;
    keep(record, result_.counts.deletes);
    ++result_.counts.undated_before_cut;
  }

  void add_post(const v1::IngestRecord& record) {
    const v1::Post& post = record.post();
    if (dated_after_cut(post.created_at_ms())) {
      ++result_.counts.posts_after_cut;
      return;
    }
    // First write wins, as in the store.
    result_.state.posts.try_emplace(
        post.id(), PostFacts{post.author_id(), post.created_at_ms(), visibility_of(post), false});
    keep(record, result_.counts.posts);
  }

  void add_engagement(const v1::IngestRecord& record) {
    const v1::Engagement& in = record.engagement();
    const EngagementEvent engagement{in.user_id(), in.post_id(), in.at_ms()};
    if (dated_after_cut(engagement.at)) {
      if (positive_.contains(in.kind())) later_engagements_.push_back(engagement);
      ++result_.counts.engagements_after_cut;
      return;
    }
    if (result_.state.live_post(engagement.post) == nullptr) {
      ++result_.counts.dropped;
      return;
    }
    // The store keeps one engagement per (post, user, kind, time), a repeat being a retry; counted
    // twice here, a repeat would move popularity's order away from the engine's history.
    if (!engagement_keys_.emplace(in.post_id(), in.user_id(), in.kind(), in.at_ms()).second) {
      ++result_.counts.repeated_engagements;
      return;
    }
    // Any kind: the engine's feeds leave out what a viewer engaged with in any way.
    result_.state.engaged[engagement.user].insert(engagement.post);
    result_.state.engagements.push_back(engagement);
    keep(record, result_.counts.engagements);
  }

  PositiveKinds positive_;
  UndatedRecords undated_;
  CorpusCut result_;
  std::vector<EngagementEvent> later_engagements_;  // of positive kinds
  absl::flat_hash_set<std::tuple<PostId, UserId, int, TimestampMs>> engagement_keys_;
  bool past_cut_ = false;  // a record dated at or after the cut has been read
};

}  // namespace

CorpusCut cut_corpus(const std::vector<v1::IngestRecord>& records, TimestampMs cut,
                     const PositiveKinds& positive, UndatedRecords undated) {
  CorpusCutter cutter(cut, positive, undated);
  for (const v1::IngestRecord& record : records) cutter.add(record);
  return cutter.finish();
}

}  // namespace feedrank::replay
