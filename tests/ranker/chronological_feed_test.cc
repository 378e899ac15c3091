#include "ranker/chronological/chronological_feed.h"

#include <gtest/gtest.h>

namespace feedrank::ranker {
namespace {

class ChronologicalFeed : public ::testing::Test {
 protected:
  void add_users(std::initializer_list<UserId> ids) {
    for (UserId id : ids) state_.apply(User{id, "u" + std::to_string(id), 1});
  }
  void post(PostId id, UserId author, TimestampMs at, Visibility visibility = Visibility::kPublic) {
    Post p;
    p.id = id;
    p.author = author;
    p.created_at = at;
    p.text = "post " + std::to_string(id);
    p.visibility = visibility;
    state_.apply(store::StoredPost{p, false});
  }
  std::vector<PostId> ids(const ChronologicalPage& page) {
    std::vector<PostId> out;
    for (const auto& item : page.items) out.push_back(item.post);
    return out;
  }

  store::FeedState state_;
};

TEST_F(ChronologicalFeed, ShowsFolloweesAndOwnPostsNewestFirstTiesByLargerId) {
  add_users({1, 2, 3, 4});
  state_.apply(Follow{1, 2, 1});
  state_.apply(Follow{1, 3, 1});
  post(10, 2, 100);
  post(11, 3, 300);
  post(12, 1, 200);
  post(13, 4, 400);  // not followed
  post(14, 2, 300);  // same time as 11: larger id first
  const auto page = chronological_page(state_, 1, 50, std::nullopt);
  EXPECT_EQ(ids(page), (std::vector<PostId>{14, 11, 12, 10}));
  EXPECT_FALSE(page.more);
  EXPECT_EQ(page.items[2].source, CandidateSource::kSelf);
  EXPECT_EQ(page.items[0].source, CandidateSource::kFollowing);
  for (const auto& item : page.items) EXPECT_EQ(item.score, 1.0);
}

TEST_F(ChronologicalFeed, HidesFollowersOnlyPostsFromNonFollowers) {
  add_users({1, 2});
  post(10, 2, 100, Visibility::kFollowers);
  post(11, 2, 200, Visibility::kPublic);
  EXPECT_TRUE(chronological_page(state_, 1, 50, std::nullopt).items.empty());
  state_.apply(Follow{1, 2, 1});
  EXPECT_EQ(ids(chronological_page(state_, 1, 50, std::nullopt)), (std::vector<PostId>{11, 10}));
  // The author always sees their own followers-only post.
  EXPECT_EQ(ids(chronological_page(state_, 2, 50, std::nullopt)), (std::vector<PostId>{11, 10}));
  state_.apply(Unfollow{1, 2});
  EXPECT_TRUE(chronological_page(state_, 1, 50, std::nullopt).items.empty());
}

TEST_F(ChronologicalFeed, NeverShowsDeletedPosts) {
  add_users({1, 2});
  state_.apply(Follow{1, 2, 1});
  post(10, 2, 100);
  post(11, 2, 200);
  Post tombstone;
  tombstone.id = 11;
  tombstone.author = 2;
  tombstone.created_at = 200;
  state_.apply(store::StoredPost{tombstone, true});
  EXPECT_EQ(ids(chronological_page(state_, 1, 50, std::nullopt)), (std::vector<PostId>{10}));
}

TEST_F(ChronologicalFeed, PagesEndAtTheLimitAndContinueBelowTheLastShown) {
  add_users({1, 2, 3});
  state_.apply(Follow{1, 2, 1});
  state_.apply(Follow{1, 3, 1});
  for (PostId id = 1; id <= 25; ++id) post(id, 2 + id % 2, static_cast<TimestampMs>(id / 3));
  std::vector<PostId> walked;
  std::optional<store::TimelineEntry> below;
  int pages = 0;
  while (true) {
    const auto page = chronological_page(state_, 1, 10, below);
    const auto page_ids = ids(page);
    walked.insert(walked.end(), page_ids.begin(), page_ids.end());
    ++pages;
    if (!page.more) break;
    below = page.last_shown;
  }
  EXPECT_EQ(pages, 3);
  const auto all = chronological_page(state_, 1, 500, std::nullopt);
  EXPECT_EQ(walked, ids(all));
  EXPECT_EQ(walked.size(), 25u);
}

}  // namespace
}  // namespace feedrank::ranker
