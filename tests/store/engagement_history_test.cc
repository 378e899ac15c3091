#include "store/engagement_history.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "store/feed_state.h"

namespace feedrank::store {
namespace {

constexpr TimestampMs kHour = 60LL * 60 * 1000;
constexpr TimestampMs kDay = 24 * kHour;
constexpr TimestampMs kHalfLife = 3 * kDay;     // EngagementHistoryOptions' default
constexpr TimestampMs k1979 = 283996800000LL;   // 1979-01-01T00:00:00Z
constexpr TimestampMs k2030 = 1893456000000LL;  // 2030-01-01T00:00:00Z
constexpr TimestampMs kFiveYears = 5 * 365 * kDay;
constexpr TimestampMs kNow = 1700000000000LL;  // 2023-11-14

constexpr int kView = static_cast<int>(EngagementKind::kView);
constexpr int kLike = static_cast<int>(EngagementKind::kLike);
constexpr int kComment = static_cast<int>(EngagementKind::kComment);
constexpr int kShare = static_cast<int>(EngagementKind::kShare);

// 2^(-(now - at) / half_life), computed independently of the store's log2 domain.
double weight_of(TimestampMs now, TimestampMs at, TimestampMs half_life = kHalfLife) {
  return std::pow(0.5, static_cast<double>(now - at) / static_cast<double>(half_life));
}

// A FeedState with users 1..9 and posts built through apply(), as the store does.
class History {
 public:
  History() {
    for (UserId id = 1; id <= 9; ++id) state_.apply(User{id, "u" + std::to_string(id), 0});
  }
  void post(PostId id, UserId author, TimestampMs at = 0) {
    Post post;
    post.id = id;
    post.author = author;
    post.created_at = at;
    post.text = "text";
    state_.apply(StoredPost{post, false, ++sequence_});
  }
  void engage(UserId user, PostId post, EngagementKind kind, TimestampMs at) {
    state_.apply(StoredEngagement{Engagement{user, post, kind, at}, ++sequence_});
  }
  const EngagementHistory& engagements() const { return state_.engagements; }
  const FeedState& state() const { return state_; }

