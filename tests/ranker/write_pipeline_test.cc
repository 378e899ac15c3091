// The store's write pipeline with the real extension (CorpusVectors) over RocksDB: a batch
// prepared while the one before it commits builds on it, takes effect after it, and fails with it;
// a batch that deletes waits for it; a dropped batch is undone; concurrent pipelines and readers
// keep every batch whole and in order; a store write that throws stops the process.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "absl/functional/function_ref.h"
#include "embeddings/text_features.h"
#include "ranker/vectors/corpus_vectors.h"
#include "store/feed_store.h"
#include "tests/support/failing_store.h"
#include "tests/support/temp_dir.h"

namespace feedrank::ranker {
namespace {

using ::testing::HasSubstr;
using feedrank::testing::FailingStore;

Post post(PostId id, UserId author, std::string text) {
  Post p;
  p.id = id;
  p.author = author;
  p.text = std::move(text);
  p.created_at = 1000 + static_cast<TimestampMs>(id);
  return p;
}

std::string name_op(std::size_t i, std::string_view field) {
  return "ops[" + std::to_string(i) + "]." + std::string(field);
}

class WritePipeline : public ::testing::Test {
 public:  // for the helpers below the fixture too
  store::FeedStore& store() { return *store_; }
  void SetUp() override { open(); }

  void open() {
    store_.reset();  // releases the RocksDB lock first
    vectors_.reset();
    CorpusVectorOptions options;
    options.users.dimension = 32;
    auto vectors = CorpusVectors::create(options);
    ASSERT_TRUE(vectors.ok()) << vectors.status();
    vectors_ = std::move(*vectors);
    auto durable = store::open_rocksdb_store(dir_.sub("db"));
    ASSERT_TRUE(durable.ok()) << durable.status();
    auto failing = std::make_unique<FailingStore>(std::move(*durable));
    failing_ = failing.get();
    auto opened = store::FeedStore::open(std::move(failing), vectors_.get());
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }

  absl::StatusOr<store::WriteSummary> write(const std::vector<WriteOp>& ops) {
    return store_->write(ops, name_op);
  }

  store::FeedStore::PreparedWrite prepare(const std::vector<WriteOp>& ops) {
    auto prepared = store_->prepare_write(ops, name_op);
    EXPECT_TRUE(prepared.ok()) << prepared.status();
    return std::move(*prepared);
  }

  store::WriteSummary commit(store::FeedStore::PreparedWrite prepared) {
    auto summary = store_->commit_write(std::move(prepared));
    EXPECT_TRUE(summary.ok()) << summary.status();
    return summary.value_or(store::WriteSummary());
  }

  store::Sequence sequence_of(PostId id) {
    auto snapshot = store_->snapshot();
    const store::PostView* view = snapshot.state().posts.find(id);
    return view == nullptr ? 0 : view->sequence;
  }

  std::uint64_t frequency_of_word(std::string_view word) {
    std::vector<embeddings::TextFeature> features;
    embeddings::extract_text_features(word, features);
    return vectors_->frequencies().frequency(features.at(0).key);
  }

