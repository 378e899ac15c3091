#include "tools/replay/corpus_cut.h"

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
  explicit CorpusCutter(TimestampMs cut) { result_.state.cut = cut; }

  void add(const v1::IngestRecord& record) {
    switch (record.record_case()) {
      case v1::IngestRecord::kUser:
        result_.state.user_created_at.try_emplace(record.user().id(),
                                                  record.user().created_at_ms());
        keep(record, result_.counts.users);
        break;
      case v1::IngestRecord::kFollow:
        // A follow made after the cut did not exist then: kept, it would let the chronological
        // feed and the network features see accounts the viewer found later.
        if (record.follow().created_at_ms() >= result_.state.cut) {
          ++result_.counts.follows_after_cut;
          break;
        }
        result_.state.followees[record.follow().follower_id()].insert(
            record.follow().followee_id());
        keep(record, result_.counts.follows);
        break;
      case v1::IngestRecord::kUnfollow:
        // Likewise an unfollow dated after the cut (its time is optional: an undated one counts
        // where it stands in the input, like a delete).
        if (record.unfollow().created_at_ms() > 0 &&
            record.unfollow().created_at_ms() >= result_.state.cut) {
          ++result_.counts.unfollows_after_cut;
          break;
        }
        result_.state.followees[record.unfollow().follower_id()].erase(
            record.unfollow().followee_id());
        keep(record, result_.counts.unfollows);
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
      const PostFacts* post = result_.state.live_post(later.post);
      if (post == nullptr || post->author == later.user) continue;
      if (result_.state.engaged_before(later.user, later.post)) continue;
      result_.truth[later.user].insert(later.post);
    }
    return std::move(result_);
  }

 private:
  void keep(const v1::IngestRecord& record, std::uint64_t& count) {
    result_.history.push_back(record);
    ++count;
  }

  void add_delete(const v1::IngestRecord& record) {
    const auto it = result_.state.posts.find(record.delete_post_id());
    if (it == result_.state.posts.end()) {
      ++result_.counts.dropped;
      return;
    }
    it->second.deleted = true;
    keep(record, result_.counts.deletes);
  }

  void add_post(const v1::IngestRecord& record) {
    const v1::Post& post = record.post();
    if (post.created_at_ms() >= result_.state.cut) {
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
    if (engagement.at >= result_.state.cut) {
      later_engagements_.push_back(engagement);
      ++result_.counts.engagements_after_cut;
      return;
    }
    if (result_.state.live_post(engagement.post) == nullptr) {
      ++result_.counts.dropped;
      return;
    }
    result_.state.engaged[engagement.user].insert(engagement.post);
    result_.state.engagements.push_back(engagement);
    keep(record, result_.counts.engagements);
  }

  CorpusCut result_;
  std::vector<EngagementEvent> later_engagements_;
};

}  // namespace

CorpusCut cut_corpus(const std::vector<v1::IngestRecord>& records, TimestampMs cut) {
  CorpusCutter cutter(cut);
  for (const v1::IngestRecord& record : records) cutter.add(record);
  return cutter.finish();
}

}  // namespace feedrank::replay
