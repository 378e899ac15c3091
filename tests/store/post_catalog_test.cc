#include "store/post_catalog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "store/social_graph.h"

namespace feedrank::store {
namespace {

Post post_at(PostId id, UserId author, TimestampMs at) {
  Post post;
  post.id = id;
  post.author = author;
  post.created_at = at;
  post.text = "t";
  return post;
}

TEST(PostCatalog, TimelineStaysSortedWhenPostsArriveOutOfOrder) {
  PostCatalog catalog;
  std::mt19937_64 rng(7);
  for (PostId id = 1; id <= 500; ++id) catalog.put({post_at(id, 1, rng() % 50), false});
  const auto timeline = catalog.timeline(1);
  ASSERT_EQ(timeline.size(), 500u);
  EXPECT_TRUE(std::is_sorted(timeline.begin(), timeline.end()));
  EXPECT_EQ(catalog.live_count(), 500u);
}

// A view keeps the post's fields, text and hashtags (in one block of its own), never the
// vector: the embedding table holds that (a buffer a view cost 512 bytes at dimension 128).
TEST(PostCatalog, KeepsTextAndHashtagsAsWrittenAndNoVector) {
  PostCatalog catalog;
  Post post = post_at(1, 7, 100);
  post.visibility = Visibility::kFollowers;
  post.embedding.assign(128, 0.5f);
  post.embedding_supplied = true;
  post.text = "caf\xc3\xa9 #a #long_" + std::string(300, 'x');
  post.hashtags = {"a", "", "long_" + std::string(300, 'x'), std::string("nul\0in", 6)};
  catalog.put({post, false, 42});
  const PostView& view = *catalog.find(1);
  EXPECT_EQ(view.text(), post.text);
  EXPECT_EQ(view.hashtags(), post.hashtags);
  EXPECT_EQ(view.sequence, 42u);
  const Post copy = view.to_post();
  EXPECT_EQ(copy.id, 1u);
  EXPECT_EQ(copy.author, 7u);
  EXPECT_EQ(copy.created_at, 100);
  EXPECT_EQ(copy.visibility, Visibility::kFollowers);
  EXPECT_TRUE(copy.embedding_supplied);
  EXPECT_TRUE(copy.embedding.empty());
  EXPECT_EQ(copy.text, post.text);
  EXPECT_EQ(copy.hashtags, post.hashtags);
  PostCatalog without_text;
  Post bare = post;
  bare.text.clear();
  bare.hashtags.clear();
  without_text.put({bare, false});
  EXPECT_EQ(catalog.posts_memory_bytes() - without_text.posts_memory_bytes(),
            post.text.size() + 4 * 4 + 1 + 0 + 305 + 6)
      << "the text and each hashtag behind its 4-byte length count in the breakdown";
}

// Another text replaces a post's block; a tombstone drops text and hashtags.
TEST(PostCatalog, ReplacingAPostReplacesOrDropsItsTextBlock) {
  PostCatalog catalog;
  Post post = post_at(1, 7, 100);
  post.text = "first #one";
  post.hashtags = {"one"};
  catalog.put({post, false});
  const std::size_t with_text = catalog.posts_memory_bytes();
  catalog.put({post, false, 5});
  EXPECT_EQ(catalog.find(1)->text(), "first #one");
  EXPECT_EQ(catalog.find(1)->sequence, 5u);

  post.text = "second #two #three";
  post.hashtags = {"two", "three"};
  catalog.put({post, false});
  EXPECT_EQ(catalog.posts_memory_bytes() - with_text,
            (post.text.size() + 4 + 3 + 4 + 5) - (std::string_view("first #one").size() + 4 + 3))
      << "the old block's bytes leave the breakdown as the new block's enter it";
  EXPECT_EQ(catalog.find(1)->text(), "second #two #three");
  EXPECT_EQ(catalog.find(1)->hashtags(), post.hashtags);
  EXPECT_EQ(catalog.live_count(), 1u);
  EXPECT_EQ(catalog.timeline(7).size(), 1u);

  catalog.put({post, true});
  const PostView& tombstone = *catalog.find(1);
  EXPECT_TRUE(tombstone.deleted);
  EXPECT_TRUE(tombstone.text().empty());
  EXPECT_TRUE(tombstone.hashtags().empty());
  EXPECT_EQ(tombstone.author, 7u) << "a tombstone keeps who wrote it";
  EXPECT_LT(catalog.posts_memory_bytes(), with_text);
  EXPECT_EQ(catalog.live_count(), 0u);
  EXPECT_TRUE(catalog.timeline(7).empty());
}

// A writer grows the id map aside in batches (FeedStore::write): every post stays findable
// through the swaps, including those of earlier batches and replaced posts.
TEST(PostCatalog, BatchesThroughGrownRoomsKeepEveryPost) {
  PostCatalog catalog;
  PostId next = 1;
  for (std::size_t batch = 1; batch <= 40; ++batch) {
    const std::size_t size = batch * 97;
    PostCatalog::Room room = catalog.make_room(size);
    catalog.take_room(room);
    for (std::size_t i = 0; i < size; ++i, ++next)
      catalog.put({post_at(next, next % 13, next), false});
    catalog.put({post_at(next / 2, (next / 2) % 13, next / 2), true});  // replaces one
  }
  for (PostId id = 1; id < next; ++id) {
    const PostView* view = catalog.find(id);
    ASSERT_NE(view, nullptr) << id;
    ASSERT_EQ(view->id, id);
  }
  EXPECT_EQ(catalog.find(next), nullptr);
  std::size_t timelines = 0;
  for (UserId author = 0; author < 13; ++author) timelines += catalog.timeline(author).size();
  EXPECT_EQ(timelines, catalog.live_count());
  EXPECT_EQ(catalog.live_count(), next - 1 - 40);
}

TEST(PostCatalog, TombstoneRemovesPostFromTimelineButKeepsTheId) {
  PostCatalog catalog;
  catalog.put({post_at(1, 7, 100), false});
  catalog.put({post_at(2, 7, 200), false});
  catalog.put({post_at(1, 7, 100), true});
  ASSERT_EQ(catalog.timeline(7).size(), 1u);
  EXPECT_EQ(catalog.timeline(7)[0].id, 2u);
  ASSERT_NE(catalog.find(1), nullptr);
  EXPECT_TRUE(catalog.find(1)->deleted);
  EXPECT_EQ(catalog.live_count(), 1u);
}

TEST(PostCatalog, CountsLivePostsTurnedIntoTombstones) {
  PostCatalog catalog;
  catalog.put({post_at(1, 7, 100), false});
  catalog.put({post_at(2, 7, 200), false});
  EXPECT_EQ(catalog.deletes_applied(), 0u);
  catalog.put({post_at(1, 7, 100), true});
  EXPECT_EQ(catalog.deletes_applied(), 1u);
  catalog.put({post_at(1, 7, 100), true});   // a re-sent delete deletes nothing more
  catalog.put({post_at(3, 7, 300), true});   // a tombstone of a post never seen: nothing to delete
  catalog.put({post_at(2, 7, 200), false});  // a re-sent create
  EXPECT_EQ(catalog.deletes_applied(), 1u);
  catalog.put({post_at(2, 7, 200), true});
  EXPECT_EQ(catalog.deletes_applied(), 2u);
  EXPECT_EQ(catalog.live_count(), 0u);
}

TEST(PostCatalog, KeepsEachAuthorsLiveFollowersOnlyPostsInIdOrder) {
  PostCatalog catalog;
  const auto followers_post = [](PostId id, UserId author) {
    Post post = post_at(id, author, 1000 - static_cast<TimestampMs>(id));  // newest has least id
    post.visibility = Visibility::kFollowers;
    return post;
  };
  catalog.put({followers_post(5, 7), false});
  catalog.put({post_at(4, 7, 50), false});  // public: not listed
  catalog.put({followers_post(2, 7), false});
  catalog.put({followers_post(9, 7), false});
  catalog.put({followers_post(3, 8), false});
  EXPECT_EQ(std::vector<PostId>(catalog.followers_only(7).begin(), catalog.followers_only(7).end()),
            (std::vector<PostId>{2, 5, 9}));
  EXPECT_EQ(catalog.followers_only(8).size(), 1u);
  EXPECT_TRUE(catalog.followers_only(9).empty());

  Post deleted = followers_post(5, 7);
  catalog.put({deleted, true});  // a tombstone leaves the list
  EXPECT_EQ(std::vector<PostId>(catalog.followers_only(7).begin(), catalog.followers_only(7).end()),
            (std::vector<PostId>{2, 9}));
  catalog.put({followers_post(9, 7), false});  // replacing a live post keeps it once
  EXPECT_EQ(catalog.followers_only(7).size(), 2u);
  catalog.put({followers_post(3, 8), true});
  EXPECT_TRUE(catalog.followers_only(8).empty());
  EXPECT_EQ(catalog.timeline(7).size(), 3u) << "the timeline holds public and followers-only";
}

TEST(PostCatalog, EngagementCountersArePerKind) {
  PostCatalog catalog;
  catalog.put({post_at(1, 7, 100), false});
  catalog.count_engagement(1, EngagementKind::kShare);
  catalog.count_engagement(1, EngagementKind::kShare);
  catalog.count_engagement(1, EngagementKind::kView);
  const auto& counts = catalog.find(1)->engagement_counts;
  EXPECT_EQ(counts[static_cast<int>(EngagementKind::kShare)], 2u);
  EXPECT_EQ(counts[static_cast<int>(EngagementKind::kView)], 1u);
  EXPECT_EQ(counts[static_cast<int>(EngagementKind::kLike)], 0u);
  EXPECT_EQ(catalog.engagement_count(), 3u);
}

TEST(SocialGraph, KeepsFolloweesAndFollowerCountsAndCountsEdgesOnce) {
  SocialGraph graph;
  EXPECT_TRUE(graph.add(1, 2));
  EXPECT_FALSE(graph.add(1, 2));
  EXPECT_TRUE(graph.add(3, 2));
  EXPECT_EQ(graph.edge_count(), 2u);
  EXPECT_EQ(graph.follower_count(2), 2u);
  EXPECT_TRUE(graph.followees(1).contains(2));
  EXPECT_FALSE(graph.follows(2, 1));
  EXPECT_TRUE(graph.remove(1, 2));
  EXPECT_FALSE(graph.remove(1, 2));
  EXPECT_EQ(graph.edge_count(), 1u);
  EXPECT_EQ(graph.follower_count(2), 1u);
  EXPECT_TRUE(graph.followees(1).empty());
  EXPECT_TRUE(graph.remove(3, 2));
  EXPECT_EQ(graph.follower_count(2), 0u);
  EXPECT_EQ(graph.edge_count(), 0u);
}

// Follows and unfollows in random order against a reference set: the followee lists hold exactly
// the live edges, ascending, and the follower counts count them.
TEST(SocialGraph, ListsStaySortedAndExactUnderRandomFollowsAndUnfollows) {
  SocialGraph graph;
  std::set<std::pair<UserId, UserId>> edges;
  std::mt19937_64 rng(11);
  for (int step = 0; step < 20'000; ++step) {
    const UserId follower = 1 + rng() % 40, followee = 1 + rng() % 40;
    if (rng() % 3 == 0) {
      EXPECT_EQ(graph.remove(follower, followee), edges.erase({follower, followee}) == 1);
    } else {
      EXPECT_EQ(graph.add(follower, followee), edges.insert({follower, followee}).second);
    }
  }
  EXPECT_EQ(graph.edge_count(), edges.size());
  for (UserId user = 1; user <= 40; ++user) {
    std::vector<UserId> followees;
    std::size_t followers = 0;
    for (const auto& [a, b] : edges) {
      if (a == user) followees.push_back(b);
      if (b == user) ++followers;
    }
    EXPECT_EQ(std::vector<UserId>(graph.followees(user).begin(), graph.followees(user).end()),
              followees) << user;
    EXPECT_EQ(graph.follower_count(user), followers) << user;
    for (UserId other = 1; other <= 40; ++other) {
      ASSERT_EQ(graph.follows(user, other), edges.contains({user, other}));
    }
  }
}

}  // namespace
}  // namespace feedrank::store

