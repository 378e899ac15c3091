// FeedEngine::nearest_posts over a real RocksDB store, for every CPU index the server can start
// with: answers equal a brute-force scan of the live posts, acknowledged writes and deletes are
// what the next search sees, the viewer's own posts and the query post are left out, and a
// restart rebuilds the same index.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <fstream>
#include <random>
#include <set>

#include "common/half_float.h"
#include "embeddings/text_embedder.h"
#include "embeddings/vector_norms.h"
#include "kernels/compute_backend.h"
#include "ranker/feed_engine.h"
#include "store/durable_store.h"
#include "tests/support/temp_dir.h"

namespace feedrank::ranker {
namespace {

using ::testing::HasSubstr;

constexpr int kDimension = 32;

std::vector<float> random_vector(std::mt19937& rng) {
  std::normal_distribution<float> normal;
  std::vector<float> v(kDimension);
  for (float& x : v) x = normal(rng);
  return v;
}

std::vector<float> unit(std::vector<float> v) {
  double norm = 0;
  for (float x : v) norm += double{x} * x;
  for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
  return v;
}

// A caller's vector as the engine keeps it: normalised, then rounded to halves (the post
// table's default precision); the brute-force answers score these.
std::vector<float> as_kept(std::vector<float> v) {
  embeddings::l2_normalize(v);
  round_to_half(v);
  return v;
}

float dot(std::span<const float> a, std::span<const float> b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += double{a[i]} * b[i];
  return static_cast<float>(sum);
}

Post post_with_vector(PostId id, UserId author, std::vector<float> vector) {
  Post p;
  p.id = id;
  p.author = author;
  p.text = "post " + std::to_string(id);
  p.created_at = 1000 + static_cast<TimestampMs>(id);
  p.embedding = std::move(vector);
  return p;
}

struct IndexCase {
  const char* name;
  CpuIndexKind kind;
  friend void PrintTo(const IndexCase& c, std::ostream* out) { *out << c.name; }
};

class NearestPostsTest : public ::testing::TestWithParam<IndexCase> {
 protected:
  void SetUp() override { open(); }

  void open() {
    engine_.reset();  // releases the RocksDB lock first
    auto durable = store::open_rocksdb_store(dir_.sub(store_name_));
    ASSERT_TRUE(durable.ok()) << durable.status();
    CorpusVectorOptions vectors;
    vectors.users.dimension = kDimension;
    vectors.log = [this](std::string_view line) {
      std::lock_guard lock(log_mutex_);  // the background indexer logs from its own thread
      log_.emplace_back(line);
    };
    RetrievalOptions retrieval;
    retrieval.backend = kernels::BackendRequest::kCpu;
    retrieval.cpu_index = GetParam().kind;
    retrieval.saved_index_path = saved_index_path_;
    if (ef_search_ > 0) retrieval.ef_search = ef_search_;
    auto engine = FeedEngine::open(std::move(*durable), std::move(vectors), retrieval);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
    // The log lines checked here are said once the background indexer catches up (searches
    // are exact before that too: background_indexing_test covers them).
    ASSERT_TRUE(engine_->wait_until_indexed(std::chrono::seconds(60)));
  }

  void write(std::vector<WriteOp> ops) {
    auto written = engine_->write(std::move(ops), [](std::size_t i, std::string_view field) {
      return "ops[" + std::to_string(i) + "]." + std::string(field);
    });
    ASSERT_TRUE(written.ok()) << written.status();
    ASSERT_TRUE(engine_->wait_until_indexed(std::chrono::seconds(60)));
  }

  // Users 1..3 and `count` posts 100.. with random vectors, authors taking turns.
  void write_corpus(int count, unsigned seed = 7) {
    std::mt19937 rng(seed);
    std::vector<WriteOp> ops = {User{1, "ann", 0}, User{2, "bob", 0}, User{3, "cy", 0}};
    for (int i = 0; i < count; ++i) {
      const PostId id = 100 + i;
      auto vector = unit(random_vector(rng));
      vectors_[id] = as_kept(vector);
      ops.push_back(post_with_vector(id, 1 + i % 3, std::move(vector)));
    }
    write(std::move(ops));
  }

