// FeedEngine::get_feed in ALGORITHMIC mode over a real RocksDB store: pages continue the list
// ranked for the first page (no repeats while writes arrive), an expired list gets its
// documented code, first pages past the bound on rankings in flight are refused, as_of hides later posts and ranks data years old like fresh data, visibility,
// mutes and deletes hold, explanations add up.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <mutex>
#include <set>
#include <thread>

#include "ranker/feed_cursor.h"
#include "ranker/feed_engine.h"
#include "ranker/wall_clock.h"
#include "store/durable_store.h"
#include "tests/support/temp_dir.h"

namespace feedrank::ranker {
namespace {

using ::testing::HasSubstr;

constexpr TimestampMs kDay = 24LL * 60 * 60 * 1000;
constexpr TimestampMs kStart = 1'700'000'000'000;  // Nov 2023
constexpr UserId kViewer = 1;
constexpr UserId kFollowed = 2;
constexpr UserId kStranger = 3;
constexpr int kOtherUsers = 20;  // users 10.. engage and post

Post text_post(PostId id, UserId author, std::string text, TimestampMs at) {
  Post post;
  post.id = id;
  post.author = author;
  post.text = std::move(text);
  post.created_at = at;
  return post;
}

class AlgorithmicFeedTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open(AlgorithmicOptions options = {}, std::string store = "store") {
    engine_.reset();
    auto durable = store::open_rocksdb_store(dir_.sub(store));
    ASSERT_TRUE(durable.ok()) << durable.status();
    CorpusVectorOptions vectors;
    vectors.users.dimension = 32;
    RetrievalOptions retrieval;
    retrieval.backend = kernels::BackendRequest::kCpu;
    retrieval.cpu_index = cpu_index_;
    auto engine = FeedEngine::open(std::move(*durable), std::move(vectors), retrieval, options);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
  }

  void write(std::vector<WriteOp> ops) {
    auto written = engine_->write(std::move(ops), [](std::size_t i, std::string_view field) {
      return "ops[" + std::to_string(i) + "]." + std::string(field);
    });
    ASSERT_TRUE(written.ok()) << written.status();
  }

  // The viewer follows user 2; users 10.. post about music or gardening and like each other's
  // posts; the viewer likes music posts. Every time is `shift` later.
  void write_corpus(TimestampMs shift = 0) {
    std::vector<WriteOp> ops = {
        User{kViewer, "viewer", kStart + shift}, User{kFollowed, "followed", kStart + shift},
        User{kStranger, "stranger", kStart + shift}, Follow{kViewer, kFollowed, kStart + shift}};
    for (int u = 0; u < kOtherUsers; ++u) ops.push_back(User{UserId(10 + u), "u", kStart + shift});
    PostId id = 100;
    for (int day = 0; day < 6; ++day) {
      for (int u = 0; u < kOtherUsers; ++u) {
        Post post;
        post.id = id++;
        post.author = 10 + u;
        post.text =
            u % 2 == 0 ? "guitar chords melody album #music" : "tomato compost seeds #garden";
        post.created_at = kStart + shift + day * kDay + u * 1000;
        ops.push_back(post);
      }
      Post followed;
      followed.id = id++;
      followed.author = kFollowed;
      followed.text = "a note from the account the viewer follows";
      followed.created_at = kStart + shift + day * kDay + 500;
      ops.push_back(followed);
    }
    last_post_ = id - 1;
    // Likes: everyone likes the first music posts; the viewer likes two music posts.
    for (int u = 0; u < kOtherUsers; ++u) {
      for (PostId p = 100; p < 106; p += 2) {
        ops.push_back(
            Engagement{UserId(10 + u), p, EngagementKind::kLike, kStart + shift + kDay + u});
      }
    }
    ops.push_back(Engagement{kViewer, 100, EngagementKind::kLike, kStart + shift + kDay});
    ops.push_back(Engagement{kViewer, 102, EngagementKind::kLike, kStart + shift + kDay});
    write(std::move(ops));
  }

  FeedRequest request(int limit, TimestampMs as_of = kStart + 6 * kDay) {
    FeedRequest r;
    r.viewer = kViewer;
    r.mode = FeedMode::kAlgorithmic;
    r.limit = limit;
    r.as_of = as_of;
    return r;
  }

