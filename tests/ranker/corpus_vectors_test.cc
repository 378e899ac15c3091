// CorpusVectors kept in step with a real RocksDB store: vectors and hashtags of new posts, the
// IDF, tombstones, user vectors, and what survives a restart (bit for bit).
#include "ranker/vectors/corpus_vectors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "common/half_float.h"
#include "embeddings/vector_norms.h"
#include "store/feed_store.h"
#include "tests/store/two_checkpoints.h"
#include "tests/support/failing_store.h"
#include "tests/support/temp_dir.h"

namespace feedrank::ranker {
namespace {

using ::testing::HasSubstr;

constexpr TimestampMs kDay = 24LL * 60 * 60 * 1000;

Post post(PostId id, UserId author, std::string text, TimestampMs at = kDay) {
  Post p;
  p.id = id;
  p.author = author;
  p.text = std::move(text);
  p.created_at = at;
  return p;
}

Engagement like(UserId user, PostId post, TimestampMs at = 2 * kDay) {
  return Engagement{user, post, EngagementKind::kLike, at};
}

std::vector<float> row_of(const CorpusVectors& vectors, PostId id) {
  const auto row = vectors.posts().row_of(id);
  if (!row) return {};
  return vectors.posts().row_floats(*row);
}

// Whether `condition` holds within 10 s (a background thread's step).
bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

double dot(std::span<const float> a, std::span<const float> b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += double{a[i]} * b[i];
  return sum;
}

using feedrank::testing::FailingStore;

class CorpusVectorsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(open().ok()); }

  absl::Status open(int dimension = 128, std::uint64_t checkpoint_every = 100'000,
                    embeddings::RowPrecision precision = embeddings::RowPrecision::kHalf) {
    store_.reset();  // releases the RocksDB lock first
    vectors_.reset();
    log_.clear();
    CorpusVectorOptions options;
    options.users.dimension = dimension;
    options.post_precision = precision;
    options.checkpoint_every = checkpoint_every;
    options.log = [this](std::string_view line) { log_.emplace_back(line); };
    auto vectors = CorpusVectors::create(options);
    if (!vectors.ok()) return vectors.status();
    vectors_ = std::move(*vectors);
    auto durable = store::open_rocksdb_store(dir_.sub("db"));
    if (!durable.ok()) return durable.status();
    auto failing = std::make_unique<FailingStore>(std::move(*durable));
    failing_ = failing.get();
    {
      std::lock_guard lock(store_log_mutex_);
      store_log_.clear();
    }
    auto opened = store::FeedStore::open(std::move(failing), vectors_.get(),
                                         [this](std::string_view line) {
                                           std::lock_guard lock(store_log_mutex_);
                                           store_log_.emplace_back(line);
                                         });
    if (!opened.ok()) return opened.status();
    store_ = std::move(*opened);
    return absl::OkStatus();
  }

  // The store's lines since open() (it logs from the thread that saves a checkpoint).
  std::vector<std::string> store_log() {
    std::lock_guard lock(store_log_mutex_);
    return store_log_;
  }

  void write(std::vector<WriteOp> ops) {
    auto written = store_->write(ops, [](std::size_t i, std::string_view field) {
      return "ops[" + std::to_string(i) + "]." + std::string(field);
    });
    ASSERT_TRUE(written.ok()) << written.status();
  }

  std::vector<float> user_vector(UserId user, TimestampMs now = 3 * kDay) {
    auto snapshot = store_->snapshot();
    return vectors_->user_vector(user, snapshot.state(), now);
  }

  testing::TempDir dir_;
  // Before store_, which logs into them until it is gone (a save may end as it goes).
  std::mutex store_log_mutex_;
  std::vector<std::string> store_log_;
  std::unique_ptr<CorpusVectors> vectors_;
  std::unique_ptr<store::FeedStore> store_;
  FailingStore* failing_ = nullptr;
  std::vector<std::string> log_;
};

TEST_F(CorpusVectorsTest, NewPostGetsAUnitVectorAndItsHashtagsFromTheSamePass) {
  write({User{1, "ann", 0}, post(10, 1, "Big #News about #Rust and #news")});
  const auto vector = row_of(*vectors_, 10);
  ASSERT_EQ(vector.size(), 128u);
  EXPECT_NEAR(dot(vector, vector), 1.0, embeddings::kTextVectorSquaredNormError);
  auto snapshot = store_->snapshot();
  EXPECT_EQ(snapshot.state().posts.find(10)->hashtags(),
            (std::vector<std::string>{"news", "rust"}));
}

TEST_F(CorpusVectorsTest, ABatchJoinsTheIdfBeforeItsVectorsAreComputed) {
  const std::string first = "gpu kernels for feed ranking";
  const std::string second = "feed ranking with embeddings";
  write({User{1, "ann", 0}, post(10, 1, first), post(11, 1, second)});

  auto embedder = embeddings::TextEmbedder::create(128);
  ASSERT_TRUE(embedder.ok());
  embeddings::DocumentFrequencies expected_idf;
  std::vector<embeddings::TextFeature> features;
  for (const auto& text : {first, second}) {
    embeddings::extract_text_features(text, features);
    expected_idf.add_document(features);
  }
  EXPECT_EQ(vectors_->frequencies(), expected_idf);
  std::vector<float> expected(128);
  embedder->embed(second, expected_idf, expected);
  EXPECT_EQ(row_of(*vectors_, 11), expected);  // bit for bit
}