  feedrank::testing::TempDir dir_;
  std::unique_ptr<CorpusVectors> vectors_;
  std::unique_ptr<store::FeedStore> store_;
  FailingStore* failing_ = nullptr;
};

TEST_F(WritePipeline, ABatchPreparedWhileTheOneBeforeCommitsBuildsOnItAndTakesEffectAfterIt) {
  auto first = prepare({User{1, "ann", 0}, User{2, "bob", 0}, post(10, 1, "tea time")});
  // Refers to the first batch's users and post, which are not applied yet.
  auto second = prepare({post(11, 2, "tea leaves"), Follow{2, 1},
                         Engagement{2, 10, EngagementKind::kLike, 5000},
                         post(10, 1, "tea time")});  // a retried create: unchanged
  const store::WriteSummary first_summary = commit(std::move(first));
  const store::WriteSummary second_summary = commit(std::move(second));

  EXPECT_EQ(first_summary.users_created, 2u);
  EXPECT_EQ(first_summary.posts_created, 1u);
  EXPECT_EQ(second_summary.posts_created, 1u);
  EXPECT_EQ(second_summary.follows_created, 1u);
  EXPECT_EQ(second_summary.engagements_recorded, 1u);
  EXPECT_EQ(second_summary.unchanged, 1u);
  // Sequences in batch order, as if written one after the other.
  EXPECT_EQ(sequence_of(10), 1u);
  EXPECT_EQ(sequence_of(11), 2u);
  {
    auto snapshot = store_->snapshot();
    EXPECT_EQ(snapshot.state().last_sequence, 3u) << "the engagement comes after post 11";
  }
  EXPECT_EQ(vectors_->frequencies().documents(), 2u);
  EXPECT_EQ(frequency_of_word("tea"), 2u);
  EXPECT_EQ(vectors_->posts().live_rows(), 2u);
}

TEST_F(WritePipeline, WhenACommitFailsTheBatchPlannedOnItIsAbortedAndBothAreUndone) {
  ASSERT_TRUE(write({User{1, "ann", 0}, post(5, 1, "old news")}).ok());
  const embeddings::DocumentFrequencies idf_before = vectors_->frequencies();

  auto first = prepare({User{2, "bob", 0}, post(10, 2, "fresh news")});
  auto second = prepare({post(11, 2, "more news")});
  failing_->fail_next_commit = true;
  auto failed = store_->commit_write(std::move(first));
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInternal);
  auto aborted = store_->commit_write(std::move(second));
  EXPECT_EQ(aborted.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(aborted.status().message(), HasSubstr("nothing of it was written"));

  EXPECT_EQ(vectors_->frequencies(), idf_before);
  EXPECT_FALSE(vectors_->posts().row_of(10).has_value());
  EXPECT_FALSE(vectors_->posts().row_of(11).has_value());
  {
    auto snapshot = store_->snapshot();
    EXPECT_FALSE(snapshot.state().users.contains(2));
    EXPECT_EQ(snapshot.state().posts.find(11), nullptr);
  }
  // The pipeline is not stuck, and the same writes succeed now.
  auto retried = write({User{2, "bob", 0}, post(10, 2, "fresh news")});
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(sequence_of(10), 2u) << "no sequence was used up by the failed batches";
  open();  // and a restart reads nothing of them
  auto snapshot = store_->snapshot();
  EXPECT_EQ(snapshot.state().posts.find(11), nullptr);
  EXPECT_EQ(snapshot.state().posts.live_count(), 2u);
}

TEST_F(WritePipeline, APreparedBatchThatIsDroppedIsUndoneAndTheNextOneProceeds) {
  ASSERT_TRUE(write({User{1, "ann", 0}}).ok());
  const embeddings::DocumentFrequencies idf_before = vectors_->frequencies();
  {
    auto dropped = prepare({post(10, 1, "never sent")});
  }
  EXPECT_EQ(vectors_->frequencies(), idf_before);
  auto next = write({post(11, 1, "sent")});
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(sequence_of(11), 1u);
  auto snapshot = store_->snapshot();
  EXPECT_EQ(snapshot.state().posts.find(10), nullptr);
}

TEST_F(WritePipeline, ABatchThatDeletesWaitsUntilTheBatchBeforeItIsApplied) {
  auto creating = prepare({User{1, "ann", 0}, post(10, 1, "short lived")});
  std::promise<void> started;
  auto deleting = std::async(std::launch::async, [&] {
    started.set_value();
    const std::vector<WriteOp> ops = {DeletePost{10}};
    return store_->prepare_write(ops, name_op);
  });
  started.get_future().wait();
  // Gives the delete time to run ahead if it did not wait (then it would find neither the post's
  // text nor its row, and the test below would fail).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(deleting.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  commit(std::move(creating));
  auto prepared = deleting.get();
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_EQ(commit(std::move(*prepared)).posts_deleted, 1u);

  EXPECT_EQ(vectors_->frequencies().documents(), 0u);
  EXPECT_EQ(frequency_of_word("short"), 0u);
  open();  // the tombstone was stored with the post's vector
  const auto row = vectors_->posts().row_of(10);
  ASSERT_TRUE(row.has_value()) << "a tombstone keeps its vector";
  EXPECT_TRUE(vectors_->posts().is_deleted(*row));
  EXPECT_EQ(vectors_->frequencies().documents(), 0u);
}

// Starts write(ops) on a thread of its own and returns once it waits for the pipeline as the
// `waiting`-th call, so that calls queue in a known order.
std::future<absl::StatusOr<store::WriteSummary>> write_waiting(store::FeedStore& store,
                                                                std::vector<WriteOp> ops,
                                                                std::size_t waiting) {
  auto result = std::async(std::launch::async, [&store, ops = std::move(ops)] {
    return store.write(ops, name_op);
  });
  while (store.writes_waiting() < waiting) std::this_thread::yield();
  return result;
}

using WriteResult = std::future<absl::StatusOr<store::WriteSummary>>;

// Holds the pipeline with two prepared batches (posts 10 and 11 by ann, user 1), queues `calls`
// behind them in order (the first leads the others), runs `while_held`, then commits the two.
std::vector<WriteResult> queue_behind_two_batches(WritePipeline& test,
                                                  std::vector<std::vector<WriteOp>> calls,
                                                  absl::FunctionRef<void()> while_held) {
  EXPECT_TRUE(test.write({User{1, "ann", 0}}).ok());
  auto first = test.prepare({post(10, 1, "first in flight")});
  auto second = test.prepare({post(11, 1, "second in flight")});
  std::vector<WriteResult> results;
  for (auto& ops : calls) {
    results.push_back(write_waiting(test.store(), std::move(ops), results.size() + 1));
  }
  while_held();
  test.commit(std::move(first));
  test.commit(std::move(second));
  return results;
}

// Two batches in flight hold the pipeline, so three write() calls queue; the first becomes the
// leader and takes the other two into its batch: one commit for the three, each call validated
// on the calls before it, each with its own outcome.
TEST_F(WritePipeline, WritesWaitingForThePipelineAreCombinedIntoOneBatchEachWithItsOwnOutcome) {
  int commits_before = 0;
  auto results = queue_behind_two_batches(
      *this,
      {{User{2, "bob", 0}, post(20, 2, "bob arrives")},
       {post(21, 99, "by nobody")},
       {post(22, 2, "bob again"), Follow{1, 2}}},
      [&] { commits_before = failing_->commits; });
  auto& bob = results[0];
  auto& nobody = results[1];
  auto& bob_again = results[2];

  const auto bob_summary = bob.get();
  ASSERT_TRUE(bob_summary.ok()) << bob_summary.status();
  EXPECT_EQ(bob_summary->users_created, 1u);
  EXPECT_EQ(bob_summary->posts_created, 1u);
  const auto nobody_result = nobody.get();
  EXPECT_EQ(nobody_result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(nobody_result.status().message(), "ops[0].author_id: user 99 not found");
  const auto bob_again_summary = bob_again.get();
  ASSERT_TRUE(bob_again_summary.ok()) << bob_again_summary.status() << " (planned on bob's call)";
  EXPECT_EQ(bob_again_summary->posts_created, 1u);
  EXPECT_EQ(bob_again_summary->follows_created, 1u);
  EXPECT_EQ(failing_->commits - commits_before, 3) << "first, second, then one for the three";

  EXPECT_LT(sequence_of(11), sequence_of(20));
  EXPECT_LT(sequence_of(20), sequence_of(22));
  EXPECT_EQ(vectors_->posts().live_rows(), 4u);
  open();  // and a restart reads the same
  auto snapshot = store_->snapshot();
  const store::FeedState& state = snapshot.state();
  EXPECT_NE(state.posts.find(20), nullptr);
  EXPECT_EQ(state.posts.find(21), nullptr);
  EXPECT_NE(state.posts.find(22), nullptr);
  EXPECT_TRUE(state.graph.follows(1, 2));
}

TEST_F(WritePipeline, WhenACombinedBatchFailsToCommitEveryCallInItFailsAndNothingOfItIsWritten) {
  auto results = queue_behind_two_batches(
      *this,
      {{User{2, "bob", 0}, post(20, 2, "bob arrives")},
       {post(21, 99, "by nobody")},
       {post(22, 1, "ann again")}},
      [&] { failing_->fail_commit_number = failing_->commits + 2; });  // the combined batch's
  auto& bob = results[0];
  auto& nobody = results[1];
  auto& ann = results[2];

  EXPECT_EQ(bob.get().status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(nobody.get().status().code(), absl::StatusCode::kNotFound) << "keeps its own error";
  EXPECT_EQ(ann.get().status().code(), absl::StatusCode::kInternal);
  // The combined batch joined the IDF when prepared; its failed commit undid that.
  EXPECT_EQ(vectors_->frequencies().documents(), 2u) << "posts 10 and 11 only";
  EXPECT_EQ(vectors_->posts().live_rows(), 2u);
  {
    auto snapshot = store_->snapshot();
    EXPECT_FALSE(snapshot.state().users.contains(2));
    EXPECT_EQ(snapshot.state().posts.find(22), nullptr);
  }
  // The pipeline is not stuck.
  ASSERT_TRUE(write({post(22, 1, "ann again")}).ok());
  open();
  auto snapshot = store_->snapshot();
  EXPECT_FALSE(snapshot.state().users.contains(2));
  EXPECT_EQ(snapshot.state().posts.live_count(), 3u);
}

// Many callers writing at once, each through write(): whatever the grouping, every call gets its
// own outcome, and what was acknowledged is there.
TEST_F(WritePipeline, ConcurrentWriteCallsEachGetTheirOwnOutcome) {
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 40;
  std::atomic<int> wrong = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const UserId user = 100 + static_cast<UserId>(t);
      if (!write({User{user, "u" + std::to_string(user), 0}}).ok()) ++wrong;
      for (int c = 0; c < kCallsPerThread; ++c) {
        const PostId id = user * 1000 + static_cast<PostId>(c);
        // Every fifth call is by an unknown author: NOT_FOUND, and nothing of it written.
        const UserId author = c % 5 == 4 ? 999 : user;
        const auto result = write({post(id, author, "word" + std::to_string(c % 7))});
        const bool expected = c % 5 == 4
                                  ? result.status().code() == absl::StatusCode::kNotFound
                                  : result.ok() && result->posts_created == 1;
        if (!expected) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong, 0);
  const std::size_t expected_posts = kThreads * (kCallsPerThread - kCallsPerThread / 5);
  EXPECT_EQ(vectors_->posts().live_rows(), expected_posts);
  open();
  auto snapshot = store_->snapshot();
  EXPECT_EQ(snapshot.state().posts.live_count(), expected_posts);
  EXPECT_EQ(store_->writes_waiting(), 0u);
}

// Two streams, each preparing its next batch while the last commits (as Ingest does), beside a
// reader. Each batch's post is by the user its stream created in the batch before, and every
// fourth batch deletes the stream's post from two batches back.
TEST_F(WritePipeline, ConcurrentStreamsAndAReaderSeeEveryBatchWholeAndInOrder) {
  constexpr int kBatches = 60;
  std::atomic<bool> done = false;
  std::atomic<int> reader_failures = 0;
  // A batch is seen whole (its user with its post) and only after the stream's earlier ones.
  std::thread reader([&] {
    while (!done) {
      auto snapshot = store_->snapshot();
      const store::FeedState& state = snapshot.state();
      for (const UserId base : {UserId{100}, UserId{200}}) {
        bool later_seen = false;
        for (int b = kBatches; b >= 1; --b) {
          const bool user = state.users.contains(base + static_cast<UserId>(b));
          const bool post = state.posts.find(base * 1000 + static_cast<PostId>(b)) != nullptr;
          if (user != post || (later_seen && !user)) ++reader_failures;
          later_seen = later_seen || user;
        }
      }
    }
  });
  auto stream = [&](UserId base) {
    std::future<absl::StatusOr<store::WriteSummary>> committing;
    bool ok = true;
    ASSERT_TRUE(write({User{base, "u" + std::to_string(base), 0}}).ok());
    for (int b = 1; b <= kBatches; ++b) {
      const UserId user = base + static_cast<UserId>(b);
      const PostId id = base * 1000 + static_cast<PostId>(b);
      std::vector<WriteOp> ops = {User{user, "u" + std::to_string(user), 0},
                                  post(id, user - 1, "word" + std::to_string(b % 7))};
      if (b % 4 == 0) ops.push_back(DeletePost{id - 2});
      auto prepared = store_->prepare_write(ops, name_op);
      if (committing.valid()) ok = ok && committing.get().ok();
      ASSERT_TRUE(prepared.ok()) << prepared.status();
      committing = std::async(std::launch::async, [&, write = std::move(*prepared)]() mutable {
        return store_->commit_write(std::move(write));
      });
    }
    ok = ok && committing.get().ok();
    EXPECT_TRUE(ok);
  };
  std::thread first(stream, UserId{100});
  std::thread second(stream, UserId{200});
  first.join();
  second.join();
  done = true;
  reader.join();
  EXPECT_EQ(reader_failures, 0);

  auto snapshot = store_->snapshot();
  const store::FeedState& state = snapshot.state();
  const std::size_t deletes_per_stream = kBatches / 4;
  EXPECT_EQ(state.posts.live_count(), 2 * (kBatches - deletes_per_stream));
  EXPECT_EQ(vectors_->frequencies().documents(), state.posts.live_count());
  EXPECT_EQ(vectors_->posts().live_rows(), state.posts.live_count());
  for (const UserId base : {UserId{100}, UserId{200}}) {
    store::Sequence previous = 0;
    for (int b = 1; b <= kBatches; ++b) {
      const store::PostView* view = state.posts.find(base * 1000 + static_cast<PostId>(b));
      ASSERT_NE(view, nullptr) << b;
      EXPECT_GT(view->sequence, previous) << "a stream's batches take effect in its order";
      previous = view->sequence;
      EXPECT_EQ(view->deleted, b % 4 == 2 && b + 2 <= kBatches) << b;
    }
  }
}

// A throw from the store's own write (its encoding reports out of memory as an error) leaves
// unknown what it took: the process says why and stops; the next start rebuilds memory from the
// store. (WritePipelineDeathTest: not among the ThreadSanitizer job's tests, which fork nothing.)
// Opens a store over `directory` whose first commit throws, logging to stderr, and writes.
void write_through_a_commit_that_throws(const std::string& directory) {
  CorpusVectorOptions options;
  options.users.dimension = 32;
  auto vectors = CorpusVectors::create(options);
  auto durable = store::open_rocksdb_store(directory);
  if (!vectors.ok() || !durable.ok()) std::exit(0);  // not the death expected
  auto failing = std::make_unique<FailingStore>(std::move(*durable));
  failing->throw_next_commit = true;
  auto store = store::FeedStore::open(std::move(failing), vectors->get(),
                                      [](std::string_view line) { std::cerr << line << "\n"; });
  if (!store.ok()) std::exit(0);
  const std::vector<WriteOp> ops = {User{1, "ann", 0}};
  (void)(*store)->write(ops, name_op);
}

TEST(WritePipelineDeathTest, AStoreWriteThatThrowsStopsTheProcessSayingWhy) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // the store's threads: re-run in a new process
  // The child process runs this test again from its start: it takes the parent's directory from
  // the environment, since a directory of its own would be left behind when it dies.
  constexpr const char* kParentsDirectory = "FEEDRANK_DEATH_TEST_DIRECTORY";
  std::optional<testing::TempDir> dir;
  if (std::getenv(kParentsDirectory) == nullptr) {
    dir.emplace();
    ASSERT_EQ(setenv(kParentsDirectory, dir->sub("db").c_str(), 1), 0);
  }
  const std::string directory = std::getenv(kParentsDirectory);
  EXPECT_DEATH(write_through_a_commit_that_throws(directory),
               "stopping: out of memory writing to the store; memory may no longer match");
  if (dir) unsetenv(kParentsDirectory);
}

}  // namespace
}  // namespace feedrank::ranker
