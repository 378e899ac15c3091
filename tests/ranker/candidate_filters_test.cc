// Each filter of standard_filters() removes exactly its kind of candidate and keeps the rest.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ranker/filters/candidate_filter.h"
#include "ranker/pipeline/viewer_signals.h"

namespace feedrank::ranker {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;

constexpr TimestampMs kHour = 60LL * 60 * 1000;
constexpr TimestampMs kNow = 1700000000000LL;

constexpr UserId kViewer = 1;
constexpr UserId kFollowed = 2;
constexpr UserId kStranger = 3;
constexpr UserId kMuted = 4;

// Post ids, one per kind of candidate (the viewer follows kFollowed only and mutes kMuted).
enum : PostId {
  kPublicOfStranger = 100,
  kPublicOfFollowed = 101,
  kFollowersOnlyOfFollowed = 102,
  kFollowersOnlyOfStranger = 103,
  kFollowersOnlyOfViewer = 104,
  kDeleted = 105,
  kFuture = 106,
  kOwn = 107,
  kEngaged = 108,
  kEngagedAfterNow = 109,  // the viewer engages only after now: not yet engaged
  kOfMutedAuthor = 110,
  kExactlyNow = 111,
};

class FiltersTest : public ::testing::Test {
 protected:
  FiltersTest() {
    for (UserId id = 1; id <= 5; ++id) state_.apply(User{id, "u" + std::to_string(id), 0});
    state_.apply(Follow{kViewer, kFollowed, 0});
    state_.apply(Follow{kMuted, kViewer, 0});  // the muted author follows the viewer: no matter
    add(kPublicOfStranger, kStranger, kNow - kHour);
    add(kPublicOfFollowed, kFollowed, kNow - kHour);
    add(kFollowersOnlyOfFollowed, kFollowed, kNow - kHour, Visibility::kFollowers);
    add(kFollowersOnlyOfStranger, kStranger, kNow - kHour, Visibility::kFollowers);
    add(kFollowersOnlyOfViewer, kViewer, kNow - kHour, Visibility::kFollowers);
    add(kDeleted, kStranger, kNow - kHour, Visibility::kPublic, /*deleted=*/true);
    add(kFuture, kStranger, kNow + 1);
    add(kOwn, kViewer, kNow - kHour);
    add(kEngaged, kStranger, kNow - kHour);
    add(kEngagedAfterNow, kStranger, kNow - kHour);
    add(kOfMutedAuthor, kMuted, kNow - kHour);
    add(kExactlyNow, kFollowed, kNow);
    engage(kViewer, kEngaged, kNow - 1);
    engage(kViewer, kEngagedAfterNow, kNow + 1);
    engage(kStranger, kPublicOfFollowed, kNow - 1);  // someone else's engagement: no matter

    query_.viewer = kViewer;
    query_.now = kNow;
    query_.state = &state_;
    query_.config = &config_;
    query_.muted_authors = {kMuted};
    query_.signals = compute_viewer_signals(state_, kViewer, kNow, config_);
  }

  void add(PostId id, UserId author, TimestampMs at, Visibility visibility = Visibility::kPublic,
           bool deleted = false) {
    Post post;
    post.id = id;
    post.author = author;
    post.created_at = at;
    post.text = "text";
    post.visibility = visibility;
    state_.apply(store::StoredPost{post, false, ++sequence_});
    if (deleted) state_.apply(store::StoredPost{post, true, ++sequence_});
    candidates_.push_back({id, author, at, CandidateSource::kPopular,
                           source_bit(CandidateSource::kPopular), visibility});
  }
  void engage(UserId user, PostId post, TimestampMs at) {
    state_.apply(
        store::StoredEngagement{Engagement{user, post, EngagementKind::kLike, at}, ++sequence_});
  }

  // The candidates `filter` removes.
  std::vector<PostId> removed_by(const CandidateFilter& filter) const {
    std::vector<PostId> removed;
    for (const Candidate& c : candidates_) {
      if (!filter.keeps(query_, c)) removed.push_back(c.post);
    }
    return removed;
  }