 private:
  FeedState state_;
  Sequence sequence_ = 0;
};

std::vector<PostId> trending(const EngagementHistory& history, std::size_t limit = 1000) {
  std::vector<PostId> order;
  history.for_each_trending([&](PostId post) {
    order.push_back(post);
    return order.size() < limit;
  });
  return order;
}

// Expects `actual` within a relative 1e-10 of `expected`: the log2 domain keeps exponents near
// now / half_life (about 2e4 for a day), whose last bits cost a few 1e-12 relative.
void expect_close(double actual, double expected, const char* what) {
  EXPECT_NEAR(actual, expected, 1e-10 * std::max(1.0, std::abs(expected))) << what;
}

TEST(EngagementHistory, DecayedCountsAreTheHandComputedSumsPerKind) {
  History h;
  h.post(10, 1);
  h.engage(2, 10, EngagementKind::kLike, kNow - 1 * kDay);
  h.engage(3, 10, EngagementKind::kLike, kNow - 4 * kDay);
  h.engage(4, 10, EngagementKind::kComment, kNow - 3 * kDay);  // exactly one half-life
  h.engage(5, 10, EngagementKind::kShare, kNow);
  h.engage(6, 10, EngagementKind::kView, kNow - 6 * kDay);  // two half-lives
  h.engage(7, 10, EngagementKind::kView, kNow - 12 * kHour);

  const auto counts = h.engagements().decayed_counts(10, kNow);
  expect_close(counts[kLike], std::pow(2.0, -1.0 / 3.0) + std::pow(2.0, -4.0 / 3.0), "likes");
  expect_close(counts[kComment], 0.5, "comments");
  expect_close(counts[kShare], 1.0, "shares");
  expect_close(counts[kView], 0.25 + std::pow(2.0, -1.0 / 6.0), "views");
}

TEST(EngagementHistory, DecayedCountsHalveAfterEachHalfLife) {
  History h;
  h.post(10, 1);
  h.engage(2, 10, EngagementKind::kLike, kNow - 2 * kDay);
  h.engage(3, 10, EngagementKind::kLike, kNow - 5 * kDay);
  const double at_now = h.engagements().decayed_counts(10, kNow)[kLike];
  expect_close(at_now, weight_of(kNow, kNow - 2 * kDay) + weight_of(kNow, kNow - 5 * kDay),
               "likes at now");
  expect_close(h.engagements().decayed_counts(10, kNow + kHalfLife)[kLike], at_now / 2,
               "one half-life later");
  expect_close(h.engagements().decayed_counts(10, kNow + 3 * kHalfLife)[kLike], at_now / 8,
               "three half-lives later");
}

TEST(EngagementHistory, AHalfLifeOptionChangesTheDecay) {
  EngagementHistory history({.half_life_ms = kDay});
  history.add({2, 10, EngagementKind::kShare, kNow - 2 * kDay}, 1);
  history.add({3, 10, EngagementKind::kShare, kNow - kDay / 2}, 1);
  expect_close(history.decayed_counts(10, kNow)[kShare], 0.25 + std::sqrt(0.5), "shares");
}

TEST(EngagementHistory, DecayedCountsOfAPostWithoutEngagementsAreZero) {
  History h;
  h.post(10, 1);
  h.post(11, 1);
  h.engage(2, 11, EngagementKind::kLike, kNow);
  for (double count : h.engagements().decayed_counts(10, kNow)) EXPECT_EQ(count, 0.0);
  for (double count : h.engagements().decayed_counts(99, kNow)) EXPECT_EQ(count, 0.0);
  const auto other = h.engagements().decayed_counts(11, kNow);
  EXPECT_EQ(other[kView], 0.0);
  EXPECT_EQ(other[kComment], 0.0);
  EXPECT_EQ(other[kShare], 0.0);
}

// A read at a `now` before some of a post's engagers (a replay at a past time, or engagements a
// client stamped ahead of the server's clock) sums exactly the engagers at or before `now`, on
// posts long enough to have checkpoints and at every kind of `now`: before them all, between
// checkpoints, on an engager's own time, after them all.
TEST(EngagementHistory, ReadsBeforeLaterEngagersSumExactlyThoseAtOrBeforeNow) {
  std::mt19937_64 random(20261203);
  for (const int engager_count : {1, 63, 64, 65, 200, 1000}) {
    History h;
    h.post(10, 1);
    std::vector<Engagement> sent;
    TimestampMs clock = kNow;
    for (int i = 0; i < engager_count; ++i) {
      clock += std::uniform_int_distribution<TimestampMs>(0, kHour)(random);
      // Mostly the arrival's time, some stamped up to a day ahead or a week behind.
      TimestampMs at = clock;
      const int skew = std::uniform_int_distribution<int>(0, 9)(random);
      if (skew == 0) at += std::uniform_int_distribution<TimestampMs>(1, kDay)(random);
      if (skew == 1) at -= std::uniform_int_distribution<TimestampMs>(1, 7 * kDay)(random);
      const auto kind =
          static_cast<EngagementKind>(std::uniform_int_distribution<int>(0, 3)(random));
      const UserId user = static_cast<UserId>(1 + i % 9);
      h.engage(user, 10, kind, at);
      sent.push_back({user, 10, kind, at});
    }
    // Random reads, each engager's own time, and both sides of every checkpoint's latest time
    // (EngagementHistory checkpoints every 64 engagers; the constant is private to it).
    constexpr std::size_t kCheckpointEvery = 64;
    std::vector<TimestampMs> reads = {kNow - 8 * kDay, clock + 2 * kDay};
    std::uniform_int_distribution<TimestampMs> any_time(kNow - 8 * kDay, clock + kDay);
    std::uniform_int_distribution<std::size_t> any_engager(0, sent.size() - 1);
    for (int i = 0; i < 40; ++i) {
      reads.push_back(any_time(random));
      reads.push_back(sent[any_engager(random)].at);
    }
    TimestampMs latest = sent.front().at;
    for (std::size_t i = 0; i < sent.size(); ++i) {
      latest = std::max(latest, sent[i].at);
      if ((i + 1) % kCheckpointEvery == 0 || i + 1 == sent.size()) {
        reads.push_back(latest);
        reads.push_back(latest - 1);
      }
    }
    for (const TimestampMs now : reads) {
      SCOPED_TRACE(testing::Message() << engager_count << " engagers, read at " << now);
      std::array<double, kEngagementKindCount> expected{};
      for (const Engagement& e : sent) {
        if (e.at <= now) expected[static_cast<int>(e.kind)] += weight_of(now, e.at);
      }
      const auto counts = h.engagements().decayed_counts(10, now);
      for (int kind = 0; kind < kEngagementKindCount; ++kind) {
        expect_close(counts[kind], expected[kind], "kind");
      }
    }
  }
}

TEST(EngagementHistory, ByUserKeepsArrivalOrderWithEachPostsAuthor) {
  History h;
  h.post(10, 1);
  h.post(11, 2);
  h.post(12, 3);
  // Arrival order differs from time order on purpose.
  h.engage(5, 12, EngagementKind::kComment, kNow - 1000);
  h.engage(5, 10, EngagementKind::kLike, kNow - 3000);
  h.engage(6, 10, EngagementKind::kView, kNow);
  h.engage(5, 11, EngagementKind::kShare, kNow - 2000);

  const auto mine = h.engagements().by_user(5);
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[0].post, 12u);
  EXPECT_EQ(mine[0].author, 3u);
  EXPECT_EQ(mine[0].kind, EngagementKind::kComment);
  EXPECT_EQ(mine[0].at, kNow - 1000);
  EXPECT_EQ(mine[1].post, 10u);
  EXPECT_EQ(mine[1].author, 1u);
  EXPECT_EQ(mine[1].kind, EngagementKind::kLike);
  EXPECT_EQ(mine[2].post, 11u);
  EXPECT_EQ(mine[2].author, 2u);
  EXPECT_EQ(mine[2].at, kNow - 2000);
  EXPECT_EQ(h.engagements().by_user(6).size(), 1u);
  EXPECT_TRUE(h.engagements().by_user(7).empty());
}

TEST(EngagementHistory, ByPostKeepsArrivalOrderOfEngagers) {
  History h;
  h.post(10, 1);
  h.engage(4, 10, EngagementKind::kLike, kNow - 10);
  h.engage(2, 10, EngagementKind::kView, kNow - 50);
  h.engage(4, 10, EngagementKind::kShare, kNow);
  const auto engagers = h.engagements().by_post(10);
  ASSERT_EQ(engagers.size(), 3u);
  EXPECT_EQ(engagers[0].user, 4u);
  EXPECT_EQ(engagers[0].kind, EngagementKind::kLike);
  EXPECT_EQ(engagers[1].user, 2u);
  EXPECT_EQ(engagers[1].at, kNow - 50);
  EXPECT_EQ(engagers[2].user, 4u);
  EXPECT_EQ(engagers[2].kind, EngagementKind::kShare);
  EXPECT_TRUE(h.engagements().by_post(11).empty());
}

TEST(EngagementHistory, OneRecentLikeOutranksTwoLikesAWeekOlder) {
  // At a 3-day half-life two likes a week older weigh 2 x 2^(-7/3) = 0.397 < 1.
  ASSERT_LT(2 * weight_of(kNow, kNow - 7 * kDay), 1.0);
  History h;
  h.post(10, 1);
  h.post(11, 1);
  h.engage(2, 10, EngagementKind::kLike, kNow - 7 * kDay);
  h.engage(3, 10, EngagementKind::kLike, kNow - 7 * kDay);
  h.engage(4, 11, EngagementKind::kLike, kNow);
  EXPECT_EQ(trending(h.engagements()), (std::vector<PostId>{11, 10}));
}

TEST(EngagementHistory, TwoLikesADayOlderOutrankOneRecentLike) {
  // 2 x 2^(-1/3) = 1.587 > 1: the other side of the previous case.
  History h;
  h.post(10, 1);
  h.post(11, 1);
  h.engage(2, 10, EngagementKind::kLike, kNow - kDay);
  h.engage(3, 10, EngagementKind::kLike, kNow - kDay);
  h.engage(4, 11, EngagementKind::kLike, kNow);
  EXPECT_EQ(trending(h.engagements()), (std::vector<PostId>{10, 11}));
}

TEST(EngagementHistory, TrendingWeighsKindsAndBreaksTiesByLargerId) {
  // Weights VIEW 0.1, LIKE 1, COMMENT 2, SHARE 3, all at the same time:
  // post 10: one share (3); post 11: two likes (2); post 12: one comment (2); post 13: 25 views
  // (2.5); post 14: one view (0.1).
  History h;
  for (PostId id = 10; id <= 14; ++id) h.post(id, 1);
  h.engage(2, 14, EngagementKind::kView, kNow);
  h.engage(2, 10, EngagementKind::kShare, kNow);
  h.engage(2, 11, EngagementKind::kLike, kNow);
  h.engage(3, 11, EngagementKind::kLike, kNow);
  h.engage(2, 12, EngagementKind::kComment, kNow);
  for (int i = 0; i < 25; ++i) h.engage(2, 13, EngagementKind::kView, kNow);
  EXPECT_EQ(trending(h.engagements()), (std::vector<PostId>{10, 13, 12, 11, 14}));
}

TEST(EngagementHistory, TrendingStopsWhenTheVisitorSaysSo) {
  History h;
  for (PostId id = 10; id <= 14; ++id) {
    h.post(id, 1);
    h.engage(2, id, EngagementKind::kLike, kNow + static_cast<TimestampMs>(id));
  }
  EXPECT_EQ(trending(h.engagements(), 2), (std::vector<PostId>{14, 13}));
}

TEST(EngagementHistory, TrendingFollowsLateEngagements) {
  History h;
  h.post(10, 1);
  h.post(11, 1);
  h.engage(2, 10, EngagementKind::kLike, kNow - kDay);
  h.engage(2, 11, EngagementKind::kLike, kNow - 2 * kDay);
  EXPECT_EQ(trending(h.engagements()), (std::vector<PostId>{10, 11}));
  h.engage(3, 11, EngagementKind::kComment, kNow);
  EXPECT_EQ(trending(h.engagements()), (std::vector<PostId>{11, 10}));
}

// The same engagements (relative to `base`) on posts 10..15.
void fill_relative(History& h, TimestampMs base) {
  for (PostId id = 10; id <= 15; ++id) h.post(id, 1, base - 30 * kDay);
  h.engage(2, 10, EngagementKind::kLike, base - 7 * kDay);
  h.engage(3, 10, EngagementKind::kLike, base - 7 * kDay);
  h.engage(4, 11, EngagementKind::kLike, base);
  h.engage(2, 12, EngagementKind::kShare, base - 10 * kDay);
  h.engage(3, 12, EngagementKind::kView, base - kHour);
  h.engage(2, 13, EngagementKind::kComment, base - 2 * kDay);
  h.engage(5, 13, EngagementKind::kLike, base - 20 * kDay);
  for (int i = 0; i < 7; ++i) h.engage(6, 14, EngagementKind::kView, base - i * kHour);
  h.engage(2, 15, EngagementKind::kLike, base - 3 * kDay);
}

TEST(EngagementHistory, DataYearsOldRanksLikeFreshData) {
  History fresh;
  History old;
  fill_relative(fresh, kNow);
  fill_relative(old, kNow - kFiveYears);
  const auto order = trending(fresh.engagements());
  ASSERT_EQ(order.size(), 6u);
  EXPECT_EQ(trending(old.engagements()), order);
  for (PostId id = 10; id <= 15; ++id) {
    const auto a = fresh.engagements().decayed_counts(id, kNow + kDay);
    const auto b = old.engagements().decayed_counts(id, kNow - kFiveYears + kDay);
    for (int kind = 0; kind < kEngagementKindCount; ++kind) {
      EXPECT_NEAR(a[kind], b[kind], 1e-9 * std::max(1.0, a[kind]))
          << "post " << id << " kind " << kind;
    }
  }
}

TEST(EngagementHistory, CountsStayFiniteWithTimesIn1979And2030) {
  History h;
  h.post(10, 1);
  h.post(11, 1);
  h.post(12, 1);
  h.engage(2, 10, EngagementKind::kLike, k1979);
  h.engage(3, 10, EngagementKind::kShare, k1979 - kDay);
  h.engage(2, 11, EngagementKind::kLike, k2030);
  h.engage(3, 11, EngagementKind::kView, k2030 - kHour);
  h.engage(2, 12, EngagementKind::kLike, k1979);  // one post engaged 51 years apart
  h.engage(3, 12, EngagementKind::kLike, k2030);

  const auto in_1979 = h.engagements().decayed_counts(10, k1979);
  expect_close(in_1979[kLike], 1.0, "1979 like read in 1979");
  expect_close(in_1979[kShare], weight_of(k1979, k1979 - kDay), "1979 share read in 1979");
  const auto in_2030 = h.engagements().decayed_counts(11, k2030);
  expect_close(in_2030[kLike], 1.0, "2030 like read in 2030");
  expect_close(in_2030[kView], weight_of(k2030, k2030 - kHour), "2030 view read in 2030");
  const auto both = h.engagements().decayed_counts(12, k2030);
  expect_close(both[kLike], 1.0, "the 1979 like has decayed to nothing by 2030");
  const auto old_read_late = h.engagements().decayed_counts(10, k2030);
  for (int kind = 0; kind < kEngagementKindCount; ++kind) {
    for (double count : {in_1979[kind], in_2030[kind], both[kind], old_read_late[kind]}) {
      EXPECT_TRUE(std::isfinite(count)) << count;
      EXPECT_GE(count, 0.0);
    }
  }
  // Post 11 (like + view in 2030) > post 12 (like in 2030, nothing left of 1979) > post 10.
  EXPECT_EQ(trending(h.engagements()), (std::vector<PostId>{11, 12, 10}));
}

TEST(EngagementHistory, FeedStateCreditsTheEngagementToThePostsAuthor) {
  History h;
  h.post(10, 7);
  h.engage(2, 10, EngagementKind::kLike, kNow);
  ASSERT_EQ(h.engagements().by_user(2).size(), 1u);
  EXPECT_EQ(h.engagements().by_user(2)[0].author, 7u);
  EXPECT_EQ(h.state().posts.find(10)->engagement_counts[kLike], 1u);
}

}  // namespace
TEST(EngagementHistoryTrending, ADeletedPostLeavesTheTrendingOrder) {
  FeedState state;
  state.apply(User{1, "a", 1});
  state.apply(User{2, "b", 1});
  for (PostId id : {10, 11}) {
    Post post;
    post.id = id;
    post.author = 1;
    post.text = "x";
    post.created_at = 1000;
    state.apply(StoredPost{post, false, id});
  }
  state.apply(StoredEngagement{Engagement{2, 10, EngagementKind::kShare, 2000}, 20});
  state.apply(StoredEngagement{Engagement{2, 11, EngagementKind::kLike, 2000}, 21});
  Post deleted;
  deleted.id = 10;
  deleted.author = 1;
  deleted.created_at = 1000;
  state.apply(StoredPost{deleted, true, 22});
  std::vector<PostId> order;
  state.engagements.for_each_trending([&](PostId post) {
    order.push_back(post);
    return true;
  });
  EXPECT_EQ(order, std::vector<PostId>{11});
}

}  // namespace feedrank::store