  // The live posts by inner product with `query`, best first, ties by smaller id.
  std::vector<PostId> brute_force(std::span<const float> query, int k,
                                  const std::vector<PostId>& leave_out = {}) const {
    std::vector<std::pair<float, PostId>> scored;
    for (const auto& [id, vector] : vectors_) {
      if (std::find(leave_out.begin(), leave_out.end(), id) != leave_out.end()) continue;
      scored.emplace_back(dot(query, vector), id);
    }
    std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<PostId> ids;
    for (int i = 0; i < k && i < static_cast<int>(scored.size()); ++i) {
      ids.push_back(scored[i].second);
    }
    return ids;
  }

  static std::vector<PostId> ids_of(const std::vector<ScoredPost>& posts) {
    std::vector<PostId> ids;
    for (const ScoredPost& p : posts) ids.push_back(p.post);
    return ids;
  }

  std::vector<ScoredPost> nearest(NearestPostsRequest request) {
    auto found = engine_->nearest_posts(request);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() ? *found : std::vector<ScoredPost>{};
  }

  static NearestPostsRequest to_vector(std::vector<float> vector, int k) {
    NearestPostsRequest request;
    request.to = NearestTo::kVector;
    request.vector = std::move(vector);
    request.k = k;
    return request;
  }

  testing::TempDir dir_;
  std::string store_name_ = "db";
  std::string saved_index_path_;  // empty: the index is not saved
  int ef_search_ = 0;             // 0: the default
  std::unique_ptr<FeedEngine> engine_;
  std::map<PostId, std::vector<float>> vectors_;  // the live posts' unit vectors
  // Read by the tests once the indexer caught up (wait_until_indexed orders its lines first).
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

TEST_P(NearestPostsTest, AnswersEqualABruteForceScanOfTheLivePosts) {
  write_corpus(400);
  std::mt19937 rng(11);
  for (int k : {1, 10, 50}) {
    const auto query = random_vector(rng);
    const auto found = nearest(to_vector(query, k));
    EXPECT_EQ(ids_of(found), brute_force(query, k)) << "k " << k;
    for (const ScoredPost& p : found) {
      EXPECT_NEAR(p.score, dot(query, vectors_.at(p.post)), 1e-4);
      EXPECT_EQ(p.author, 1 + (p.post - 100) % 3);
    }
  }
}

// A write bigger than one sync step (1,024 rows) is indexed in steps, all before it returns.
TEST_P(NearestPostsTest, AWriteOfManyStepsIsIndexedWholeBeforeItIsAcknowledged) {
  write_corpus(2'500);
  // Posts from each step find themselves (HNSW too: its graph, built by threads, may vary).
  for (PostId id : {100, 1'123, 2'147, 2'599}) {
    const auto found = nearest(to_vector(vectors_.at(id), 1));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found.front().post, id);
  }
  if (GetParam().kind == CpuIndexKind::kHnsw) return;
  std::mt19937 rng(17);
  const auto query = random_vector(rng);
  EXPECT_EQ(ids_of(nearest(to_vector(query, 20))), brute_force(query, 20));
}

TEST_P(NearestPostsTest, AcknowledgedPostsAndDeletesAreWhatTheNextSearchSees) {
  write_corpus(200);
  const auto query = random_vector(*std::make_unique<std::mt19937>(5));
  const PostId best = brute_force(query, 1).front();

  write({DeletePost{best}});
  vectors_.erase(best);
  auto found = ids_of(nearest(to_vector(query, 10)));
  EXPECT_THAT(found, ::testing::Not(::testing::Contains(best)));
  EXPECT_EQ(found, brute_force(query, 10));

  // A new post pointing exactly along the query comes first at once.
  write({post_with_vector(999, 2, query)});
  vectors_[999] = as_kept(query);
  found = ids_of(nearest(to_vector(query, 10)));
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.front(), 999u);
  EXPECT_EQ(found, brute_force(query, 10));
}

TEST_P(NearestPostsTest, AUserQueryLeavesOutTheirOwnPostsAndFollowsTheirEngagements) {
  write_corpus(150);
  // User 3 likes post 100 (by user 1): their vector is that post's.
  write({Engagement{3, 100, EngagementKind::kLike, 5000}});
  NearestPostsRequest request;
  request.to = NearestTo::kUser;
  request.id = 3;
  request.k = 20;
  request.now = 6000;
  const auto found = nearest(request);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.front().post, 100u);
  std::vector<PostId> own;
  for (const auto& [id, vector] : vectors_) {
    if (1 + (id - 100) % 3 == 3) own.push_back(id);
  }
  EXPECT_EQ(ids_of(found), brute_force(vectors_.at(100), 20, own));
}

TEST_P(NearestPostsTest, APostQueryLeavesOutThePostItself) {
  write_corpus(150);
  write({post_with_vector(500, 2, vectors_.at(120))});  // the same direction as post 120
  vectors_[500] = as_kept(vectors_.at(120));
  NearestPostsRequest request;
  request.to = NearestTo::kPost;
  request.id = 120;
  request.k = 5;
  const auto found = nearest(request);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.front().post, 500u);
  // Both rows are rounded to halves: their norms are 1 within the text vectors' bound.
  EXPECT_NEAR(found.front().score, 1.0f, embeddings::kTextVectorSquaredNormError);
  EXPECT_EQ(ids_of(found), brute_force(vectors_.at(120), 5, {120}));
}

TEST_P(NearestPostsTest, UnknownOrDeletedQueriesAreNotFound) {
  write_corpus(20);
  write({DeletePost{105}});
  NearestPostsRequest request;
  request.to = NearestTo::kUser;
  request.id = 42;
  EXPECT_EQ(engine_->nearest_posts(request).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(engine_->nearest_posts(request).status().message(), HasSubstr("user_id"));
  request.to = NearestTo::kPost;
  for (PostId missing : {PostId{42}, PostId{105}}) {
    request.id = missing;
    EXPECT_EQ(engine_->nearest_posts(request).status().code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(engine_->nearest_posts(request).status().message(), HasSubstr("post_id"));
  }
}

TEST_P(NearestPostsTest, AUserNothingIsKnownOfAndAnEmptyCorpusGiveNoPosts) {
  std::mt19937 rng(3);
  EXPECT_TRUE(nearest(to_vector(random_vector(rng), 10)).empty());
  write_corpus(30);
  write({User{4, "dee", 0}});
  NearestPostsRequest request;
  request.to = NearestTo::kUser;
  request.id = 4;
  EXPECT_TRUE(nearest(request).empty());
}

TEST_P(NearestPostsTest, ARestartRebuildsTheSameIndexAndSaysSo) {
  write_corpus(300);
  write({DeletePost{110}, DeletePost{111}});
  vectors_.erase(110);
  vectors_.erase(111);
  std::mt19937 rng(9);
  const auto query = random_vector(rng);
  const auto before = nearest(to_vector(query, 25));
  log_.clear();
  open();
  const auto after = nearest(to_vector(query, 25));
  EXPECT_EQ(ids_of(after), ids_of(before));
  EXPECT_EQ(ids_of(after), brute_force(query, 25));
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("indexed 300 post vectors")));
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("retrieval backend: ")));
  EXPECT_EQ(engine_->counts().retrieval_backend, engine_->retrieval_backend());
}