  FeedPage page(const FeedRequest& r) {
    auto result = engine_->get_feed(r);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? std::move(*result) : FeedPage{};
  }

  // Every page of the feed from the first, following cursors.
  std::vector<FeedItem> all_pages(FeedRequest r) {
    std::vector<FeedItem> items;
    for (int pages = 0; pages < 100; ++pages) {
      FeedPage p = page(r);
      items.insert(items.end(), p.items.begin(), p.items.end());
      if (p.next_cursor.empty()) break;
      r.cursor = p.next_cursor;
    }
    return items;
  }

  testing::TempDir dir_;
  CpuIndexKind cpu_index_ = CpuIndexKind::kExact;
  std::unique_ptr<FeedEngine> engine_;
  PostId last_post_ = 0;
};

TEST_F(AlgorithmicFeedTest, ServesRankedItemsWithTheConfigVersionAndBackend) {
  write_corpus();
  const FeedPage first = page(request(10));
  ASSERT_EQ(first.items.size(), 10u);
  EXPECT_EQ(first.stats.config_version, default_ranking_config().version);
  EXPECT_THAT(first.stats.backend, HasSubstr("cpu"));
  EXPECT_TRUE(first.stats.degraded.empty());
  for (std::size_t i = 1; i < first.items.size(); ++i) {
    EXPECT_GE(first.items[i - 1].score, first.items[i].score) << "position " << i;
  }
}

TEST_F(AlgorithmicFeedTest, NeverServesTheViewersOwnOrAlreadyLikedPosts) {
  write_corpus();
  write({text_post(900, kViewer, "my own post about guitar chords", kStart + 5 * kDay)});
  for (const FeedItem& item : all_pages(request(50))) {
    EXPECT_NE(item.author, kViewer);
    EXPECT_NE(item.post, 100u);
    EXPECT_NE(item.post, 102u);
  }
}

TEST_F(AlgorithmicFeedTest, PagesContinueTheFirstPagesListWithoutRepeatsWhileWritesArrive) {
  write_corpus();
  FeedRequest r = request(7);
  std::set<PostId> seen;
  std::size_t served = 0;
  PostId next_id = 5000;
  for (int pages = 0; pages < 50; ++pages) {
    FeedPage p = page(r);
    for (const FeedItem& item : p.items) {
      EXPECT_TRUE(seen.insert(item.post).second) << "post " << item.post << " repeated";
      EXPECT_LT(item.post, 5000u) << "a post written after the first page joined the list";
      ++served;
    }
    if (p.next_cursor.empty()) break;
    r.cursor = p.next_cursor;
    // New, very popular posts by the followed account between pages.
    write({text_post(next_id, kFollowed, "breaking news about guitar chords", kStart + 5 * kDay),
           Engagement{10, next_id, EngagementKind::kShare, kStart + 5 * kDay + 1}});
    ++next_id;
  }
  EXPECT_GT(served, 14u);  // more than two pages
}

TEST_F(AlgorithmicFeedTest, APostDeletedAfterRankingIsNotServedOnLaterPages) {
  write_corpus();
  const std::vector<FeedItem> everything = all_pages(request(500));
  ASSERT_GT(everything.size(), 6u);
  const PostId doomed = everything[5].post;

  FeedPage first = page(request(3));
  write({DeletePost{doomed}});
  FeedRequest next = request(3);
  next.cursor = first.next_cursor;
  for (const FeedItem& item : all_pages(next)) EXPECT_NE(item.post, doomed);
}

TEST_F(AlgorithmicFeedTest, AnExpiredListGetsFailedPreconditionTellingTheClientToStartOver) {
  AlgorithmicOptions options;
  options.cache.ttl = std::chrono::milliseconds(1);
  open(options);
  write_corpus();
  FeedPage first = page(request(3));
  ASSERT_FALSE(first.next_cursor.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  FeedRequest next = request(3);
  next.cursor = first.next_cursor;
  auto result = engine_->get_feed(next);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(), HasSubstr("first page again"));
}

TEST_F(AlgorithmicFeedTest, FirstPagesPastTheRankingBoundAreRefusedAtOnceCursorPagesAreNot) {
  AlgorithmicOptions options;
  options.max_rankings_in_flight = 1;
  open(options);
  write_corpus();
  FeedRequest next = request(3);
  next.cursor = page(request(3)).next_cursor;
  ASSERT_FALSE(next.cursor.empty());

  // Two threads rank first pages until their rankings have overlapped (the second is refused);
  // a third reads a cursor's page meanwhile, from the cache, which the bound does not count.
  std::atomic<int> served{0}, refused{0}, other{0}, cursor_pages{0}, cursor_failed{0};
  std::atomic<bool> stop{false};
  std::string refusal;
  std::mutex refusal_mutex;
  const auto first_pages = [&] {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!stop && std::chrono::steady_clock::now() < give_up) {
      auto result = engine_->get_feed(request(3));
      if (result.ok()) {
        ++served;
      } else if (result.status().code() == absl::StatusCode::kResourceExhausted) {
        std::lock_guard lock(refusal_mutex);
        refusal = std::string(result.status().message());
        if (++refused >= 5 && served >= 5 && cursor_pages >= 5) stop = true;
      } else {
        ++other;
      }
    }
    stop = true;
  };
  std::thread a(first_pages), b(first_pages);
  std::thread pager([&] {
    while (!stop) (engine_->get_feed(next).ok() ? cursor_pages : cursor_failed)++;
  });
  a.join();
  b.join();
  pager.join();
  EXPECT_GE(refused.load(), 5) << "two threads ranking at once never met the bound of 1";
  EXPECT_GE(served.load(), 5);
  EXPECT_EQ(other.load(), 0);
  EXPECT_THAT(refusal, HasSubstr("1 feeds being ranked"));
  EXPECT_THAT(refusal, HasSubstr("--max-rankings-in-flight"));
  EXPECT_GE(cursor_pages.load(), 5);
  EXPECT_EQ(cursor_failed.load(), 0);
  EXPECT_FALSE(page(request(3)).items.empty()) << "the slot is given back";
}