namespace feedrank::store {
namespace {

TEST(EngagementHistoryBulkLoad, BuildsTheOrderIncrementalAddsKeepLessTheDeletedPosts) {
  EngagementHistory incremental, bulk;
  bulk.begin_bulk_load();
  for (int i = 0; i < 2000; ++i) {
    // Posts 1..300, kinds and times spread so that sums differ and some posts repeat often.
    const PostId post = 1 + static_cast<PostId>((i * 7919) % 300);
    const Engagement engagement{static_cast<UserId>(1 + i % 50), post,
                                static_cast<EngagementKind>(i % 4), 1'000'000LL * (i % 97)};
    incremental.add(engagement, 9);
    bulk.add(engagement, 9);
  }
  std::vector<PostId> none;
  bulk.for_each_trending([&](PostId post) {
    none.push_back(post);
    return true;
  });
  EXPECT_TRUE(none.empty()) << "the order waits for the end of the bulk load";
  for (PostId deleted : {5, 17, 250}) incremental.forget_trending(deleted);
  bulk.end_bulk_load([](PostId post) { return post == 5 || post == 17 || post == 250; });
  const auto incremental_order = trending(incremental);
  EXPECT_EQ(incremental_order.size(), 297u);
  EXPECT_EQ(trending(bulk), incremental_order);
  // Adds after the bulk load keep the order again.
  const Engagement late{1, 42, EngagementKind::kShare, 200'000'000};
  incremental.add(late, 9);
  bulk.add(late, 9);
  EXPECT_EQ(trending(bulk), trending(incremental));
  EXPECT_EQ(trending(bulk).front(), 42u);
}

}  // namespace
}  // namespace feedrank::store