TEST_P(NearestPostsTest, BadSearchArgumentsAreInvalid) {
  write_corpus(10);
  std::mt19937 rng(1);
  for (int k : {0, kernels::kMaxTopK + 1}) {
    auto status = engine_->nearest_posts(to_vector(random_vector(rng), k)).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << k;
    EXPECT_THAT(status.message(), HasSubstr("k")) << k;
  }
}

// A call whose deadline has passed gets DEADLINE_EXCEEDED from the search, not a late answer
// (the scan's own checks partway: kernels/exact_scan_test.cc, the batcher's queue:
// search_batcher_test.cc).
TEST_P(NearestPostsTest, ASearchPastTheCallsDeadlineIsAbandoned) {
  write_corpus(50);
  std::mt19937 rng(3);
  NearestPostsRequest request = to_vector(random_vector(rng), 5);
  request.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  const auto status = engine_->nearest_posts(request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  request.deadline = std::chrono::steady_clock::now() + std::chrono::hours(1);
  EXPECT_EQ(ids_of(nearest(request)), brute_force(request.vector, 5));
}

// Small corpora: IVF has too few rows to train and searches its flat index exactly, and HNSW
// explores the whole graph, so every kind must equal the brute force here.
INSTANTIATE_TEST_SUITE_P(CpuIndexes, NearestPostsTest,
                         ::testing::Values(IndexCase{"Exact", CpuIndexKind::kExact},
                                           IndexCase{"FaissFlat", CpuIndexKind::kFaissFlat},
                                           IndexCase{"Hnsw", CpuIndexKind::kHnsw},
                                           IndexCase{"IvfFlat", CpuIndexKind::kIvfFlat}),
                         [](const auto& info) { return std::string(info.param.name); });

// HNSW and IVF are saved at a clean shutdown and read back at the next start.
class SavedIndexTest : public NearestPostsTest {
 protected:
  void SetUp() override {
    saved_index_path_ = dir_.sub("retrieval-index.faiss");
    NearestPostsTest::SetUp();
  }

  void expect_brute_force_answers() {
    std::mt19937 rng(21);
    for (int k : {1, 10, 40}) {
      const auto query = random_vector(rng);
      EXPECT_EQ(ids_of(nearest(to_vector(query, k))), brute_force(query, k)) << "k " << k;
    }
  }
};

TEST_P(SavedIndexTest, ACleanShutdownSavesTheIndexAndTheNextStartReadsIt) {
  write_corpus(300);
  ASSERT_TRUE(engine_->checkpoint().ok());
  log_.clear();
  open();
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("read the saved retrieval index of 300 posts")));
  EXPECT_THAT(log_, ::testing::Not(::testing::Contains(HasSubstr("indexed"))));
  expect_brute_force_answers();
}