TEST_F(AlgorithmicFeedTest, ACursorOfTheOtherModeOrViewerIsRejected) {
  write_corpus();
  FeedPage first = page(request(3));
  FeedRequest chronological = request(3);
  chronological.mode = FeedMode::kChronological;
  chronological.cursor = first.next_cursor;
  EXPECT_EQ(engine_->get_feed(chronological).status().code(), absl::StatusCode::kInvalidArgument);
  FeedRequest other = request(3);
  other.viewer = kStranger;
  other.cursor = first.next_cursor;
  EXPECT_EQ(engine_->get_feed(other).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(AlgorithmicFeedTest, ACursorEditedToNameAnotherViewerDoesNotServeTheirList) {
  write_corpus();
  FeedPage first = page(request(3));
  auto cursor = decode_cursor(first.next_cursor);
  ASSERT_TRUE(cursor.ok());
  cursor->viewer = kStranger;  // the checksum is recomputed: no signature stops this edit
  FeedRequest forged = request(3);
  forged.viewer = kStranger;
  forged.cursor = encode_cursor(*cursor);
  auto result = engine_->get_feed(forged);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("cursor"));
}

// The cursor's checksum is no signature either for the mode or the experiment arm: a list is
// served only under those it was ranked for (another arm's pages would be logged and credited to
// it in reports).
TEST_F(AlgorithmicFeedTest, ACursorEditedToNameAnotherModeOrArmDoesNotServeTheList) {
  write_corpus();
  FeedRequest first_request = request(3);
  first_request.arm_tag = 7;
  const FeedPage first = page(first_request);
  for (int edit : {0, 1}) {
    auto cursor = decode_cursor(first.next_cursor);
    ASSERT_TRUE(cursor.ok());
    FeedRequest forged = first_request;
    if (edit == 0) {
      cursor->mode = forged.mode = FeedMode::kInterleaved;
    } else {
      cursor->arm_tag = forged.arm_tag = 8;
    }
    forged.cursor = encode_cursor(*cursor);
    auto result = engine_->get_feed(forged);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << "edit " << edit;
    EXPECT_THAT(result.status().message(), HasSubstr("cursor")) << "edit " << edit;
  }
  FeedRequest next = first_request;
  next.cursor = first.next_cursor;
  EXPECT_TRUE(engine_->get_feed(next).ok()) << "the cursor as issued";
}

// Writes may be dated up to a day ahead of the server's clock; a page as of now (as_of 0) shows
// none of them, and a page as of a time shows every post of that very millisecond, whatever its id.
TEST_F(AlgorithmicFeedTest, AChronologicalPageShowsNoPostDatedAfterItsNow) {
  write_corpus();
  const TimestampMs later = wall_clock_ms() + 3'600'000;
  Post ahead;
  ahead.id = 9000;
  ahead.author = kFollowed;
  ahead.text = "dated an hour ahead";
  ahead.created_at = later;
  Post largest_id = ahead;
  largest_id.id = ~PostId{0};
  largest_id.text = "the largest id there is";
  largest_id.created_at = kStart + 3 * kDay;
  write({ahead, largest_id});

  FeedRequest now = request(50, 0);
  now.mode = FeedMode::kChronological;
  const FeedPage at_now = page(now);
  ASSERT_FALSE(at_now.items.empty());
  for (const FeedItem& item : at_now.items) EXPECT_NE(item.post, 9000u) << "dated after now";

  FeedRequest at_its_time = request(1, kStart + 3 * kDay);
  at_its_time.mode = FeedMode::kChronological;
  const FeedPage exactly = page(at_its_time);
  ASSERT_EQ(exactly.items.size(), 1u);
  EXPECT_EQ(exactly.items[0].post, ~PostId{0});
  FeedRequest as_of_later = request(1, later);
  as_of_later.mode = FeedMode::kChronological;
  const FeedPage ahead_page = page(as_of_later);
  ASSERT_EQ(ahead_page.items.size(), 1u);
  EXPECT_EQ(ahead_page.items[0].post, 9000u);
}

// Team-draft interleaving: the chronological team's list leaves out muted authors as the
// algorithmic one does, so its turns are not spent on items the page then skips.
TEST_F(AlgorithmicFeedTest, AnInterleavedPageGivesTheChronologicalTeamItsTurnsWhenAuthorsAreMuted) {
  write_corpus();
  write({Follow{kViewer, 10, kStart}});  // user 10's posts are older than user 2's each day
  FeedRequest interleaved = request(10);
  interleaved.mode = FeedMode::kInterleaved;
  interleaved.muted_authors = {kFollowed};
  const FeedPage first = page(interleaved);
  ASSERT_EQ(first.items.size(), 10u);
  bool chronological_team = false;
  for (const FeedItem& item : first.items) {
    EXPECT_NE(item.author, kFollowed);
    chronological_team |= item.team == InterleavingTeam::kA;
  }
  EXPECT_TRUE(chronological_team);
  // No drafted entry was skipped: the page took exactly its 10 items from the list.
  const auto cursor = decode_cursor(first.next_cursor);
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(cursor->offset, 10u) << "the list held muted posts that the page skipped";
}

TEST_F(AlgorithmicFeedTest, LaterPagesDropPostsHiddenByAnUnfollowOrMutedSince) {
  write_corpus();
  // Followers-only posts by user 10, whom the viewer follows for now.
  std::vector<WriteOp> ops = {Follow{kViewer, 10, kStart}};
  for (PostId id = 8000; id < 8010; ++id) {
    Post hidden;
    hidden.id = id;
    hidden.author = 10;
    hidden.text = "guitar chords melody album #music for followers";
    hidden.created_at = kStart + 5 * kDay + static_cast<TimestampMs>(id);
    hidden.visibility = Visibility::kFollowers;
    ops.push_back(hidden);
  }
  write(std::move(ops));
  bool listed = false;
  for (const FeedItem& item : all_pages(request(500)))
    listed |= item.post >= 8000 && item.post < 8010;
  ASSERT_TRUE(listed) << "the followers-only posts should be in the follower's list";
  FeedRequest r = request(1);
  FeedPage first = page(r);
  ASSERT_FALSE(first.next_cursor.empty());
  write({Unfollow{kViewer, 10}});
  r.cursor = first.next_cursor;
  r.muted_authors = {12};
  for (const FeedItem& item : all_pages(r)) {
    EXPECT_FALSE(item.post >= 8000 && item.post < 8010) << "followers-only post " << item.post;
    EXPECT_NE(item.author, 12u) << "muted on a later page";
  }
}

TEST_F(AlgorithmicFeedTest, AsOfHidesPostsCreatedLaterInBothModes) {
  write_corpus();
  const TimestampMs as_of = kStart + 2 * kDay + 10;  // days 0..2 (part of day 2)
  for (FeedMode mode : {FeedMode::kAlgorithmic, FeedMode::kChronological}) {
    FeedRequest r = request(50, as_of);
    r.mode = mode;
    const auto items = all_pages(r);
    EXPECT_FALSE(items.empty());
    for (const FeedItem& item : items) EXPECT_LE(item.created_at, as_of) << item.post;
  }
}

// At a past as_of, posts created after it do not take the out-of-network search's slots: its
// window ends where the rows that are all newer begin. Here 100 newer posts (from row 1,024, a
// block's start) match the viewer's interest as well as the 20 older ones and win the ties
// (smaller ids): searched with them, the source's 50 places went to newer posts, all dropped, and
// no older post was left to show. The same with HNSW, whose walk would spend its beam on the
// newer rows: the window is scanned exactly.
class PastAsOfOutOfNetwork : public AlgorithmicFeedTest,
                             public ::testing::WithParamInterface<CpuIndexKind> {
 protected:
  void SetUp() override {
    cpu_index_ = GetParam();
    AlgorithmicOptions options;
    options.config.out_of_network_k = 50;  // fewer rows for HNSW to index (slow under ASan)
    open(options);
  }
};

TEST_P(PastAsOfOutOfNetwork, SearchesThePostsOfItsTime) {
  constexpr UserId kAuthor = 10;
  const std::string music = "guitar chords melody album";
  std::vector<WriteOp> ops = {User{kViewer, "viewer", kStart}, User{kAuthor, "author", kStart}};
  ops.push_back(text_post(5000, kAuthor, music, kStart));
  for (PostId id = 6000; id < 7003; ++id) {  // older posts about something else
    ops.push_back(text_post(id, kAuthor, "tomato compost seeds", kStart + 1 + id));
  }
  for (PostId id = 5001; id <= 5020; ++id) {
    ops.push_back(text_post(id, kAuthor, music, kStart + kDay + id));
  }
  ops.push_back(Engagement{kViewer, 5000, EngagementKind::kLike, kStart + kDay});
  write(std::move(ops));
  std::vector<WriteOp> newer;
  for (PostId id = 1; id <= 100; ++id) {
    newer.push_back(text_post(id, kAuthor, music, kStart + 3 * kDay + static_cast<TimestampMs>(id)));
  }
  write(std::move(newer));
  // In the index, not the exact scan of its tail.
  ASSERT_TRUE(engine_->wait_until_indexed(std::chrono::seconds(120)));
  EXPECT_EQ(engine_->counts().index_lag, 0u);

  const TimestampMs as_of = kStart + 2 * kDay;
  std::set<PostId> older_music;
  for (const FeedItem& item : page(request(100, as_of)).items) {
    EXPECT_LE(item.created_at, as_of) << item.post;
    if (item.post > 5000 && item.post <= 5020) {
      EXPECT_EQ(item.source, CandidateSource::kOutOfNetwork) << item.post;
      older_music.insert(item.post);
    }
  }
  EXPECT_EQ(older_music.size(), 20u);
}

INSTANTIATE_TEST_SUITE_P(CpuIndexes, PastAsOfOutOfNetwork,
                         ::testing::Values(CpuIndexKind::kExact, CpuIndexKind::kHnsw),
                         [](const auto& info) {
                           return std::string(info.param == CpuIndexKind::kExact ? "Exact"
                                                                                 : "Hnsw");
                         });

// A later page's as_of may be older than the first page's: it shows nothing created after its
// own now, in the ranked modes as in the chronological one (the list was ranked at the first's).
TEST_F(AlgorithmicFeedTest, ALaterPageWithAnOlderAsOfShowsNothingCreatedAfterIt) {
  write_corpus();
  const TimestampMs older = kStart + 3 * kDay;
  for (FeedMode mode : {FeedMode::kAlgorithmic, FeedMode::kInterleaved}) {
    FeedRequest first = request(3, kStart + 6 * kDay);
    first.mode = mode;
    const FeedPage first_page = page(first);
    ASSERT_FALSE(first_page.next_cursor.empty());
    FeedRequest later = request(3, older);
    later.mode = mode;
    later.cursor = first_page.next_cursor;
    const std::vector<FeedItem> items = all_pages(later);
    EXPECT_FALSE(items.empty()) << "older posts are still in the list";
    for (const FeedItem& item : items) {
      EXPECT_LE(item.created_at, older) << "post " << item.post << " in mode " << int(mode);
    }
  }
}

TEST_F(AlgorithmicFeedTest, DataYearsOldRanksLikeTheSameDataShiftedToToday) {
  write_corpus();
  const std::vector<FeedItem> today = all_pages(request(500));
  const TimestampMs back = -30LL * 365 * kDay;  // 1993
  open({}, "old-store");
  write_corpus(back);
  const std::vector<FeedItem> old = all_pages(request(500, kStart + 6 * kDay + back));
  ASSERT_EQ(today.size(), old.size());
  ASSERT_FALSE(today.empty());
  for (std::size_t i = 0; i < today.size(); ++i) {
    EXPECT_EQ(today[i].post, old[i].post) << "position " << i;
    ASSERT_TRUE(std::isfinite(old[i].score));
    EXPECT_NEAR(today[i].score, old[i].score, 1e-4) << "position " << i;
  }
}

TEST_F(AlgorithmicFeedTest, FollowersOnlyPostsReachOnlyFollowers) {
  write_corpus();
  Post hidden;
  hidden.id = 7000;
  hidden.author = 10;  // not followed by the viewer
  hidden.text = "guitar chords melody album #music, for my followers";
  hidden.created_at = kStart + 5 * kDay;
  hidden.visibility = Visibility::kFollowers;
  std::vector<WriteOp> ops = {hidden};
  for (int u = 1; u < kOtherUsers; ++u) {  // very popular among everyone else
    ops.push_back(Follow{UserId(10 + u), 10, kStart});
    ops.push_back(Engagement{UserId(10 + u), 7000, EngagementKind::kShare, kStart + 5 * kDay + u});
  }
  write(std::move(ops));
  for (const FeedItem& item : all_pages(request(500))) EXPECT_NE(item.post, 7000u);

  write({Follow{kViewer, 10, kStart + 5 * kDay}});
  bool shown = false;
  for (const FeedItem& item : all_pages(request(500))) shown |= item.post == 7000;
  EXPECT_TRUE(shown) << "a follower should see the followers-only post";
}

TEST_F(AlgorithmicFeedTest, MutedAuthorsAreNeverShown) {
  write_corpus();
  FeedRequest r = request(500);
  r.muted_authors = {kFollowed, 10, 12};
  const auto items = all_pages(r);
  EXPECT_FALSE(items.empty());
  for (const FeedItem& item : items) {
    EXPECT_NE(item.author, kFollowed);
    EXPECT_NE(item.author, 10u);
    EXPECT_NE(item.author, 12u);
  }
}

TEST_F(AlgorithmicFeedTest, ExplanationsAddUpToTheScoreOnEveryPage) {
  write_corpus();
  FeedRequest r = request(5);
  r.explain = true;
  int pages = 0;
  for (; pages < 3; ++pages) {
    FeedPage p = page(r);
    for (const FeedItem& item : p.items) {
      ASSERT_FALSE(item.explanation.empty());
      double sum = 0;
      for (const ScoreTerm& term : item.explanation) sum += term.contribution;
      EXPECT_NEAR(sum, item.score, 1e-4) << "post " << item.post;
    }
    if (p.next_cursor.empty()) break;
    r.cursor = p.next_cursor;
  }
  EXPECT_EQ(pages, 3);
  // Without explain, no terms.
  for (const FeedItem& item : page(request(5)).items) EXPECT_TRUE(item.explanation.empty());
}

TEST_F(AlgorithmicFeedTest, AnUnknownViewerIsNotFound) {
  write_corpus();
  FeedRequest r = request(5);
  r.viewer = 424242;
  auto result = engine_->get_feed(r);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(), HasSubstr("user_id"));
}

TEST_F(AlgorithmicFeedTest, APassedDeadlineAbandonsTheRequest) {
  write_corpus();
  FeedRequest r = request(5);
  r.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  EXPECT_EQ(engine_->get_feed(r).status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(AlgorithmicFeedTest, RankingCandidatesHaveOneFeatureRowEach) {
  write_corpus();
  auto input = engine_->ranking_candidates(request(5));
  ASSERT_TRUE(input.ok()) << input.status();
  ASSERT_FALSE(input->candidates.empty());
  EXPECT_EQ(input->features.size(), input->candidates.size() * kFeatureCount);
}

}  // namespace
}  // namespace feedrank::ranker