namespace feedrank::store {
namespace {

// The memory breakdown counts what is really held: every text's characters, every timeline
// entry; a deleted post's text is freed.
TEST(PostCatalogMemory, CountsTextsAndTimelinesAndFreesDeletedTexts) {
  PostCatalog catalog;
  const std::size_t empty_posts = catalog.posts_memory_bytes();
  for (PostId id = 1; id <= 200; ++id) {
    Post post = post_at(id, id % 10, static_cast<TimestampMs>(id));
    post.text = std::string(1000, 'x');
    catalog.put({post, false});
  }
  const std::size_t with_texts = catalog.posts_memory_bytes();
  EXPECT_GE(with_texts - empty_posts, 200u * 1000u);
  EXPECT_LT(with_texts - empty_posts, 200u * 1000u * 3u) << "an estimate, not a multiple";
  EXPECT_GE(catalog.timelines_memory_bytes(), 200 * sizeof(TimelineEntry));

  for (PostId id = 1; id <= 100; ++id) catalog.put({post_at(id, id % 10, 1), true});
  EXPECT_LE(catalog.posts_memory_bytes(), with_texts - 100u * 1000u);
}

TEST(SocialGraphMemory, GrowsWithTheEdges) {
  SocialGraph graph;
  const std::size_t empty = graph.memory_bytes();
  for (UserId follower = 1; follower <= 100; ++follower) {
    for (UserId followee = 1; followee <= 50; ++followee) graph.add(follower, 1000 + followee);
  }
  // Each of the 5,000 edges is an id in its follower's list; each followee a count.
  EXPECT_GE(graph.memory_bytes() - empty, 5000 * sizeof(UserId) + 50 * sizeof(std::size_t));
}

}  // namespace
}  // namespace feedrank::store