TEST_P(SavedIndexTest, PostsWrittenAfterTheSaveAreIndexedAtTheNextStart) {
  write_corpus(300);
  ASSERT_TRUE(engine_->checkpoint().ok());
  std::mt19937 rng(4);
  std::vector<WriteOp> more = {DeletePost{150}};
  vectors_.erase(150);
  for (PostId id = 1000; id < 1050; ++id) {
    const auto vector = unit(random_vector(rng));
    vectors_[id] = as_kept(vector);
    more.push_back(post_with_vector(id, 2, vector));
  }
  write(std::move(more));
  log_.clear();
  open();  // no checkpoint: as after kill -9
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("read the saved retrieval index of 300 posts")));
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("indexed 50 post vectors")));
  expect_brute_force_answers();
}

// Posts come in any id order (callers choose ids; concurrent calls commit in any order), while
// the replay fills the table in id order: the saved order is put first again.
TEST_P(SavedIndexTest, AnIndexOverPostsWrittenOutOfIdOrderIsReadBack) {
  write_corpus(300);  // ids 100..399
  std::mt19937 rng(5);
  for (PostId first : {5000, 3000, 4000}) {
    std::vector<WriteOp> ops;
    for (PostId id = first + 20; id > first; --id) {
      const auto vector = unit(random_vector(rng));
      vectors_[id] = as_kept(vector);
      ops.push_back(post_with_vector(id, 1 + id % 3, vector));
    }
    write(std::move(ops));
  }
  write({DeletePost{4010}, DeletePost{120}});
  vectors_.erase(4010);
  vectors_.erase(120);
  ASSERT_TRUE(engine_->checkpoint().ok());
  log_.clear();
  open();
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("read the saved retrieval index of 360 posts")));
  EXPECT_THAT(log_, ::testing::Not(::testing::Contains(HasSubstr("indexed"))));
  expect_brute_force_answers();
}

TEST_P(SavedIndexTest, AnIndexSavedOverOtherPostsOrUnreadableIsRebuilt) {
  write_corpus(300);
  ASSERT_TRUE(engine_->checkpoint().ok());
  // Another store with other posts finds the first one's file.
  store_name_ = "other-db";
  vectors_.clear();
  log_.clear();
  open();
  write_corpus(320, 99);
  expect_brute_force_answers();
  log_.clear();
  open();
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("rebuilding the retrieval index: the saved "
                                                  "index covers other posts")));
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("indexed 320 post vectors")));
  expect_brute_force_answers();

  // A file that is not an index at all, with a description that matches.
  ASSERT_TRUE(engine_->checkpoint().ok());
  std::ofstream(saved_index_path_, std::ios::trunc) << "not a FAISS index";
  log_.clear();
  open();
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("rebuilding the retrieval index")));
  expect_brute_force_answers();
}

