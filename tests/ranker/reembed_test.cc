// FeedEngine::reembed over a real RocksDB store, with the exact scan and with HNSW: under
// concurrent writes, deletes and searches it leaves every live post findable by its vector and
// no deleted post, and once the writes stop a second pass gives every text-derived vector
// today's IDF, which a restart reads back. And the job alone, with a step that throws.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <new>
#include <random>
#include <set>
#include <thread>

#include "embeddings/text_embedder.h"
#include "embeddings/text_features.h"
#include "ranker/feed_engine.h"
#include "ranker/vectors/reembed_job.h"
#include "store/durable_store.h"
#include "tests/support/temp_dir.h"

namespace feedrank::ranker {
namespace {

constexpr int kDimension = 64;

struct IndexCase {
  const char* name;
  CpuIndexKind kind;
  friend void PrintTo(const IndexCase& c, std::ostream* out) { *out << c.name; }
};

class ReembedEngineTest : public ::testing::TestWithParam<IndexCase> {
 protected:
  void SetUp() override { open(); }

  void open() {
    engine_.reset();  // releases the RocksDB lock first
    auto durable = store::open_rocksdb_store(dir_.sub("db"));
    ASSERT_TRUE(durable.ok()) << durable.status();
    CorpusVectorOptions vectors;
    vectors.users.dimension = kDimension;
    RetrievalOptions retrieval;
    retrieval.backend = kernels::BackendRequest::kCpu;
    retrieval.cpu_index = GetParam().kind;
    auto engine = FeedEngine::open(std::move(*durable), std::move(vectors), retrieval);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
  }

  absl::Status write(std::vector<WriteOp> ops) {
    return engine_
        ->write(std::move(ops), [](std::size_t i, std::string_view) { return std::to_string(i); })
        .status();
  }

  // A unique word (so that no two posts share a vector) and three of a small vocabulary; later
  // posts draw from the front of it more often, which moves the IDF.
  Post make_post(PostId id, std::mt19937& rng, bool skewed) {
    static const char* kWords[] = {"gpu", "feed", "ranking", "kernel", "news", "sport",
                                   "music", "film", "rust", "cloud", "data", "chess"};
    std::string text = "unique" + std::to_string(id);
    for (int i = 0; i < 3; ++i) {
      const std::size_t word = skewed ? rng() % 3 : rng() % std::size(kWords);
      text += std::string(" ") + kWords[word];
    }
    Post post;
    post.id = id;
    post.author = 1 + id % 4;
    post.text = text;
    post.created_at = 1000 + static_cast<TimestampMs>(id);
    return post;
  }

  // Each live post's text embedded with the IDF of all of them (what the server's IDF counts).
  std::map<PostId, std::vector<float>> expected_vectors() const {
    embeddings::DocumentFrequencies idf;
    std::vector<embeddings::TextFeature> features;
    for (const auto& [id, text] : live_) {
      embeddings::extract_text_features(text, features);
      idf.add_document(features);
    }
    auto embedder = embeddings::TextEmbedder::create(kDimension);
    EXPECT_TRUE(embedder.ok());
    std::map<PostId, std::vector<float>> vectors;
    for (const auto& [id, text] : live_) {
      std::vector<float>& vector = vectors[id];
      vector.resize(kDimension);
      embedder->embed(text, idf, vector);
    }
    return vectors;
  }

  std::vector<ScoredPost> nearest(std::vector<float> vector, int k) {
    NearestPostsRequest request;
    request.to = NearestTo::kVector;
    request.vector = std::move(vector);
    request.k = k;
    auto found = engine_->nearest_posts(request);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() ? *found : std::vector<ScoredPost>{};
  }

  // Every live post is the nearest to its expected vector, with its own score 1 (its stored
  // vector is that vector); a deleted post is never found.
  void expect_every_post_has_todays_vector(const std::string& when) {
    const auto expected = expected_vectors();
    int checked = 0;
    for (const auto& [id, vector] : expected) {
      const std::vector<ScoredPost> found = nearest(vector, 3);
      ASSERT_FALSE(found.empty()) << when << ": post " << id;
      EXPECT_EQ(found.front().post, id) << when;
      EXPECT_NEAR(found.front().score, 1.0, embeddings::kTextVectorSquaredNormError) << when << ": post " << id;
      for (const ScoredPost& other : found) EXPECT_FALSE(deleted_.contains(other.post)) << when;
      ++checked;
    }
    EXPECT_EQ(checked, static_cast<int>(live_.size()));
    EXPECT_EQ(engine_->counts().embedded_posts, live_.size()) << when;
  }

  testing::TempDir dir_;
  std::unique_ptr<FeedEngine> engine_;
  std::map<PostId, std::string> live_;
  std::set<PostId> deleted_;
};

TEST_P(ReembedEngineTest, UnderWritesAndSearchesEveryLivePostKeepsAVectorAndTheNextPassIsExact) {
  std::mt19937 rng(5);
  std::vector<WriteOp> ops = {User{1, "a", 0}, User{2, "b", 0}, User{3, "c", 0}, User{4, "d", 0}};
  PostId next_id = 1;
  for (; next_id <= 300; ++next_id) {
    Post post = make_post(next_id, rng, /*skewed=*/false);
    live_[post.id] = post.text;
    ops.push_back(std::move(post));
  }
  ASSERT_TRUE(write(std::move(ops)).ok());

  std::atomic<bool> stop{false};
  std::atomic<int> searches{0}, duplicates{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      std::mt19937 local(100 + t);
      std::normal_distribution<float> normal;
      while (!stop.load()) {
        NearestPostsRequest request;
        request.to = NearestTo::kVector;
        request.vector.resize(kDimension);
        for (float& x : request.vector) x = normal(local);
        request.k = 30;
        auto found = engine_->nearest_posts(request);
        if (!found.ok()) continue;
        std::set<PostId> seen;
        for (const ScoredPost& post : *found) {
          if (!seen.insert(post.post).second) ++duplicates;  // an old row and its new one
        }
        ++searches;
      }
    });
  }