// The table keeps post vectors at half precision by default, so a caller's vector (0.6 and 0.8
// are no halves) is rounded there, while the store keeps it as given: a start that keeps floats
// reads it back exactly.
TEST_F(CorpusVectorsTest, CallerSuppliedVectorIsKeptNormalisedRoundedInTheTableExactInTheStore) {
  Post p = post(10, 1, "text that is not used for the vector");
  p.embedding.assign(128, 0.0f);
  p.embedding[0] = 3.0f;
  p.embedding[5] = 4.0f;
  write({User{1, "ann", 0}, p});
  auto vector = row_of(*vectors_, 10);
  ASSERT_EQ(vector.size(), 128u);
  EXPECT_EQ(vector[0], round_to_half(0.6f));
  EXPECT_EQ(vector[5], round_to_half(0.8f));
  EXPECT_NE(vector[0], 0.6f);
  EXPECT_EQ(vectors_->frequencies().documents(), 1u) << "its text still counts for the IDF";

  ASSERT_TRUE(open(128, 100'000, embeddings::RowPrecision::kFloat).ok());
  vector = row_of(*vectors_, 10);
  ASSERT_EQ(vector.size(), 128u);
  EXPECT_FLOAT_EQ(vector[0], 0.6f);
  EXPECT_FLOAT_EQ(vector[5], 0.8f);
  ASSERT_TRUE(open().ok());
  EXPECT_EQ(row_of(*vectors_, 10)[0], round_to_half(0.6f)) << "rounded again at half precision";
}

// Text vectors are computed at half precision, so a half table holds them bit for bit as a float
// table does, and the same store opened either way has the same rows.
TEST_F(CorpusVectorsTest, TextVectorsAreTheSameInAHalfAndAFloatTable) {
  write({User{1, "ann", 0}, post(10, 1, "gpu kernels for feed ranking"),
         post(11, 1, "ranking #news today and feed ranking")});
  const auto half10 = row_of(*vectors_, 10), half11 = row_of(*vectors_, 11);
  ASSERT_EQ(half10.size(), 128u);
  ASSERT_TRUE(open(128, 100'000, embeddings::RowPrecision::kFloat).ok());
  EXPECT_EQ(vectors_->posts().precision(), embeddings::RowPrecision::kFloat);
  EXPECT_EQ(row_of(*vectors_, 10), half10);
  EXPECT_EQ(row_of(*vectors_, 11), half11);
  write({post(12, 1, "gpu kernels today")});
  const auto float12 = row_of(*vectors_, 12);
  ASSERT_TRUE(open().ok());
  EXPECT_EQ(vectors_->posts().precision(), embeddings::RowPrecision::kHalf);
  EXPECT_EQ(row_of(*vectors_, 12), float12);
}

TEST_F(CorpusVectorsTest, DeleteLeavesATombstoneAndTakesThePostOutOfTheIdf) {
  write({User{1, "ann", 0}, post(10, 1, "alpha beta"), post(11, 1, "beta gamma")});
  const auto before = row_of(*vectors_, 10);
  write({DeletePost{10}});
  const auto row = vectors_->posts().row_of(10);
  ASSERT_TRUE(row.has_value());
  EXPECT_TRUE(vectors_->posts().is_deleted(*row));
  EXPECT_EQ(vectors_->posts().live_rows(), 1u);
  EXPECT_EQ(row_of(*vectors_, 10), before) << "the row keeps its values under the tombstone";
  EXPECT_EQ(vectors_->frequencies().documents(), 1u);
  std::vector<embeddings::TextFeature> features;
  embeddings::extract_text_features("alpha", features);
  EXPECT_EQ(vectors_->frequencies().frequency(features[0].key), 0u);
}

TEST_F(CorpusVectorsTest, AFailedCommitLeavesTheIdfAsItWas) {
  write({User{1, "ann", 0}, post(10, 1, "first post")});
  const embeddings::DocumentFrequencies before = vectors_->frequencies();
  failing_->fail_next_commit = true;
  auto written = store_->write(std::vector<WriteOp>{post(11, 1, "second post")},
                               [](std::size_t, std::string_view) { return std::string("x"); });
  EXPECT_FALSE(written.ok());
  EXPECT_EQ(vectors_->frequencies(), before);
  EXPECT_FALSE(vectors_->posts().row_of(11).has_value());
}

// A delete's features are taken in prepare(), outside the readers' lock: from the stored post, or
// from a post the same batch creates; a failed commit takes nothing out.
TEST_F(CorpusVectorsTest, DeletesTakeTheirPostsOutOfTheIdfAlsoWithinOneBatchAndNotOnAFailure) {
  write({User{1, "ann", 0}, post(10, 1, "alpha beta"), post(11, 1, "beta gamma")});
  const embeddings::DocumentFrequencies two_posts = vectors_->frequencies();
  failing_->fail_next_commit = true;
  auto failed = store_->write(std::vector<WriteOp>{DeletePost{10}},
                              [](std::size_t, std::string_view) { return std::string("x"); });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(vectors_->frequencies(), two_posts);

  write({post(12, 1, "delta epsilon"), DeletePost{12}, DeletePost{10}});
  auto frequency = [&](std::string_view word) {
    std::vector<embeddings::TextFeature> features;
    embeddings::extract_text_features(word, features);
    return vectors_->frequencies().frequency(features[0].key);
  };
  EXPECT_EQ(vectors_->frequencies().documents(), 1u);
  EXPECT_EQ(frequency("alpha"), 0u);
  EXPECT_EQ(frequency("delta"), 0u) << "the post created and deleted in the batch";
  EXPECT_EQ(frequency("gamma"), 1u);
  const embeddings::DocumentFrequencies written = vectors_->frequencies();
  ASSERT_TRUE(open().ok());
  EXPECT_EQ(vectors_->frequencies(), written) << "the start's count from the live posts";
}

TEST_F(CorpusVectorsTest, VectorsIdfAndTombstonesSurviveARestartBitForBit) {
  write({User{1, "ann", 0}, User{2, "bob", 0}, post(10, 1, "rust compilers are fast"),
         post(11, 2, "gpu kernels in cuda")});
  write({post(12, 1, "rust and cuda together"), post(13, 2, "")});
  write({DeletePost{11}});
  std::map<PostId, std::vector<float>> rows;
  for (PostId id : {10, 11, 12, 13}) rows[id] = row_of(*vectors_, id);
  const embeddings::DocumentFrequencies idf = vectors_->frequencies();

  ASSERT_TRUE(open().ok());
  for (PostId id : {10, 11, 12, 13}) EXPECT_EQ(row_of(*vectors_, id), rows[id]) << id;
  EXPECT_EQ(vectors_->frequencies(), idf);
  EXPECT_TRUE(vectors_->posts().is_deleted(*vectors_->posts().row_of(11)));
  EXPECT_EQ(vectors_->posts().live_rows(), 3u);
}

// The exact scan reads the newest rows by their order; the replay reads posts by id. With ids that
// do not grow with time, the rows must still come back in the order the writes made them.
TEST_F(CorpusVectorsTest, RowsComeBackInWriteOrderWhateverThePostIds) {
  write({User{1, "ann", 0}, post(900, 1, "first written, largest id")});
  write({post(5, 1, "second, a small id"), post(500, 1, "third")});
  write({post(7, 1, "fourth")});
  const std::vector<PostId> written = {900, 5, 500, 7};
  const auto rows_of = [&] {
    std::vector<PostId> ids;
    for (PostId id : written) ids.push_back(static_cast<PostId>(*vectors_->posts().row_of(id)));
    return ids;
  };
  const std::vector<PostId> live_rows = rows_of();
  EXPECT_EQ(live_rows, (std::vector<PostId>{0, 1, 2, 3}));
  const std::vector<float> vector5 = row_of(*vectors_, 5);
  ASSERT_TRUE(open().ok());
  EXPECT_EQ(rows_of(), live_rows);
  EXPECT_EQ(row_of(*vectors_, 5), vector5) << "each row still holds its post's vector";
}

// Enough posts for the start's IDF pass to run in several chunks on several threads.
TEST_F(CorpusVectorsTest, TheIdfCountedInParallelAtStartEqualsTheOneTheWritesKept) {
  write({User{1, "ann", 0}, User{2, "bob", 0}});
  const std::vector<std::string> words = {"rust", "cuda", "bread", "jazz", "tennis", "#gpu", "chess"};
  std::vector<WriteOp> ops;
  for (PostId id = 1; id <= 4000; ++id) {
    ops.push_back(post(id, 1 + id % 2,
                       words[id % 7] + " " + words[(id / 7) % 7] + " n" + std::to_string(id % 97)));
  }
  write(std::move(ops));
  std::vector<WriteOp> deletes;
  for (PostId id = 3; id <= 4000; id += 5) deletes.push_back(DeletePost{id});
  write(std::move(deletes));
  const embeddings::DocumentFrequencies idf = vectors_->frequencies();
  ASSERT_EQ(idf.documents(), 4000u - 800u);

  ASSERT_TRUE(open().ok());
  EXPECT_EQ(vectors_->frequencies(), idf);
}

// Re-embedding (reembed_rows through FeedStore::rewrite, as FeedEngine::reembed runs it).
class ReembedTest : public CorpusVectorsTest {
 protected:
  // Re-embeds every row, each changed vector on a new row unless `in_place`; returns how many
  // vectors changed.
  std::size_t reembed_all(bool in_place = false) {
    std::size_t changed = 0;
    const absl::Status status = store_->rewrite(
        [&](const store::FeedState& state) {
          auto records = vectors_->reembed_rows(state, 0, vectors_->posts().rows());
          changed = records.size();
          return records;
        },
        [&](std::span<const store::StoredPost> records) {
          vectors_->publish_reembedded(records, in_place);
        });
    EXPECT_TRUE(status.ok()) << status;
    return changed;
  }

  // What the post's text embeds to with the IDF the vectors hold now.
  std::vector<float> embedded_now(std::string_view text) {
    auto embedder = embeddings::TextEmbedder::create(128);
    EXPECT_TRUE(embedder.ok());
    std::vector<float> vector(128);
    embedder->embed(text, vectors_->frequencies(), vector);
    return vector;
  }

  std::vector<float> caller_vector() {
    std::vector<float> vector(128, 0.0f);
    vector[0] = 0.6f;
    vector[5] = 0.8f;
    return vector;
  }
  // As the table keeps it: normalised, rounded to halves.
  std::vector<float> caller_vector_as_kept() {
    std::vector<float> vector = caller_vector();
    embeddings::l2_normalize(vector);
    round_to_half(vector);
    return vector;
  }

  // Posts 10 and 11 written first; then 20..39 repeat their words and move the IDF; 12 carries
  // its caller's vector.
  void write_drifting_corpus() {
    Post supplied = post(12, 1, "feed ranking gpu");
    supplied.embedding = caller_vector();
    write({User{1, "ann", 0}, post(10, 1, "gpu kernels for feed ranking"),
           post(11, 1, "ranking #news today"), supplied});
    std::vector<WriteOp> later;
    for (PostId id = 20; id < 40; ++id) later.push_back(post(id, 1, "gpu feed " + std::to_string(id)));
    write(std::move(later));
  }
};

TEST_F(ReembedTest, TextVectorsTakeTodaysIdfCallersAreKeptAndARestartReadsThem) {
  write_drifting_corpus();
  const std::vector<float> expected10 = embedded_now("gpu kernels for feed ranking");
  const std::vector<float> expected11 = embedded_now("ranking #news today");
  ASSERT_NE(row_of(*vectors_, 10), expected10) << "the later posts moved the IDF";
  const std::size_t rows_before = vectors_->posts().rows();
  const std::size_t old_row = *vectors_->posts().row_of(10);

  // 10 and 11 change; 12 is its caller's; 20..39 were embedded with an IDF that already
  // counted their own batch, which is today's.
  EXPECT_EQ(reembed_all(), 2u);
  EXPECT_EQ(row_of(*vectors_, 10), expected10);  // bit for bit
  EXPECT_EQ(row_of(*vectors_, 11), expected11);
  EXPECT_EQ(row_of(*vectors_, 12), caller_vector_as_kept());
  EXPECT_EQ(vectors_->posts().rows(), rows_before + 2) << "a changed vector takes a new row";
  EXPECT_EQ(vectors_->posts().live_rows(), 23u);
  EXPECT_TRUE(vectors_->posts().is_deleted(old_row)) << "its old row is skipped from now on";
  {
    auto snapshot = store_->snapshot();
    EXPECT_EQ(snapshot.state().posts.find(11)->hashtags(), std::vector<std::string>{"news"});
  }
  EXPECT_EQ(reembed_all(), 0u) << "nothing left to change";

  ASSERT_TRUE(open().ok());
  EXPECT_EQ(row_of(*vectors_, 10), expected10) << "stored, not recomputed at the start";
  EXPECT_EQ(row_of(*vectors_, 12), caller_vector_as_kept()) << "still known as the caller's";
  {
    ASSERT_TRUE(open(128, 100'000, embeddings::RowPrecision::kFloat).ok());
    std::vector<float> exact = caller_vector();
    embeddings::l2_normalize(exact);
    EXPECT_EQ(row_of(*vectors_, 12), exact) << "the store kept the caller's vector as given";
    ASSERT_TRUE(open().ok());
  }
  EXPECT_EQ(vectors_->posts().rows(), 23u) << "a start reads one row per post";
  EXPECT_EQ(reembed_all(), 0u);
  auto snapshot = store_->snapshot();
  EXPECT_EQ(snapshot.state().posts.find(11)->text(), "ranking #news today");
  EXPECT_EQ(snapshot.state().posts.find(11)->hashtags(), std::vector<std::string>{"news"});
}

// A re-embedding rewrites stored vectors under their old sequences, and the user vectors keep
// what they learned from the old ones. A start replays the records after the last checkpoint with
// the vectors stored then: records from before the rewrite must not be among them.
TEST_F(ReembedTest, UserVectorsAreTheSameAfterAStartThatReplaysTheRecordsBeforeIt) {
  ASSERT_TRUE(open(128, 1'000'000).ok());  // no checkpoint is due
  write_drifting_corpus();
  write({User{2, "bo", 0}, like(2, 10), like(2, 11)});
  ASSERT_EQ(reembed_all(), 2u);
  write({like(2, 20)});  // after the rewrite: replayed with the new vectors, as it was applied
  const std::vector<float> author = user_vector(1);
  const std::vector<float> engager = user_vector(2);
  ASSERT_TRUE(open(128, 1'000'000).ok());  // no checkpoint at close
  EXPECT_EQ(user_vector(1), author);
  EXPECT_EQ(user_vector(2), engager);
}

TEST_F(ReembedTest, InPlaceTheRowsAreOverwrittenAndTheTableDoesNotGrow) {
  write_drifting_corpus();
  const std::vector<float> expected10 = embedded_now("gpu kernels for feed ranking");
  const std::size_t row10 = *vectors_->posts().row_of(10);
  EXPECT_EQ(reembed_all(/*in_place=*/true), 2u);
  EXPECT_EQ(vectors_->posts().row_of(10), row10);
  EXPECT_EQ(row_of(*vectors_, 10), expected10);
  EXPECT_EQ(vectors_->posts().rows(), 23u);
  EXPECT_EQ(vectors_->posts().live_rows(), 23u);
  EXPECT_EQ(row_of(*vectors_, 12), caller_vector_as_kept());
}

TEST_F(ReembedTest, DeletedPostsAreLeftAloneAndStayDeletedAfterARestart) {
  write_drifting_corpus();
  write({DeletePost{10}});
  const std::size_t row10 = *vectors_->posts().row_of(10);
  EXPECT_EQ(reembed_all(), 21u) << "the delete moved the IDF: every live text post but 10";
  EXPECT_EQ(vectors_->posts().row_of(10), row10);
  EXPECT_TRUE(vectors_->posts().is_deleted(row10));
  ASSERT_TRUE(open().ok());
  auto snapshot = store_->snapshot();
  EXPECT_TRUE(snapshot.state().posts.find(10)->deleted);
  EXPECT_EQ(vectors_->posts().live_rows(), 22u);
}

TEST_F(ReembedTest, AFailedCommitChangesNoVector) {
  write_drifting_corpus();
  const std::vector<float> before = row_of(*vectors_, 10);
  const std::size_t rows = vectors_->posts().rows();
  failing_->fail_next_commit = true;
  bool published = false;
  const absl::Status status = store_->rewrite(
      [&](const store::FeedState& state) {
        return vectors_->reembed_rows(state, 0, vectors_->posts().rows());
      },
      [&](std::span<const store::StoredPost>) { published = true; });
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(published);
  EXPECT_EQ(row_of(*vectors_, 10), before);
  EXPECT_EQ(vectors_->posts().rows(), rows);
}

TEST_F(CorpusVectorsTest, EngagingMovesTheUserTowardsThePost) {
  write({User{1, "ann", 0}, User{2, "bob", 0}, post(10, 2, "rust borrow checker lifetimes"),
         post(11, 2, "sourdough bread baking")});
  write({like(1, 10)});
  const auto user = user_vector(1);
  const auto rust = row_of(*vectors_, 10);
  const auto bread = row_of(*vectors_, 11);
  EXPECT_GT(dot(user, rust), 0.99);
  EXPECT_LT(dot(user, bread), 0.5);
}

TEST_F(CorpusVectorsTest, ANewUserWithFollowsButNoEngagementsGetsTheFolloweesDirection) {
  write({User{1, "ann", 0}, User{2, "bob", 0}, post(10, 2, "rust borrow checker lifetimes"),
         Follow{1, 2, 0}});
  const auto user = user_vector(1);
  EXPECT_NEAR(dot(user, user), 1.0, 1e-5);
  EXPECT_GT(dot(user, row_of(*vectors_, 10)), 0.99);
  EXPECT_EQ(vectors_->users_with_vectors(), 1u) << "only the author has state of their own";
}

TEST_F(CorpusVectorsTest, APostWithoutWordsHasTheZeroVectorAndMovesNobody) {
  write({User{1, "ann", 0}, User{2, "bob", 0}, post(10, 2, "!!! ...")});
  write({like(1, 10)});
  const auto vector = row_of(*vectors_, 10);
  EXPECT_EQ(dot(vector, vector), 0.0);
  EXPECT_EQ(vectors_->users_with_vectors(), 0u);
}

// Writes users, posts and engagements in many small batches, then checks that user vectors
// after a reopen equal those before it, bit for bit.
class UserVectorRestartTest : public CorpusVectorsTest,
                              public ::testing::WithParamInterface<std::uint64_t> {
 protected:
  void write_history() {
    const char* topics[] = {"rust compilers borrow checker", "gpu cuda kernels warps",
                            "sourdough bread baking", "jazz piano chords"};
    std::vector<WriteOp> users;
    for (UserId u = 1; u <= 8; ++u) users.push_back(User{u, "u" + std::to_string(u), 0});
    write(users);
    write({Follow{1, 2, 0}, Follow{3, 4, 0}, Follow{5, 1, 0}});
    PostId next = 100;
    for (int round = 0; round < 6; ++round) {
      std::vector<WriteOp> ops;
      for (UserId u = 1; u <= 8; ++u) {
        const PostId id = next++;
        ops.push_back(post(id, u, std::string(topics[(u + round) % 4]) + " " + std::to_string(id),
                           kDay + round * 3600'000 + u));
        const TimestampMs at = kDay + round * 3600'000 + 100 + static_cast<TimestampMs>(u);
        ops.push_back(Engagement{(u % 8) + 1, id, static_cast<EngagementKind>(round % 4), at});
      }
      write(ops);
    }
    write({DeletePost{105}});  // a post engaged with and then deleted
    write({like(1, 106, 2 * kDay)});  // one event after the last checkpoint (unless every 1)
  }

  std::map<UserId, std::vector<float>> all_user_vectors() {
    std::map<UserId, std::vector<float>> out;
    for (UserId u = 1; u <= 8; ++u) out[u] = user_vector(u, 3 * kDay);
    return out;
  }
};

TEST_P(UserVectorRestartTest, UserVectorsAreTheSameAfterAReopen) {
  ASSERT_TRUE(open(128, GetParam()).ok());
  write_history();
  const auto before = all_user_vectors();
  ASSERT_TRUE(open(128, GetParam()).ok());  // no checkpoint at close (one being saved completes)
  EXPECT_EQ(all_user_vectors(), before);
  const bool replayed = !log_.empty() && log_.back().find("replaying") != std::string::npos;
  // A checkpoint after every event leaves no tail; rarer ones leave some to replay.
  EXPECT_EQ(replayed, GetParam() > 1) << (log_.empty() ? "" : log_.back());

  // A clean checkpoint leaves nothing to replay, and the vectors are still the same.
  ASSERT_TRUE(store_->checkpoint().ok());
  ASSERT_TRUE(open(128, GetParam()).ok());
  EXPECT_TRUE(log_.empty()) << log_.front();
  EXPECT_EQ(all_user_vectors(), before);
}

INSTANTIATE_TEST_SUITE_P(CheckpointEvery, UserVectorRestartTest,
                         ::testing::Values(1, 7, 1'000'000),
                         [](const auto& info) { return "every_" + std::to_string(info.param); });

// A checkpoint is saved beside the writes: a slow disk under its save holds up none of them.
TEST_F(CorpusVectorsTest, WritesGoOnWhileACheckpointIsBeingSaved) {
  ASSERT_TRUE(open(128, /*checkpoint_every=*/4).ok());
  write({User{1, "ann", 0}, User{2, "bob", 0}, post(10, 2, "rust borrow checker lifetimes"),
         post(11, 2, "sourdough bread baking")});  // two user-vector events
  const int saves_before = failing_->checkpoint_saves;
  failing_->hold_checkpoints = true;
  auto writes = std::async(std::launch::async, [&] {
    write({like(1, 10), like(1, 11)});  // four events: a checkpoint is due, its save held
    write({post(12, 1, "gpu cuda kernels warps")});
  });
  // Declared after `writes`, so it releases the save before `writes` waits for its thread.
  absl::Cleanup release = [&] { failing_->hold_checkpoints = false; };
  ASSERT_EQ(writes.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "a write waited for the checkpoint's save";
  EXPECT_TRUE(eventually([&] { return failing_->checkpoint_saves == saves_before + 1; }))
      << "the checkpoint's save did not start";
  const std::vector<float> ann = user_vector(1);
  const std::vector<float> bob = user_vector(2);

  failing_->hold_checkpoints = false;
  ASSERT_TRUE(store_->checkpoint().ok());  // waits for the held save, then saves the rest
  ASSERT_TRUE(open(128, 4).ok());
  EXPECT_TRUE(log_.empty()) << log_.front();  // nothing after the last checkpoint to replay
  EXPECT_EQ(user_vector(1), ann);
  EXPECT_EQ(user_vector(2), bob);
}

// The users of a checkpoint whose save failed go into the next one: none is left without its
// state when the next checkpoint's sequence says nothing before it needs replaying.
TEST_F(CorpusVectorsTest, TheUsersOfAFailedCheckpointSaveAreSavedWithTheNext) {
  ASSERT_TRUE(open(128, /*checkpoint_every=*/4).ok());
  write({User{1, "ann", 0}, User{2, "bob", 0}, User{3, "cy", 0},
         post(10, 3, "rust borrow checker lifetimes"), post(11, 3, "sourdough bread baking")});
  failing_->fail_next_checkpoint = true;
  write({like(1, 10), like(1, 11)});  // due: cy's and ann's states, not saved
  write({like(2, 10), like(2, 11, 2 * kDay + 1), like(2, 10, 2 * kDay + 2),
         like(2, 11, 2 * kDay + 3)});  // due: bob's, with ann's and cy's again
  EXPECT_FALSE(failing_->fail_next_checkpoint) << "the first save did not fail";
  std::map<UserId, std::vector<float>> before;
  for (UserId u = 1; u <= 3; ++u) before[u] = user_vector(u);
  ASSERT_TRUE(open(128, 4).ok());  // no checkpoint at close (the second save completes)
  EXPECT_TRUE(log_.empty()) << log_.front();
  for (UserId u = 1; u <= 3; ++u) EXPECT_EQ(user_vector(u), before[u]) << "user " << u;
}

// A stop (or kill -9) right after a failed save: the start replays from the checkpoint before.
TEST_F(CorpusVectorsTest, AStartAfterAFailedCheckpointSaveReplaysFromTheOneBefore) {
  ASSERT_TRUE(open(128, /*checkpoint_every=*/4).ok());
  write({User{1, "ann", 0}, User{2, "bob", 0}, post(10, 2, "rust borrow checker lifetimes"),
         post(11, 2, "sourdough bread baking")});
  write({like(1, 10), like(1, 11)});  // due: saved in the background
  ASSERT_TRUE(store_->checkpoint().ok());  // waits for that save
  failing_->fail_next_checkpoint = true;
  write({like(2, 10), like(2, 11), like(1, 10, 2 * kDay + 1), like(1, 11, 2 * kDay + 2)});
  const std::vector<float> ann = user_vector(1);
  const std::vector<float> bob = user_vector(2);
  ASSERT_TRUE(eventually([&] { return !failing_->fail_next_checkpoint; }))
      << "the second checkpoint's save did not run";
  ASSERT_TRUE(open(128, 4).ok());  // no checkpoint at close
  ASSERT_FALSE(log_.empty());
  EXPECT_THAT(log_.back(), HasSubstr("replaying 4 user-vector events"));
  EXPECT_EQ(user_vector(1), ann);
  EXPECT_EQ(user_vector(2), bob);
}

// A failed save is counted with its error and logged, and what the stored checkpoint reaches is
// what a start reads.
TEST_F(CorpusVectorsTest, CheckpointSavesAreCountedAndAFailedOneIsLogged) {
  ASSERT_TRUE(open(128, /*checkpoint_every=*/4).ok());
  write({User{1, "ann", 0}, User{2, "bob", 0}, post(10, 2, "rust borrow checker lifetimes"),
         post(11, 2, "sourdough bread baking")});  // records 1 and 2
  store::CheckpointCounts counts = store_->counts().checkpoints;
  EXPECT_EQ(counts.through, 0u);
  EXPECT_EQ(counts.last_sequence, 2u);
  EXPECT_EQ(counts.saved + counts.failed, 0u);

  failing_->fail_next_checkpoint = true;
  write({like(1, 10), like(1, 11)});  // records 3 and 4: due, its save fails
  // The line is logged after the count: wait for both.
  ASSERT_TRUE(eventually([&] { return !store_log().empty(); }));
  counts = store_->counts().checkpoints;
  EXPECT_EQ(counts.failed, 1u);
  EXPECT_EQ(counts.saved, 0u);
  EXPECT_EQ(counts.last_error, "disk full");
  EXPECT_EQ(counts.through, 0u) << "nothing was stored";
  const std::vector<std::string> lines = store_log();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("not saved: disk full"));
  EXPECT_THAT(lines[0], HasSubstr("replays the records after 0"));

  write({like(2, 10), like(2, 11), like(1, 10, 2 * kDay + 1), like(1, 11, 2 * kDay + 2)});
  ASSERT_TRUE(eventually([&] { return store_->counts().checkpoints.saved == 1; }));
  counts = store_->counts().checkpoints;
  EXPECT_EQ(counts.through, 8u);
  EXPECT_EQ(counts.last_sequence, 8u);
  EXPECT_EQ(counts.failed, 1u);
  EXPECT_EQ(store_log().size(), 1u) << "a save that succeeds logs nothing";

  ASSERT_TRUE(open(128, 4).ok());  // no checkpoint at close
  counts = store_->counts().checkpoints;
  EXPECT_EQ(counts.through, 8u) << "read from the store";
  EXPECT_EQ(counts.last_sequence, 8u);
  EXPECT_EQ(counts.saved + counts.failed, 0u) << "since start";
  EXPECT_EQ(counts.last_error, "");
}

// A save that throws fails that save only: the write that collects it goes on, and its users are
// saved with the next checkpoint.
TEST_F(CorpusVectorsTest, ACheckpointSaveThatThrowsFailsTheSaveNotAWrite) {
  ASSERT_TRUE(open(128, /*checkpoint_every=*/4).ok());
  write({User{1, "ann", 0}, User{2, "bob", 0}, post(10, 2, "rust borrow checker lifetimes"),
         post(11, 2, "sourdough bread baking")});
  failing_->throw_next_checkpoint = true;
  write({like(1, 10), like(1, 11)});  // due: its save throws on the saving thread
  ASSERT_TRUE(eventually([&] { return store_->counts().checkpoints.failed == 1; }));
  EXPECT_THAT(store_->counts().checkpoints.last_error, HasSubstr("checksum mismatch"));
  // Collects the failed save, then begins the next.
  write({like(2, 10), like(2, 11), like(1, 10, 2 * kDay + 1), like(1, 11, 2 * kDay + 2)});
  ASSERT_TRUE(eventually([&] { return store_->counts().checkpoints.saved == 1; }));
  const std::vector<float> ann = user_vector(1);
  const std::vector<float> bob = user_vector(2);
  ASSERT_TRUE(open(128, 4).ok());  // no checkpoint at close
  EXPECT_TRUE(log_.empty()) << log_.front();  // nothing after the checkpoint to replay
  EXPECT_EQ(user_vector(1), ann);
  EXPECT_EQ(user_vector(2), bob);
}

// A checkpoint's states are copied after it begins, beside later writes: it must still hold each
// user's state as of its sequence. Were a later event in a saved state, the start would replay it
// once more from the log, and the vector would differ.
class CheckpointCopyTest : public CorpusVectorsTest {
 protected:
  static constexpr UserId kUsers = 300;

  void SetUp() override {
    ASSERT_TRUE(open(128, /*checkpoint_every=*/1'000'000).ok());  // none due on their own
    std::vector<WriteOp> ops;
    for (UserId u = 1; u <= kUsers; ++u) ops.push_back(User{u, "u" + std::to_string(u), 0});
    ops.push_back(post(10, 1, "rust borrow checker lifetimes"));
    ops.push_back(post(11, 2, "sourdough bread baking"));
    ops.push_back(post(12, 3, "gpu cuda kernels warps"));
    write(ops);
    for (UserId u = 1; u <= kUsers; ++u) {
      write({like(u, 10 + static_cast<PostId>(u % 3), 2 * kDay + static_cast<TimestampMs>(u))});
    }
  }

  // More events for users first..last (and a post by a user no checkpoint holds yet), in
  // batches of 50, each counted in `batches` once written.
  void change_users(UserId first, UserId last, PostId new_post, std::atomic<int>* batches = nullptr) {
    write({User{kUsers + new_post, "late", 0}, post(new_post, kUsers + new_post, "new tokio runtime")});
    std::vector<WriteOp> ops;
    for (UserId u = first; u <= last; ++u) {
      ops.push_back(like(u, new_post, 2 * kDay + 1000 + static_cast<TimestampMs>(u)));
      if (ops.size() < 50 && u != last) continue;
      write(std::exchange(ops, {}));
      if (batches) ++*batches;
    }
  }

  // The checkpoint begun, taken as the store takes it: under the readers' lock a few at a time.
  store::Checkpoint take_checkpoint() {
    return vectors_->take_checkpoint([&](absl::FunctionRef<void()> read) {
      const auto snapshot = store_->snapshot();
      read();
    });
  }

  // Saves `taken` as the store would and reopens: the start restores its states and replays
  // every event after its sequence.
  void save_and_reopen(const store::Checkpoint& taken) {
    ASSERT_TRUE(failing_->save_checkpoint(taken).ok());
    vectors_->checkpoint_finished(true);
    expect_the_same_vectors_after_a_reopen();
  }

  // Every user's vector after a reopen (with events after the checkpoint to replay) is what it
  // was before.
  void expect_the_same_vectors_after_a_reopen() {
    std::map<UserId, std::vector<float>> before;
    for (UserId u = 1; u <= kUsers + 100; ++u) before[u] = user_vector(u);
    ASSERT_TRUE(open(128, 1'000'000).ok());
    ASSERT_FALSE(log_.empty());
    EXPECT_THAT(log_.back(), HasSubstr("replaying"));
    for (UserId u = 1; u <= kUsers + 100; ++u) {
      ASSERT_EQ(user_vector(u), before[u]) << "user " << u;
    }
  }
};

TEST_F(CheckpointCopyTest, TakenAfterLaterWritesItHoldsTheStatesOfItsSequence) {
  ASSERT_FALSE(vectors_->begin_checkpoint(/*force=*/false)) << "none due";
  ASSERT_TRUE(vectors_->begin_checkpoint(/*force=*/true));
  change_users(1, kUsers / 2, 20);  // half of them change before the copy is taken
  const store::Checkpoint taken = take_checkpoint();
  EXPECT_EQ(taken.user_count(), kUsers);
  save_and_reopen(taken);
}

TEST_F(CheckpointCopyTest, TakenWhileAnotherThreadWritesToEveryUser) {
  ASSERT_TRUE(vectors_->begin_checkpoint(/*force=*/true));
  std::atomic<int> batches = 0;
  auto writing = std::async(std::launch::async, [&] {
    change_users(1, kUsers, 20, &batches);
    change_users(1, kUsers, 21, &batches);
  });
  // Turn k of the copy waits for batch k: the first turn comes after users 1-50 changed, and
  // later batches are likely to land between turns.
  int turns = 0;
  const store::Checkpoint taken = vectors_->take_checkpoint([&](absl::FunctionRef<void()> read) {
    ++turns;
    EXPECT_TRUE(eventually([&] { return batches >= turns; }));
    const auto snapshot = store_->snapshot();
    read();
  });
  writing.get();
  EXPECT_EQ(batches, 12);  // 300 users' events in batches of 50, twice
  EXPECT_GE(turns, 6) << "300 states, 64 a turn, and the close";
  EXPECT_EQ(taken.user_count(), kUsers);
  save_and_reopen(taken);
}

// How many stored user states are newer than the stored checkpoint sequence (all of them when
// none is stored).
std::size_t states_ahead_of_the_checkpoint(const store::DurableStore& durable) {
  store::test::Replayed replayed;
  EXPECT_TRUE(durable.replay(replayed).ok());
  return std::ranges::count_if(replayed.states, [&](const auto& user_state) {
    return user_state.second.first > replayed.through.value_or(0);
  });
}

// A save cut short (a full disk, or a crash, halfway) leaves some users' states newer than the
// checkpoint sequence stored: a start replays each user's events after its own state only.
TEST_F(CheckpointCopyTest, AStartAfterASaveCutShortReplaysEachUserFromItsOwnState) {
  ASSERT_TRUE(store_->checkpoint().ok());
  change_users(1, kUsers, 20);  // every user's state changes after the checkpoint
  failing_->cut_next_checkpoint_at = kUsers / 2;
  EXPECT_FALSE(store_->checkpoint().ok());
  EXPECT_EQ(states_ahead_of_the_checkpoint(*failing_), kUsers / 2) << "not cut halfway";
  change_users(1, kUsers, 21);  // and again after the cut
  expect_the_same_vectors_after_a_reopen();
}

// The same with no checkpoint sequence stored at all. (Replaying every event once more would not
// show: the means keep their direction when all their events count twice.)
TEST_F(CheckpointCopyTest, AStartAfterTheFirstSaveWasCutShortReplaysEachUserFromItsOwnState) {
  failing_->cut_next_checkpoint_at = kUsers / 2;
  EXPECT_FALSE(store_->checkpoint().ok());
  EXPECT_EQ(states_ahead_of_the_checkpoint(*failing_), kUsers / 2) << "not cut halfway";
  change_users(1, kUsers, 20);
  expect_the_same_vectors_after_a_reopen();
}

TEST_F(CorpusVectorsTest, PostsStoredWithoutVectorsAreEmbeddedInBulkAtStartWithProgress) {
  store_.reset();
  vectors_.reset();
  {
    // A store written without the vectors extension, as before vectors existed.
    auto durable = store::open_rocksdb_store(dir_.sub("db"));
    ASSERT_TRUE(durable.ok());
    auto plain = store::FeedStore::open(std::move(*durable));
    ASSERT_TRUE(plain.ok());
    std::vector<WriteOp> ops{User{1, "ann", 0}, User{2, "bob", 0}};
    for (PostId id = 1; id <= 3000; ++id) {
      ops.push_back(post(id, 1, (id % 2 ? "rust compilers " : "bread baking ") + std::to_string(id)));
    }
    ops.push_back(like(2, 1));
    ASSERT_TRUE((*plain)->write(ops, [](std::size_t, std::string_view) { return ""; }).ok());
  }
  ASSERT_TRUE(open().ok());
  EXPECT_EQ(vectors_->posts().live_rows(), 3000u);
  ASSERT_FALSE(log_.empty());
  EXPECT_THAT(log_.front(), HasSubstr("embedding stored posts"));
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("3000/3000")));
  // Embedded with the whole corpus's IDF, like a batch that held every post.
  auto embedder = embeddings::TextEmbedder::create(128);
  std::vector<float> expected(128);
  embedder->embed("rust compilers 1", vectors_->frequencies(), expected);
  EXPECT_EQ(row_of(*vectors_, 1), expected);
  EXPECT_GT(dot(user_vector(2), expected), 0.99) << "the engagement was replayed on the new vector";
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("wrote the vectors of 3000 stored posts back")));

  // Written back once: the next start reads the vectors instead of computing them again.
  const std::vector<float> user_before = user_vector(2);
  ASSERT_TRUE(open().ok());
  EXPECT_THAT(log_, ::testing::Not(::testing::Contains(HasSubstr("embedding stored posts"))));
  EXPECT_EQ(vectors_->posts().live_rows(), 3000u);
  EXPECT_EQ(row_of(*vectors_, 1), expected);
  EXPECT_EQ(user_vector(2), user_before);
}

TEST_F(CorpusVectorsTest, ReopeningWithAnotherDimensionFailsWithTheDimensionToUse) {
  write({User{1, "ann", 0}, post(10, 1, "hello world")});
  const absl::Status status = open(64);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("--embedding-dimension 128"));
}

}  // namespace
}  // namespace feedrank::ranker