// The index read back takes the followers-only rows' not-searchable bits from the replay.
TEST_P(SavedIndexTest, FollowersOnlyPostsStayHiddenInAnIndexReadBack) {
  write_corpus(300);
  std::vector<WriteOp> ops = {User{4, "dee", 0}, Follow{4, 1, 1}};
  std::mt19937 rng(8);
  std::vector<float> along;
  for (PostId id = 700; id < 710; ++id) {
    auto vector = unit(random_vector(rng));
    if (id == 700) along = vector;
    Post p = post_with_vector(id, 1, vector);
    p.visibility = Visibility::kFollowers;
    ops.push_back(std::move(p));
  }
  write(std::move(ops));
  ASSERT_TRUE(engine_->checkpoint().ok());
  log_.clear();
  open();
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("read the saved retrieval index of 310 posts")));
  expect_brute_force_answers();  // vectors_ holds the public posts only
  NearestPostsRequest request = to_vector(along, 1);
  EXPECT_NE(nearest(request).front().post, 700u);
  request.viewer = 4;
  EXPECT_EQ(nearest(request).front().post, 700u);
}

INSTANTIATE_TEST_SUITE_P(CpuIndexes, SavedIndexTest,
                         ::testing::Values(IndexCase{"Hnsw", CpuIndexKind::kHnsw},
                                           IndexCase{"IvfFlat", CpuIndexKind::kIvfFlat}),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- Visibility -------------------------------------------------------------------------------
//
// FOLLOWERS posts are answered only to those who may see them: the author (never to themselves
// in a user query, which leaves out their own posts) and their followers. A post or vector query
// names no viewer and gets PUBLIC posts only, unless it names one.
class VisibilityTest : public NearestPostsTest {
 protected:
  // Users 1..3 post the public background corpus; 10 writes FOLLOWERS posts, 20 follows no one,
  // 30 follows 10.
  static constexpr UserId kAuthor = 10;
  static constexpr UserId kStranger = 20;
  static constexpr UserId kFollower = 30;

  void SetUp() override {
    // HNSW searches its whole graph (a few hundred rows, most of them hidden), so that every
    // kind must equal the brute force; its default recall misses a few at k 60.
    ef_search_ = 1000;
    NearestPostsTest::SetUp();
    write_corpus(150);
    write({User{kAuthor, "author", 0}, User{kStranger, "stranger", 0},
           User{kFollower, "follower", 0}, Follow{kFollower, kAuthor, 1}});
    follows_.insert({kFollower, kAuthor});
  }

  // A post by `author` with `vector` (normalised), recorded for brute_force_seen().
  void add_post(PostId id, UserId author, std::vector<float> vector, Visibility visibility) {
    Post p = post_with_vector(id, author, vector);
    p.visibility = visibility;
    write({std::move(p)});
    vectors_[id] = as_kept(std::move(vector));
    authors_[id] = author;
    if (visibility == Visibility::kFollowers) followers_only_.insert(id);
  }

  UserId author_of(PostId id) const {
    const auto it = authors_.find(id);
    return it != authors_.end() ? it->second : 1 + (id - 100) % 3;  // write_corpus's authors
  }

  // viewer_may_see, with 0 for no viewer.
  bool may_see(UserId viewer, PostId id) const {
    if (!followers_only_.contains(id)) return true;
    const UserId author = author_of(id);
    return viewer != 0 && (viewer == author || follows_.contains({viewer, author}));
  }

  std::vector<PostId> brute_force_seen(UserId viewer, std::span<const float> query, int k,
                                       std::vector<PostId> leave_out = {}) const {
    for (const auto& [id, vector] : vectors_) {
      if (!may_see(viewer, id)) leave_out.push_back(id);
    }
    return brute_force(query, k, leave_out);
  }

  static NearestPostsRequest to_user(UserId user, int k) {
    NearestPostsRequest request;
    request.to = NearestTo::kUser;
    request.id = user;
    request.k = k;
    request.now = 100'000;
    return request;
  }
  static NearestPostsRequest to_post(PostId post, int k, UserId viewer = 0) {
    NearestPostsRequest request;
    request.to = NearestTo::kPost;
    request.id = post;
    request.k = k;
    request.viewer = viewer;
    return request;
  }
  static NearestPostsRequest to_vector_of(std::vector<float> vector, int k, UserId viewer) {
    NearestPostsRequest request = to_vector(std::move(vector), k);
    request.viewer = viewer;
    return request;
  }

  // The reproduction: a FOLLOWERS post 900 by the author, a public post 901 by user 2 almost
  // along it, which the stranger and the follower like (so their vectors point there too).
  std::vector<float> write_followers_post_and_a_liked_twin() {
    std::mt19937 rng(123);
    const auto along = unit(random_vector(rng));
    auto twin = along;
    twin[0] += 0.05f;
    add_post(900, kAuthor, along, Visibility::kFollowers);
    add_post(901, 2, twin, Visibility::kPublic);
    write({Engagement{kStranger, 901, EngagementKind::kLike, 5000},
           Engagement{kFollower, 901, EngagementKind::kLike, 5000},
           Engagement{kAuthor, 901, EngagementKind::kLike, 5000}});
    return along;
  }

  // Every kind of query that `viewer` (0: none) can make near post 900.
  std::vector<std::pair<std::string, NearestPostsRequest>> queries_near_900(
      UserId viewer, const std::vector<float>& along) const {
    std::vector<std::pair<std::string, NearestPostsRequest>> queries = {
        {"post query", to_post(901, 20, viewer)},
        {"vector query", to_vector_of(along, 20, viewer)}};
    if (viewer != 0) queries.emplace_back("user query", to_user(viewer, 20));
    return queries;
  }

  std::map<PostId, UserId> authors_;  // posts not by write_corpus
  std::set<PostId> followers_only_;
  std::set<std::pair<UserId, UserId>> follows_;  // (follower, followee)
};

TEST_P(VisibilityTest, NoOneButTheAuthorsFollowersGetsAFollowersOnlyPost) {
  const auto along = write_followers_post_and_a_liked_twin();
  for (UserId viewer : {UserId{0}, kStranger}) {
    for (const auto& [what, request] : queries_near_900(viewer, along)) {
      const auto found = ids_of(nearest(request));
      EXPECT_THAT(found, ::testing::Not(::testing::Contains(900u)))
          << what << ", viewer " << viewer;
      if (request.to != NearestTo::kPost) {  // a post query leaves 901 itself out
        EXPECT_THAT(found, ::testing::Contains(901u)) << what << ", viewer " << viewer;
      }
    }
  }
}

TEST_P(VisibilityTest, AFollowerGetsItAndNoLongerAfterAnUnfollow) {
  const auto along = write_followers_post_and_a_liked_twin();
  for (const auto& [what, request] : queries_near_900(kFollower, along)) {
    const auto found = nearest(request);
    EXPECT_THAT(ids_of(found), ::testing::Contains(900u)) << what;
    if (request.to == NearestTo::kUser) continue;  // the follower's vector is a blend
    ASSERT_FALSE(found.empty()) << what;
    EXPECT_EQ(found.front().post, 900u) << what;
    EXPECT_EQ(found.front().author, kAuthor) << what;
    if (request.to == NearestTo::kVector) {  // the row is `along` rounded to halves
      EXPECT_NEAR(found.front().score, 1.0f, embeddings::kTextVectorSquaredNormError);
    }
  }
  // The author sees their own FOLLOWERS post, except in their user query (own posts left out).
  EXPECT_EQ(nearest(to_vector_of(along, 1, kAuthor)).front().post, 900u);
  EXPECT_THAT(ids_of(nearest(to_user(kAuthor, 50))), ::testing::Not(::testing::Contains(900u)));

  write({Unfollow{kFollower, kAuthor}});
  follows_.clear();
  for (const auto& [what, request] : queries_near_900(kFollower, along)) {
    EXPECT_THAT(ids_of(nearest(request)), ::testing::Not(::testing::Contains(900u))) << what;
  }
  // Following again shows it again.
  write({Follow{kFollower, kAuthor, 2}});
  EXPECT_EQ(nearest(to_vector_of(along, 1, kFollower)).front().post, 900u);
}

TEST_P(VisibilityTest, ADeletedFollowersOnlyPostNeverAppears) {
  const auto along = write_followers_post_and_a_liked_twin();
  write({DeletePost{900}});
  vectors_.erase(900);
  for (UserId viewer : {UserId{0}, kStranger, kFollower, kAuthor}) {
    for (const auto& [what, request] : queries_near_900(viewer, along)) {
      EXPECT_THAT(ids_of(nearest(request)), ::testing::Not(::testing::Contains(900u)))
          << what << ", viewer " << viewer;
    }
    EXPECT_EQ(ids_of(nearest(to_vector_of(along, 30, viewer))), brute_force_seen(viewer, along, 30))
        << "viewer " << viewer;
  }
}

// A FOLLOWERS post is found as a query only by those who may see it, and a viewer must exist.
TEST_P(VisibilityTest, AQueryPostMustBeVisibleAndAViewerMustExist) {
  const auto along = write_followers_post_and_a_liked_twin();
  for (UserId viewer : {UserId{0}, kStranger}) {
    const auto status = engine_->nearest_posts(to_post(900, 5, viewer)).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << viewer;
    EXPECT_THAT(status.message(), HasSubstr("post_id")) << viewer;
  }
  EXPECT_EQ(ids_of(nearest(to_post(900, 1, kFollower))), std::vector<PostId>{901});

  auto unknown = engine_->nearest_posts(to_vector_of(along, 5, 4242)).status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.message(), HasSubstr("viewer_id"));
  unknown = engine_->nearest_posts(to_post(901, 5, 4242)).status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.message(), HasSubstr("viewer_id"));

  NearestPostsRequest other_viewer = to_user(kFollower, 5);
  other_viewer.viewer = kStranger;
  const auto invalid = engine_->nearest_posts(other_viewer).status();
  EXPECT_EQ(invalid.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(invalid.message(), HasSubstr("viewer_id"));
  NearestPostsRequest same_viewer = to_user(kFollower, 5);
  same_viewer.viewer = kFollower;
  EXPECT_EQ(ids_of(nearest(same_viewer)), ids_of(nearest(to_user(kFollower, 5))));
}