  ASSERT_TRUE(engine_->reembed(/*wait=*/false, /*rows_per_step=*/16).ok());
  EXPECT_EQ(engine_->reembed(false).code(), absl::StatusCode::kAlreadyExists);
  // Writes go on meanwhile: skewed posts (the IDF moves) and deletes of earlier ones.
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<WriteOp> writes;
    for (int i = 0; i < 8; ++i, ++next_id) {
      Post post = make_post(next_id, rng, /*skewed=*/true);
      live_[post.id] = post.text;
      writes.push_back(std::move(post));
    }
    for (int i = 0; i < 2; ++i) {
      auto victim = live_.begin();
      std::advance(victim, rng() % live_.size());
      deleted_.insert(victim->first);
      writes.push_back(DeletePost{victim->first});
      live_.erase(victim);
    }
    ASSERT_TRUE(write(std::move(writes)).ok());
  }
  while (engine_->counts().reembed->running) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  for (auto& reader : readers) reader.join();
  const ReembedProgress first = *engine_->counts().reembed;
  EXPECT_TRUE(first.error.empty()) << first.error;
  EXPECT_EQ(first.rows_done, first.rows_total);
  EXPECT_EQ(first.rows_total, 300u) << "the rows there were when it started";
  EXPECT_GT(searches.load(), 0);
  EXPECT_EQ(duplicates.load(), 0);

  // Writes have stopped: a second pass leaves every text-derived vector as today's IDF makes it.
  ASSERT_TRUE(engine_->reembed(/*wait=*/true).ok());
  EXPECT_GT(engine_->counts().reembed->vectors_changed, 0u);
  ASSERT_TRUE(engine_->wait_until_indexed(std::chrono::seconds(60)));
  expect_every_post_has_todays_vector("after the second pass");

  open();
  ASSERT_TRUE(engine_->wait_until_indexed(std::chrono::seconds(60)));
  expect_every_post_has_todays_vector("after a restart");
}

TEST_P(ReembedEngineTest, WithoutItOldPostsKeepTheIdfOfTheirWrite) {
  // The test above can fail: the drifted IDF leaves old posts with other vectors.
  std::mt19937 rng(6);
  std::vector<WriteOp> ops = {User{1, "a", 0}, User{2, "b", 0}, User{3, "c", 0}, User{4, "d", 0}};
  for (PostId id = 1; id <= 50; ++id) {
    Post post = make_post(id, rng, false);
    live_[id] = post.text;
    ops.push_back(std::move(post));
  }
  ASSERT_TRUE(write(std::move(ops)).ok());
  std::vector<WriteOp> later;
  for (PostId id = 51; id <= 150; ++id) {
    Post post = make_post(id, rng, true);
    live_[id] = post.text;
    later.push_back(std::move(post));
  }
  ASSERT_TRUE(write(std::move(later)).ok());
  ASSERT_TRUE(engine_->wait_until_indexed(std::chrono::seconds(60)));
  int stale = 0;
  for (const auto& [id, vector] : expected_vectors()) {
    const auto found = nearest(vector, 1);
    if (id <= 50 && !found.empty() && found.front().score < 1.0f - 1e-3f) ++stale;
  }
  EXPECT_GT(stale, 25);
  ASSERT_TRUE(engine_->reembed(/*wait=*/true).ok());
  EXPECT_EQ(engine_->counts().reembed->vectors_changed, 50u) << "the first batch's posts";
  ASSERT_TRUE(engine_->wait_until_indexed(std::chrono::seconds(60)));
  expect_every_post_has_todays_vector("after re-embedding");
}

INSTANTIATE_TEST_SUITE_P(CpuIndexes, ReembedEngineTest,
                         ::testing::Values(IndexCase{"exact", CpuIndexKind::kExact},
                                           IndexCase{"hnsw", CpuIndexKind::kHnsw}),
                         [](const auto& info) { return std::string(info.param.name); });

// A step that throws (out of memory) ends the job like a step that fails: with its error in the
// progress and the log. On the job's thread it would end the process.
TEST(ReembedJob, AStepThatThrowsEndsTheJobWithItsError) {
  std::vector<std::string> lines;  // said from the job's thread, read after wait()
  ReembedJob job(
      100, 10,
      [](std::size_t first, std::size_t) -> absl::StatusOr<std::size_t> {
        if (first == 30) throw std::bad_alloc();
        return 1;
      },
      [&](std::string_view line) { lines.emplace_back(line); });
  job.wait();
  const ReembedProgress progress = job.progress();
  EXPECT_FALSE(progress.running);
  EXPECT_EQ(progress.rows_done, 30u);
  EXPECT_EQ(progress.vectors_changed, 3u);
  EXPECT_EQ(progress.error, "out of memory re-embedding rows");
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("re-embedding failed after 30/100 rows"), std::string::npos)
      << lines.back();
}

}  // namespace
}  // namespace feedrank::ranker
