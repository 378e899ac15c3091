#include "store/feed_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"

namespace feedrank::store {
namespace {

ItemNamer namer() {
  return [](std::size_t index, std::string_view field) {
    return "ops[" + std::to_string(index) + "]." + std::string(field);
  };
}

Post make_post(PostId id, UserId author, TimestampMs at, std::string text = "hello") {
  Post post;
  post.id = id;
  post.author = author;
  post.created_at = at;
  post.text = std::move(text);
  return post;
}

class FeedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen() {
    store_.reset();  // releases the RocksDB lock before reopening
    auto durable = open_rocksdb_store(dir_.sub("db"));
    ASSERT_TRUE(durable.ok()) << durable.status();
    auto store = FeedStore::open(std::move(*durable));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  WriteSummary write_ok(std::vector<WriteOp> ops) {
    auto summary = store_->write(ops, namer());
    EXPECT_TRUE(summary.ok()) << summary.status();
    return summary.ok() ? *summary : WriteSummary{};
  }

  testing::TempDir dir_;
  std::unique_ptr<FeedStore> store_;
};

TEST_F(FeedStoreTest, EverythingWrittenIsThereAfterReopen) {
  write_ok({User{1, "ann", 10}, User{2, "bob", 11}, Follow{1, 2, 12}, make_post(100, 2, 1000),
            make_post(101, 2, 2000), Engagement{1, 100, EngagementKind::kLike, 3000}});
  reopen();
  const auto counts = store_->counts();
  EXPECT_EQ(counts.users, 2u);
  EXPECT_EQ(counts.posts, 2u);
  EXPECT_EQ(counts.follows, 1u);
  EXPECT_EQ(counts.engagements, 1u);
  auto snapshot = store_->snapshot();
  const FeedState& state = snapshot.state();
  EXPECT_EQ(state.users.at(2).handle, "bob");
  EXPECT_TRUE(state.graph.follows(1, 2));
  EXPECT_EQ(state.graph.follower_count(2), 1u);
  ASSERT_EQ(state.posts.timeline(2).size(), 2u);
  EXPECT_EQ(state.posts.timeline(2)[1].id, 101u);
  const PostView* post = state.posts.find(100);
  ASSERT_NE(post, nullptr);
  EXPECT_EQ(post->engagement_counts[static_cast<int>(EngagementKind::kLike)], 1u);
  EXPECT_EQ(post->text(), "hello");
}

// Each write grows the maps its batch would rehash aside and swaps them in under the readers'
// lock (FeedState::make_room): batches of every size across many growths lose nothing.
TEST_F(FeedStoreTest, BatchesAcrossManyMapGrowthsKeepEveryUserAndPost) {
  UserId next_user = 1;
  PostId next_post = 1;
  for (std::size_t batch = 1; batch <= 25; ++batch) {
    std::vector<WriteOp> ops;
    for (std::size_t i = 0; i < batch * 40; ++i, ++next_user) {
      ops.push_back(User{next_user, "u" + std::to_string(next_user), 1});
      ops.push_back(make_post(next_post++, next_user, 1000 + static_cast<TimestampMs>(next_post)));
    }
    write_ok(std::move(ops));
  }
  auto snapshot = store_->snapshot();
  const FeedState& state = snapshot.state();
  ASSERT_EQ(state.users.size(), next_user - 1);
  for (UserId user = 1; user < next_user; ++user) {
    ASSERT_EQ(state.users.at(user).handle, "u" + std::to_string(user));
    const auto by_handle = state.handles.users("u" + std::to_string(user));
    ASSERT_EQ(std::vector<UserId>(by_handle.begin(), by_handle.end()), std::vector<UserId>{user});
  }
  for (PostId post = 1; post < next_post; ++post) {
    ASSERT_NE(state.posts.find(post), nullptr) << post;
  }
  EXPECT_EQ(state.posts.live_count(), next_post - 1);
}

// What a test compares before and after a reopen: every user's followees and follower count, every
// author's timeline, every post's counts and every user's engagements.
std::string describe(const FeedState& state, UserId users, PostId posts) {
  std::string out;
  for (UserId user = 1; user <= users; ++user) {
    out += "u" + std::to_string(user) + " follows";
    for (UserId followee : state.graph.followees(user)) out += " " + std::to_string(followee);
    out += "; followers " + std::to_string(state.graph.follower_count(user));
    out += "; posts";
    for (const TimelineEntry& entry : state.posts.timeline(user)) {
      out += " " + std::to_string(entry.id);
    }
    // In their order: "the newest N" engagements of a user or a post feed the ranking.
    out += "; engaged with";
    for (const UserEngagement& engagement : state.engagements.by_user(user)) {
      out += " " + std::to_string(engagement.post) + "@" + std::to_string(engagement.at);
    }
    out += "\n";
  }
  for (PostId post = 1; post <= posts; ++post) {
    const PostView* view = state.posts.find(post);
    if (view == nullptr) continue;
    out += "p" + std::to_string(post) + (view->deleted ? " deleted" : " live");
    for (std::uint32_t count : view->engagement_counts) out += " " + std::to_string(count);
    out += "; engagers";
    for (const PostEngager& engager : state.engagements.by_post(post)) {
      out += " " + std::to_string(engager.user) + "@" + std::to_string(engager.at);
    }
    out += "\n";
  }
  return out;
}

// Batches are applied with prefetching ahead (common/batch_prefetch.h), and the replay at a
// reopen applies its records in batches too: with every kind of record, interleaved, over many
// batches of either, the state read back is the state written.
TEST_F(FeedStoreTest, AReopenRebuildsWhatManyMixedBatchesWrote) {
  constexpr UserId kUsers = 60;
  constexpr PostId kPosts = 900;
  std::vector<WriteOp> users;
  for (UserId user = 1; user <= kUsers; ++user) {
    users.push_back(User{user, "u" + std::to_string(user), 1});
  }
  write_ok(std::move(users));
  std::uint64_t state = 12345;
  const auto next = [&](std::uint64_t bound) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return (state >> 33) % bound;
  };
  std::set<PostId> deleted;
  for (PostId post = 1; post <= kPosts; post += 100) {
    std::vector<WriteOp> ops;
    for (PostId id = post; id < post + 100; ++id) {
      const UserId author = 1 + next(kUsers);
      ops.push_back(make_post(id, author, 1000 + static_cast<TimestampMs>(next(100'000))));
      const UserId follower = 1 + next(kUsers);
      if (follower != author) ops.push_back(Follow{follower, author, 2});
      const PostId engaged = 1 + next(id);
      if (!deleted.contains(engaged)) {
        ops.push_back(Engagement{1 + next(kUsers), engaged,
                                 static_cast<EngagementKind>(next(kEngagementKindCount)),
                                 200'000 + static_cast<TimestampMs>(id)});
      }
      const UserId unfollower = 1 + next(kUsers), unfollowed = 1 + next(kUsers);
      if (next(7) == 0 && unfollower != unfollowed) ops.push_back(Unfollow{unfollower, unfollowed});
    }
    write_ok(std::move(ops));
    std::vector<WriteOp> deletes;  // a deleting batch is prepared alone
    while (deletes.size() < 5) {
      const PostId id = 1 + next(post + 99);
      if (deleted.insert(id).second) deletes.push_back(DeletePost{id});
    }
    EXPECT_EQ(write_ok(std::move(deletes)).posts_deleted, 5u);
  }
  const auto counts = store_->counts();
  ASSERT_GT(counts.follows, 100u);
  ASSERT_GT(counts.engagements, 500u);
  std::string written;
  {
    auto snapshot = store_->snapshot();
    written = describe(snapshot.state(), kUsers, kPosts);
  }
  reopen();
  auto snapshot = store_->snapshot();
  EXPECT_EQ(describe(snapshot.state(), kUsers, kPosts), written);
  EXPECT_EQ(store_->counts().posts, counts.posts);
  EXPECT_EQ(store_->counts().follows, counts.follows);
  EXPECT_EQ(store_->counts().engagements, counts.engagements);
}

TEST_F(FeedStoreTest, CreatingTheSamePostTwiceStoresItOnce) {
  write_ok({User{1, "ann", 10}, make_post(100, 1, 1000, "first")});
  const auto summary = write_ok({make_post(100, 1, 5000, "second")});
  EXPECT_EQ(summary.posts_created, 0u);
  EXPECT_EQ(summary.unchanged, 1u);
  reopen();
  auto snapshot = store_->snapshot();
  EXPECT_EQ(snapshot.state().posts.find(100)->text(), "first");
  EXPECT_EQ(snapshot.state().posts.timeline(1).size(), 1u);
}

TEST_F(FeedStoreTest, BatchWithOneBadItemWritesNothing) {
  write_ok({User{1, "ann", 10}});
  std::vector<WriteOp> ops{make_post(100, 1, 1000), make_post(101, 99, 1000)};
  auto result = store_->write(ops, namer());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(result.status().message()).find("ops[1].author_id"), std::string::npos)
      << result.status();
  reopen();
  EXPECT_EQ(store_->counts().posts, 0u);
}

TEST_F(FeedStoreTest, LaterItemsMayReferToEarlierItemsOfTheSameBatch) {
  const auto summary =
      write_ok({User{1, "ann", 10}, User{2, "bob", 10}, Follow{2, 1, 11}, make_post(100, 1, 1000),
                Engagement{2, 100, EngagementKind::kView, 2000}, DeletePost{100}});
  EXPECT_EQ(summary.users_created, 2u);
  EXPECT_EQ(summary.posts_created, 1u);
  EXPECT_EQ(summary.posts_deleted, 1u);
  EXPECT_EQ(summary.engagements_recorded, 1u);
  EXPECT_EQ(store_->counts().posts, 0u);
}

TEST_F(FeedStoreTest, DeletedPostLeavesTimelineAndStaysDeleted) {
  write_ok({User{1, "ann", 10}, make_post(100, 1, 1000), make_post(101, 1, 1001)});
  EXPECT_EQ(write_ok({DeletePost{100}}).posts_deleted, 1u);
  EXPECT_EQ(write_ok({DeletePost{100}}).unchanged, 1u);
  EXPECT_EQ(write_ok({make_post(100, 1, 1000, "again")}).unchanged, 1u);  // no resurrection
  reopen();
  auto snapshot = store_->snapshot();
  const auto timeline = snapshot.state().posts.timeline(1);
  ASSERT_EQ(timeline.size(), 1u);
  EXPECT_EQ(timeline[0].id, 101u);
  const PostView* tombstone = snapshot.state().posts.find(100);
  ASSERT_NE(tombstone, nullptr);
  EXPECT_TRUE(tombstone->deleted);
  EXPECT_TRUE(tombstone->text().empty()) << "deleted text must not be kept";
}

TEST_F(FeedStoreTest, EngagementsAreIdempotentAcrossBatchesAndRestarts) {
  write_ok({User{1, "ann", 10}, make_post(100, 1, 1000)});
  const Engagement like{1, 100, EngagementKind::kLike, 2000};
  EXPECT_EQ(write_ok({like, like}).engagements_recorded, 1u);
  reopen();
  const auto again = write_ok({like, Engagement{1, 100, EngagementKind::kLike, 2001}});
  EXPECT_EQ(again.engagements_recorded, 1u);
  EXPECT_EQ(again.unchanged, 1u);
  EXPECT_EQ(store_->counts().engagements, 2u);
}

std::vector<PostId> trending_of(const FeedState& state) {
  std::vector<PostId> order;
  state.engagements.for_each_trending([&](PostId post) {
    order.push_back(post);
    return true;
  });
  return order;
}

// The replay brings engagements after every post, tombstones included: the trending order it
// builds must still leave deleted posts out, and equal the one the writes kept.
TEST_F(FeedStoreTest, TrendingAfterAReopenEqualsTheWritersAndLeavesOutDeletedPosts) {
  std::vector<WriteOp> ops{User{1, "ann", 10}, User{2, "bob", 11}};
  for (PostId id = 100; id < 160; ++id) ops.push_back(make_post(id, 1, 1000 + id));
  for (PostId id = 100; id < 160; ++id) {
    for (int i = 0; i < static_cast<int>(id % 5); ++i) {
      const auto at = static_cast<TimestampMs>(5000 + 7 * id + i);
      ops.push_back(Engagement{2, id, static_cast<EngagementKind>(i % 4), at});
    }
  }
  write_ok(std::move(ops));
  write_ok({DeletePost{104}, DeletePost{119}});
  std::vector<PostId> before;
  {
    auto snapshot = store_->snapshot();
    before = trending_of(snapshot.state());
  }
  ASSERT_EQ(before.size(), 48u - 2u);  // posts with 1..4 engagements, less the two deleted
  reopen();
  {
    auto snapshot = store_->snapshot();
    EXPECT_EQ(trending_of(snapshot.state()), before);
  }
  // Writes after the replay update the order again: three shares lift a post to the top.
  write_ok({Engagement{2, 101, EngagementKind::kShare, 90000},
            Engagement{2, 101, EngagementKind::kShare, 90001},
            Engagement{2, 101, EngagementKind::kShare, 90002}});
  auto snapshot = store_->snapshot();
  EXPECT_EQ(trending_of(snapshot.state()).front(), 101u);
}

TEST_F(FeedStoreTest, EngagementWithDeletedPostIsNotFound) {
  write_ok({User{1, "ann", 10}, make_post(100, 1, 1000), DeletePost{100}});
  std::vector<WriteOp> ops{Engagement{1, 100, EngagementKind::kLike, 2000}};
  auto result = store_->write(ops, namer());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(FeedStoreTest, FollowUnfollowAndUpsertReportWhatChanged) {
  write_ok({User{1, "ann", 10}, User{2, "bob", 10}});
  EXPECT_EQ(write_ok({Follow{1, 2, 20}, Follow{1, 2, 21}}).follows_created, 1u);
  const auto unfollow = write_ok({Unfollow{1, 2}, Unfollow{1, 2}});
  EXPECT_EQ(unfollow.follows_removed, 1u);
  EXPECT_EQ(unfollow.unchanged, 1u);
  EXPECT_EQ(write_ok({User{1, "ann", 10}}).unchanged, 1u);
  EXPECT_EQ(write_ok({User{1, "annie", 10}}).users_updated, 1u);
  reopen();
  auto snapshot = store_->snapshot();
  EXPECT_FALSE(snapshot.state().graph.follows(1, 2));
  EXPECT_EQ(snapshot.state().users.at(1).handle, "annie");
}

TEST_F(FeedStoreTest, SelfFollowIsRejected) {
  write_ok({User{1, "ann", 10}});
  std::vector<WriteOp> ops{Follow{1, 1, 20}};
  auto result = store_->write(ops, namer());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
}

// Readers whose snapshots overlap leave the lock never free; request snapshots let a waiting
// writer in, so writes go on at their own pace instead of waiting for the readers to stop.
TEST_F(FeedStoreTest, OverlappingRequestsDoNotStarveWriters) {
  write_ok({User{1, "ann", 10}});
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&, r] {
      std::this_thread::sleep_for(std::chrono::milliseconds(r));  // staggered: always one holds
      while (!stop) {
        auto snapshot = store_->request_snapshot();
        std::this_thread::sleep_for(std::chrono::milliseconds(4));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::atomic<bool> written{false};
  std::thread writer([&] {
    for (PostId id = 1; id <= 20; ++id) write_ok({make_post(id, 1, static_cast<TimestampMs>(id))});
    written = true;
  });
  // Each write waits for the readers in flight (4 ms) plus its fsync; with a reader-preferring
  // lock alone, the writes waited until the readers stopped.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!written && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool written_while_reading = written;
  stop = true;
  for (auto& reader : readers) reader.join();
  writer.join();
  EXPECT_TRUE(written_while_reading) << "20 writes did not get in within 5 s of readers";
  EXPECT_EQ(store_->counts().posts, 20u);
}

TEST(RocksDbStore, SecondOpenOfTheSameDirectoryFailsWithAReason) {
  testing::TempDir dir;
  auto first = open_rocksdb_store(dir.sub("db"));
  ASSERT_TRUE(first.ok());
  auto second = open_rocksdb_store(dir.sub("db"));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(std::string(second.status().message()).find("lock"), std::string::npos)
      << second.status();
}

}  // namespace
}  // namespace feedrank::store