  store::FeedState state_;
  RankingConfig config_ = default_ranking_config();
  store::Sequence sequence_ = 0;
  Candidates candidates_;
  FeedQuery query_;
};

TEST_F(FiltersTest, StandardFiltersRunInTheDocumentedOrder) {
  std::vector<std::string> names;
  for (const auto& filter : standard_filters()) names.emplace_back(filter->name());
  EXPECT_THAT(names, ElementsAre("deleted_post", "created_after_now", "not_visible", "own_post",
                                 "already_engaged", "muted_author"));
}

TEST_F(FiltersTest, DeletedPostFilterRemovesOnlyDeletedPosts) {
  EXPECT_THAT(removed_by(*make_deleted_post_filter()), ElementsAre(kDeleted));
}

TEST_F(FiltersTest, DeletedPostFilterRemovesAPostUnknownToTheStore) {
  const Candidate unknown{999, kStranger, kNow - kHour, CandidateSource::kPopular, 0};
  EXPECT_FALSE(make_deleted_post_filter()->keeps(query_, unknown));
}

// A query made by hand says nothing of when it was made: looked up even where no post was ever
// deleted.
TEST(DeletedPostFilter, AHandMadeQueryIsCheckedOnAStateWithoutDeletes) {
  store::FeedState state;
  FeedQuery query;
  query.state = &state;
  ASSERT_EQ(state.posts.deletes_applied(), 0u);
  const Candidate unknown{999, 1, 1, CandidateSource::kPopular, 0};
  EXPECT_FALSE(make_deleted_post_filter()->keeps(query, unknown));
}

// Sources find live posts only; the filter looks again only when a delete was applied since the
// query was made (the lock is let go while the index is searched).
TEST_F(FiltersTest, DeletedPostFilterRemovesPostsDeletedAfterTheQueryWasMade) {
  query_.deletes_when_made = state_.posts.deletes_applied();
  std::erase_if(candidates_, [](const Candidate& c) { return c.post == kDeleted; });
  EXPECT_THAT(removed_by(*make_deleted_post_filter()), ElementsAre());
  Post post = state_.posts.find(kPublicOfFollowed)->to_post();
  state_.apply(store::StoredPost{post, true, ++sequence_});
  EXPECT_THAT(removed_by(*make_deleted_post_filter()), ElementsAre(kPublicOfFollowed));
}

TEST_F(FiltersTest, FuturePostFilterRemovesOnlyPostsCreatedAfterNow) {
  EXPECT_THAT(removed_by(*make_future_post_filter()), ElementsAre(kFuture));
}

TEST_F(FiltersTest, VisibilityFilterRemovesOnlyFollowersOnlyPostsOfAccountsNotFollowed) {
  // Kept: the followed author's followers-only post and the viewer's own.
  EXPECT_THAT(removed_by(*make_visibility_filter()), ElementsAre(kFollowersOnlyOfStranger));
}

TEST_F(FiltersTest, VisibilityFilterFollowsTheGraph) {
  state_.apply(Follow{kViewer, kStranger, 0});
  EXPECT_THAT(removed_by(*make_visibility_filter()), ElementsAre());
  state_.apply(Unfollow{kViewer, kFollowed});
  EXPECT_THAT(removed_by(*make_visibility_filter()), ElementsAre(kFollowersOnlyOfFollowed));
}

TEST_F(FiltersTest, OwnPostFilterRemovesOnlyTheViewersPosts) {
  EXPECT_THAT(removed_by(*make_own_post_filter()),
              UnorderedElementsAreArray({kFollowersOnlyOfViewer, kOwn}));
}

TEST_F(FiltersTest, PreviouslyEngagedFilterRemovesOnlyPostsEngagedAtOrBeforeNow) {
  ASSERT_TRUE(query_.signals.engaged.contains(kEngaged));
  ASSERT_FALSE(query_.signals.engaged.contains(kEngagedAfterNow));
  EXPECT_THAT(removed_by(*make_previously_engaged_filter()), ElementsAre(kEngaged));
}

TEST_F(FiltersTest, PreviouslyEngagedFilterReadsViewerSignals) {
  query_.signals.engaged.insert(kPublicOfFollowed);
  EXPECT_THAT(removed_by(*make_previously_engaged_filter()),
              UnorderedElementsAreArray({kPublicOfFollowed, kEngaged}));
}

TEST_F(FiltersTest, MutedAuthorFilterRemovesOnlyMutedAuthorsPosts) {
  EXPECT_THAT(removed_by(*make_muted_author_filter()), ElementsAre(kOfMutedAuthor));
  query_.muted_authors.clear();
  EXPECT_THAT(removed_by(*make_muted_author_filter()), ElementsAre());
}

TEST_F(FiltersTest, TogetherTheyKeepExactlyTheUnremarkablePosts) {
  std::vector<PostId> kept;
  const auto filters = standard_filters();
  for (const Candidate& c : candidates_) {
    bool keep = true;
    for (const auto& filter : filters) keep = keep && filter->keeps(query_, c);
    if (keep) kept.push_back(c.post);
  }
  EXPECT_THAT(kept, ElementsAre(kPublicOfStranger, kPublicOfFollowed, kFollowersOnlyOfFollowed,
                                kEngagedAfterNow, kExactlyNow));
}

}  // namespace
}  // namespace feedrank::ranker