// Many FOLLOWERS posts by several authors, viewers with different follows, deletes and a
// restart: every answer equals a brute-force scan of what the viewer may see.
TEST_P(VisibilityTest, AnswersEqualABruteForceScanOfWhatTheViewerMaySee) {
  std::mt19937 rng(31);
  std::vector<WriteOp> ops;
  for (UserId author = 40; author < 45; ++author) ops.push_back(User{author, "a", 0});
  for (UserId viewer = 50; viewer < 53; ++viewer) ops.push_back(User{viewer, "v", 0});
  write(std::move(ops));
  // 50 follows nobody, 51 two authors, 52 every author; each viewer likes a public post, so
  // that their user vectors are not zero.
  ops = {Follow{51, 40, 1}, Follow{51, 43, 1}};
  for (UserId viewer : {40, 50, 51, 52}) {
    ops.push_back(Engagement{viewer, 105, EngagementKind::kLike, 5000});
  }
  for (UserId author = 40; author < 45; ++author) ops.push_back(Follow{52, author, 1});
  write(std::move(ops));
  for (const auto& [follower, followee] : {std::pair<UserId, UserId>{51, 40}, {51, 43}}) {
    follows_.insert({follower, followee});
  }
  for (UserId author = 40; author < 45; ++author) follows_.insert({52, author});
  follows_.insert({kFollower, kAuthor});
  for (PostId id = 2000; id < 2150; ++id) {
    add_post(id, 40 + id % 5, random_vector(rng),
             id % 3 == 0 ? Visibility::kPublic : Visibility::kFollowers);
  }
  write({DeletePost{2001}, DeletePost{2002}, DeletePost{120}});
  for (PostId id : {2001, 2002, 120}) vectors_.erase(id);

  const auto check = [&](const std::string& when) {
    std::mt19937 queries(5);
    for (UserId viewer : {UserId{0}, UserId{50}, UserId{51}, UserId{52}, UserId{40}}) {
      for (int k : {1, 10, 60}) {
        const auto query = random_vector(queries);
        EXPECT_EQ(ids_of(nearest(to_vector_of(query, k, viewer))),
                  brute_force_seen(viewer, query, k))
            << when << ": vector query, viewer " << viewer << ", k " << k;
        for (PostId post : {PostId{101}, PostId{2005}}) {
          if (!may_see(viewer, post)) continue;
          EXPECT_EQ(ids_of(nearest(to_post(post, k, viewer))),
                    brute_force_seen(viewer, vectors_.at(post), k, {post}))
              << when << ": post " << post << ", viewer " << viewer << ", k " << k;
        }
      }
      if (viewer == 0) continue;
      // A user query: its vector is the server's, so check that the whole answer is exactly
      // what the viewer may see (but their own posts), best first, and that a smaller k gets a
      // prefix of it.
      const auto all = nearest(to_user(viewer, kernels::kMaxTopK));
      std::set<PostId> expected;
      for (const auto& [id, vector] : vectors_) {
        if (may_see(viewer, id) && author_of(id) != viewer) expected.insert(id);
      }
      const auto all_ids = ids_of(all);
      EXPECT_EQ(std::set<PostId>(all_ids.begin(), all_ids.end()), expected)
          << when << ": user " << viewer;
      EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                                 [](const auto& a, const auto& b) {
                                   return a.score != b.score ? a.score > b.score : a.post < b.post;
                                 }))
          << when << ": user " << viewer;
      const auto top = ids_of(nearest(to_user(viewer, 10)));
      EXPECT_EQ(top, std::vector<PostId>(all_ids.begin(), all_ids.begin() + top.size()))
          << when << ": user " << viewer;
    }
  };
  check("after the writes");
  open();
  check("after a restart");
}

