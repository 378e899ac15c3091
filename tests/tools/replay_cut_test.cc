// The replay's cut on tiny handcrafted inputs: what goes into the history, where undated records
// fall, the ground truth and its exclusions, the judged viewers, the list rule and the quantile
// cut time.
#include <gtest/gtest.h>

#include <vector>

#include "tests/tools/replay_test_records.h"
#include "tools/replay/corpus_cut.h"
#include "tools/replay/cut_time.h"
#include "tools/replay/list_builder.h"
#include "tools/replay/positive_kinds.h"
#include "tools/replay/viewer_sample.h"

namespace feedrank::replay {
namespace {

using namespace feedrank::replay::testing;

constexpr TimestampMs kCut = 100;

// In time order after the users (the undated records fall where they stand).
std::vector<v1::IngestRecord> handcrafted() {
  return {
      user(1, 10),        user(2, 10),
      user(3, 10),        user(4, 150),  // created after the cut: never judged
      follow(1, 2),       follow(1, 3),
      unfollow(1, 3),     follow(3, 2),
      post(10, 2, 20),    post(11, 3, 30, /*followers_only=*/true),
      post(12, 1, 40),   // viewer 1's own
      post(14, 3, 50),    post(15, 2, 60),
      engage(1, 10, 50),  // before the cut: 10 is already engaged for viewer 1
      engage(2, 12, 70),  engage(3, 14, 80),
      delete_post(14),
      delete_post(13),      // its post is not in the history: dropped
      follow(2, 1, 150),    // made after the cut: not in the history
      unfollow(3, 2, 160),  // undone after the cut: 3 still followed 2 at the cut
      post(13, 2, 120),     // created after the cut
      engage(1, 10, 110),  // already engaged before the cut
      engage(1, 12, 115),  // own post
      engage(1, 13, 130),  // created after the cut
      engage(1, 15, 120),  // truth of viewer 1
      engage(2, 10, 105),  // viewer 2's own post
      engage(2, 14, 130),  // deleted
      engage(3, 10, 140),  // truth of viewer 3
      engage(4, 10, 150),  // truth of viewer 4, who did not exist before the cut
  };
}

std::vector<std::string> kinds_and_ids(const std::vector<v1::IngestRecord>& records) {
  std::vector<std::string> out;
  for (const v1::IngestRecord& record : records) {
    switch (record.record_case()) {
      case v1::IngestRecord::kUser:
        out.push_back("user " + std::to_string(record.user().id()));
        break;
      case v1::IngestRecord::kPost:
        out.push_back("post " + std::to_string(record.post().id()));
        break;
      case v1::IngestRecord::kEngagement:
        out.push_back("engage " + std::to_string(record.engagement().user_id()) + "->" +
                      std::to_string(record.engagement().post_id()));
        break;
      case v1::IngestRecord::kDeletePostId:
        out.push_back("delete " + std::to_string(record.delete_post_id()));
        break;
      case v1::IngestRecord::kFollow:
        out.push_back("follow");
        break;
      case v1::IngestRecord::kUnfollow:
        out.push_back("unfollow");
        break;
      default:
        out.push_back("?");
    }
  }
  return out;
}

TEST(ReplayCut, HistoryKeepsGraphRecordsAndWhatHappenedBeforeTheCutInInputOrder) {
  const CorpusCut cut = cut_corpus(handcrafted(), kCut);
  EXPECT_EQ(kinds_and_ids(cut.history),
            (std::vector<std::string>{"user 1", "user 2", "user 3", "user 4", "follow", "follow",
                                      "unfollow", "follow", "post 10", "post 11", "post 12",
                                      "post 14", "post 15", "engage 1->10", "engage 2->12",
                                      "engage 3->14", "delete 14"}));
  EXPECT_EQ(cut.counts.users, 4u);
  EXPECT_EQ(cut.counts.follows, 3u);
  EXPECT_EQ(cut.counts.unfollows, 1u);
  EXPECT_EQ(cut.counts.posts, 5u);
  EXPECT_EQ(cut.counts.deletes, 1u);
  EXPECT_EQ(cut.counts.engagements, 3u);
  EXPECT_EQ(cut.counts.follows_after_cut, 1u);
  EXPECT_EQ(cut.counts.unfollows_after_cut, 1u);
  EXPECT_EQ(cut.counts.posts_after_cut, 1u);
  EXPECT_EQ(cut.counts.engagements_after_cut, 8u);
  EXPECT_EQ(cut.counts.dropped, 1u);
}

TEST(ReplayCut, StateHoldsTheFinalFollowGraphLivePostsAndEngagementsBeforeTheCut) {
  const CorpusCut cut = cut_corpus(handcrafted(), kCut);
  const PreCutState& state = cut.state;
  EXPECT_EQ(state.cut, kCut);
  EXPECT_TRUE(state.follows(1, 2));
  EXPECT_FALSE(state.follows(1, 3));                                     // unfollowed
  EXPECT_FALSE(state.follows(2, 1));                                     // after the cut
  EXPECT_TRUE(state.follows(3, 2));  // its unfollow is dated after the cut
  EXPECT_EQ(state.live_posts(), (std::vector<PostId>{10, 11, 12, 15}));  // 14 deleted, 13 later
  EXPECT_TRUE(state.engaged_before(1, 10));
  EXPECT_FALSE(state.engaged_before(1, 15));
  EXPECT_EQ(state.engagements.size(), 3u);
}

TEST(ReplayCut, TruthLeavesOutOwnAlreadyEngagedDeletedAndLaterCreatedPosts) {
  const CorpusCut cut = cut_corpus(handcrafted(), kCut);
  EXPECT_EQ(cut.truth.size(), 3u);
  EXPECT_EQ(cut.truth.at(1), PostSet({15}));
  EXPECT_EQ(cut.truth.at(3), PostSet({10}));
  EXPECT_EQ(cut.truth.at(4), PostSet({10}));
  EXPECT_FALSE(cut.truth.contains(2));  // own post and a deleted one only
}

// Viewer 1 follows 2 only after the cut: 2's followers-only post 10 is in no list of theirs at the
// cut, so it is not their truth either (else no list could reach it).
TEST(ReplayCut, TruthLeavesOutFollowersOnlyPostsTheViewerCouldNotSeeAtTheCut) {
  const CorpusCut cut =
      cut_corpus({user(1, 10), user(2, 10), user(3, 10), user(4, 10), follow(4, 2),
                  post(10, 2, 20, /*followers_only=*/true), post(11, 3, 20), follow(1, 2, 110),
                  engage(1, 10, 120), engage(1, 11, 120), engage(4, 10, 125)},
                 kCut);
  EXPECT_FALSE(keeps(cut.state, 1, 10));
  EXPECT_EQ(cut.truth.at(1), PostSet({11}));
  EXPECT_EQ(cut.truth.at(4), PostSet({10}));  // 4 followed 2 at the cut
}

// The input is in time order: once a record dated at or after the cut has been read, an unfollow
// without a time and a delete (which has none) come after the cut too. Neither is history nor
// applied: at the cut 1 still followed 2 and post 11 was live.
TEST(ReplayCut, UndatedUnfollowAndDeleteAfterALaterDatedRecordFallAfterTheCut) {
  const CorpusCut cut = cut_corpus(
      {user(1, 10), user(2, 10), user(3, 10), follow(1, 2), post(10, 2, 20), post(11, 2, 30),
       engage(3, 10, 40), engage(1, 10, 110), unfollow(1, 2), delete_post(11), engage(1, 11, 120)},
      kCut);
  EXPECT_TRUE(cut.state.follows(1, 2));
  EXPECT_EQ(cut.state.live_posts(), (std::vector<PostId>{10, 11}));
  EXPECT_EQ(kinds_and_ids(cut.history),
            (std::vector<std::string>{"user 1", "user 2", "user 3", "follow", "post 10", "post 11",
                                      "engage 3->10"}));
  EXPECT_EQ(cut.counts.unfollows, 0u);
  EXPECT_EQ(cut.counts.deletes, 0u);
  EXPECT_EQ(cut.counts.unfollows_after_cut, 1u);
  EXPECT_EQ(cut.truth.at(1), PostSet({10, 11}));  // 11 was live at the cut
}

// Before that record, undated ones are history, and counted apart since only their place dates
// them. A user created after the cut does not move the reader past it: files list users first.
TEST(ReplayCut, UndatedRecordsBeforeTheFirstLaterOneAreHistoryAndCounted) {
  const CorpusCut cut =
      cut_corpus({user(1, 10), user(2, 10), user(3, 10), user(4, 150), follow(1, 2), follow(1, 3),
                  follow(2, 3), follow(3, 1), post(10, 2, 20), post(11, 2, 30), unfollow(1, 2),
                  unfollow(1, 3, 50), delete_post(10), delete_post(99), engage(3, 11, 110),
                  unfollow(2, 3), delete_post(11), unfollow(3, 1, 90)},
                 kCut);
  EXPECT_FALSE(cut.state.follows(1, 2));  // undated, before
  EXPECT_FALSE(cut.state.follows(1, 3));  // dated before
  EXPECT_TRUE(cut.state.follows(2, 3));   // undated, after
  EXPECT_FALSE(cut.state.follows(3, 1));  // dated before, wherever it stands
  EXPECT_EQ(cut.state.live_posts(), (std::vector<PostId>{11}));
  EXPECT_EQ(cut.counts.unfollows, 3u);
  EXPECT_EQ(cut.counts.deletes, 1u);
  EXPECT_EQ(cut.counts.dropped, 1u);             // 99 is unknown
  EXPECT_EQ(cut.counts.undated_before_cut, 2u);  // unfollow(1, 2) and delete 10
  EXPECT_EQ(cut.counts.unfollows_after_cut, 1u);
  EXPECT_EQ(cut.counts.deletes_after_cut, 1u);
}

// Viewer 1 viewed 10 and liked 11 before the cut; after it, liked 10, viewed 12 and shared 11.
std::vector<v1::IngestRecord> engagements_of_every_kind() {
  return {user(1, 10),
          user(2, 10),
          post(10, 2, 20),
          post(11, 2, 20),
          post(12, 2, 20),
          post(13, 2, 20),
          engage(1, 10, 50, v1::ENGAGEMENT_KIND_VIEW),
          engage(1, 11, 60, v1::ENGAGEMENT_KIND_LIKE),
          engage(1, 10, 120, v1::ENGAGEMENT_KIND_LIKE),
          engage(1, 12, 130, v1::ENGAGEMENT_KIND_VIEW),
          engage(1, 11, 140, v1::ENGAGEMENT_KIND_SHARE),
          engage(1, 13, 150, v1::ENGAGEMENT_KIND_LIKE)};
}

TEST(ReplayCut, EveryKindIsPositiveByDefault) {
  const CorpusCut cut = cut_corpus(engagements_of_every_kind(), kCut);
  EXPECT_TRUE(cut.state.engaged_before(1, 10));
  EXPECT_TRUE(cut.state.engaged_before(1, 11));
  EXPECT_EQ(cut.truth.at(1), PostSet({12, 13}));
}

// With likes alone positive, a view after the cut is not truth, while a view before it still
// makes a post "already engaged" (the engine's feeds leave it out, so no list could reach it):
// 10, viewed before the cut and liked after it, is not truth; 12, only viewed after, is not
// either; 11 was liked already; 13, liked after, is. The history and the baselines' engagements keep every kind.
TEST(ReplayCut, PositiveKindsDecideTheTruthAndAnyKindIsAlreadyEngaged) {
  const CorpusCut cut =
      cut_corpus(engagements_of_every_kind(), kCut, PositiveKinds{{v1::ENGAGEMENT_KIND_LIKE}});
  EXPECT_TRUE(cut.state.engaged_before(1, 10));
  EXPECT_TRUE(cut.state.engaged_before(1, 11));
  EXPECT_FALSE(keeps(cut.state, 1, 10));
  EXPECT_EQ(cut.truth.at(1), PostSet({13}));
  EXPECT_EQ(cut.state.engagements.size(), 2u);
  EXPECT_EQ(cut.counts.engagements, 2u);
  EXPECT_EQ(cut.counts.engagements_after_cut, 4u);
}

// The store keeps one engagement per (post, user, kind, time) and a user's last row: so does
// the cut, or popularity would count a retried like twice where the engine counts it once.
TEST(ReplayCut, RepeatedEngagementsCountOnceAndAUsersLastRowWins) {
  const std::vector<v1::IngestRecord> records = {
      user(1, 10),         user(2, 10),         user(3, 10),  user(3, 30),
      post(10, 1, 20),     post(11, 1, 20),     engage(2, 10, 40),
      engage(3, 10, 41),   engage(2, 11, 50),   engage(2, 11, 50),
      engage(2, 11, 50),   engage(2, 11, 51),   engage(2, 11, 50, v1::ENGAGEMENT_KIND_VIEW)};
  const CorpusCut cut = cut_corpus(records, kCut);
  EXPECT_EQ(cut.counts.engagements, 5u);
  EXPECT_EQ(cut.counts.repeated_engagements, 2u);
  EXPECT_EQ(cut.state.engagements.size(), 5u);
  EXPECT_EQ(cut.state.user_created_at.at(3), 30);
  int likes_of_11 = 0;
  for (const v1::IngestRecord& record : cut.history) {
    likes_of_11 += record.has_engagement() && record.engagement().post_id() == 11 &&
                   record.engagement().kind() == v1::ENGAGEMENT_KIND_LIKE;
  }
  EXPECT_EQ(likes_of_11, 2);  // at 50 and at 51: a different time is a different engagement
}

TEST(ReplayPositiveKinds, ParsesTheJsonLinesNamesOnly) {
  EXPECT_EQ(*parse_engagement_kind("view"), v1::ENGAGEMENT_KIND_VIEW);
  EXPECT_EQ(*parse_engagement_kind("share"), v1::ENGAGEMENT_KIND_SHARE);
  for (const char* bad : {"LIKE", "Like", "unspecified", "", "likes"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(parse_engagement_kind(bad).status())) << bad;
  }
  EXPECT_EQ(engagement_kind_name(v1::ENGAGEMENT_KIND_COMMENT), "comment");
  EXPECT_EQ(PositiveKinds{}.describe(), "every kind");
  const PositiveKinds some{{v1::ENGAGEMENT_KIND_LIKE, v1::ENGAGEMENT_KIND_SHARE}};
  EXPECT_EQ(some.describe(), "like, share");
  EXPECT_TRUE(some.contains(v1::ENGAGEMENT_KIND_SHARE));
  EXPECT_FALSE(some.contains(v1::ENGAGEMENT_KIND_VIEW));
  EXPECT_TRUE(PositiveKinds{}.contains(v1::ENGAGEMENT_KIND_VIEW));
}

TEST(ReplayCut, JudgesViewersThatExistedBeforeTheCutWithTruthAndSamplesThemBySeed) {
  const CorpusCut cut = cut_corpus(handcrafted(), kCut);
  const ViewerSample all = judged_viewers(cut, 10, 1);
  EXPECT_EQ(all.viewers, (std::vector<UserId>{1, 3}));
  EXPECT_EQ(all.eligible, 2u);
  const ViewerSample one = judged_viewers(cut, 1, 7);
  ASSERT_EQ(one.viewers.size(), 1u);
  EXPECT_EQ(one.eligible, 2u);
  EXPECT_EQ(judged_viewers(cut, 1, 7).viewers, one.viewers);
}

TEST(ReplayCut, ListRuleDropsOwnEngagedInvisibleDeletedAndLaterPosts) {
  const CorpusCut cut = cut_corpus(handcrafted(), kCut);
  const PreCutState& state = cut.state;
  EXPECT_FALSE(keeps(state, 1, 10));  // engaged before the cut
  EXPECT_FALSE(keeps(state, 1, 11));  // followers-only by 3, whom 1 unfollowed
  EXPECT_FALSE(keeps(state, 1, 12));  // own
  EXPECT_FALSE(keeps(state, 1, 13));  // created after the cut
  EXPECT_FALSE(keeps(state, 1, 14));  // deleted
  EXPECT_FALSE(keeps(state, 1, 99));  // unknown
  EXPECT_TRUE(keeps(state, 1, 15));
  EXPECT_FALSE(keeps(state, 3, 11));  // own
  EXPECT_TRUE(keeps(state, 3, 10));
  EXPECT_FALSE(keeps(state, 2, 11));  // 2 does not follow 3

  ListBuilder builder(state, 3, 2);
  for (PostId post : {11, 10, 10, 12, 15}) builder.offer(post);
  EXPECT_TRUE(builder.full());
  EXPECT_EQ(builder.take(), (std::vector<PostId>{10, 12}));  // 11 own, 10 once, full at 2
}

TEST(ReplayCutTime, QuantileOfTheEngagementTimes) {
  std::vector<v1::IngestRecord> records = {user(1, 1), post(5, 1, 1)};
  for (std::int64_t at : {50, 10, 40, 20, 30}) records.push_back(engage(1, 5, at));
  EXPECT_EQ(*engagement_time_quantile(records, 0.8), 40);  // rank floor(0.8 * 4) = 3
  EXPECT_EQ(*engagement_time_quantile(records, 0.0), 10);
  EXPECT_EQ(*engagement_time_quantile(records, 1.0), 50);
  EXPECT_EQ(*engagement_time_quantile(records, 0.5), 30);
  EXPECT_TRUE(absl::IsInvalidArgument(engagement_time_quantile(records, 1.5).status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(engagement_time_quantile({user(1, 1), post(5, 1, 1)}, 0.8).status()));
}

}  // namespace
}  // namespace feedrank::replay