INSTANTIATE_TEST_SUITE_P(CpuIndexes, VisibilityTest,
                         ::testing::Values(IndexCase{"Exact", CpuIndexKind::kExact},
                                           IndexCase{"FaissFlat", CpuIndexKind::kFaissFlat},
                                           IndexCase{"Hnsw", CpuIndexKind::kHnsw},
                                           IndexCase{"IvfFlat", CpuIndexKind::kIvfFlat}),
                         [](const auto& info) { return std::string(info.param.name); });

// --backend: `cpu` always works, `gpu` without a usable GPU refuses to start, `auto` falls back
// to the CPU and says why, in one line.
TEST(IndexChoice, TheBackendRequestDecidesAndTheLogLineSaysWhy) {
  RetrievalOptions options;
  options.backend = kernels::BackendRequest::kCpu;
  auto cpu = choose_index(kDimension, options);
  ASSERT_TRUE(cpu.ok()) << cpu.status();
  EXPECT_THAT(cpu->log_line, HasSubstr("cpu-exact"));
  EXPECT_THAT(cpu->log_line, HasSubstr("chosen by --backend=cpu"));

  options.cpu_index = CpuIndexKind::kHnsw;
  options.ef_search = 77;
  auto hnsw = choose_index(kDimension, options);
  ASSERT_TRUE(hnsw.ok()) << hnsw.status();
  EXPECT_THAT(hnsw->index->describe(), HasSubstr("efSearch=77"));

  std::string why_none;
  if (kernels::usable_gpu_count(&why_none) > 0) GTEST_SKIP() << "a GPU is usable here";
  options.backend = kernels::BackendRequest::kGpu;
  auto gpu = choose_index(kDimension, options);
  EXPECT_EQ(gpu.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(gpu.status().message(), HasSubstr("gpu"));
  options.backend = kernels::BackendRequest::kAuto;
  auto fallback = choose_index(kDimension, options);
  ASSERT_TRUE(fallback.ok()) << fallback.status();
  EXPECT_THAT(fallback->log_line, HasSubstr("--backend=auto: no usable GPU"));
  EXPECT_THAT(fallback->log_line, HasSubstr(why_none));
}

}  // namespace
}  // namespace feedrank::ranker
