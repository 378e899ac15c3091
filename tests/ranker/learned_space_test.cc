// LearnedSpace over a planted store state: training and the swap, new posts retrievable at once
// (cold start), deletes mirrored, the fold-in of viewers who engaged since training, the saved
// model read back at start, and a swap under concurrent reads and writes that loses no post and
// never mixes two models in one request.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <new>
#include <shared_mutex>
#include <stdexcept>
#include <thread>

#include "absl/strings/match.h"
#include "ranker/vectors/learned_space.h"
#include "tests/embeddings/planted_state.h"
#include "tests/support/temp_dir.h"

namespace feedrank::ranker {
namespace {

using testing::kHour;
using testing::PlantedState;

constexpr TimestampMs kNow = 1000 * kHour;

// The planted state behind a lock that plays the store's: readers share it, writers own it.
class GuardedState {
 public:
  GuardedState(int users, int posts, int groups) : planted(users, posts, groups, 4) {}

  LearnedSpace::StateReader reader() {
    return [this](absl::FunctionRef<void(const store::FeedState&, const embeddings::EmbeddingTable&)>
                      fn) {
      std::shared_lock lock(mutex);
      fn(planted.state, planted.text);
    };
  }
  // A write, then the space's sync under a read lock, as the engine does.
  template <typename Fn>
  void write(LearnedSpace& space, const Fn& fn) {
    {
      std::unique_lock lock(mutex);
      fn(planted);
    }
    {
      std::shared_lock lock(mutex);
      space.sync(planted.state, planted.text);
    }
    space.sync_index();
  }

  PlantedState planted;
  std::shared_mutex mutex;
};

LearnedSpaceOptions options(VectorSpace space, std::string path = "") {
  LearnedSpaceOptions o;
  o.space = space;
  o.model.als.factors = testing::kPlantedDimension;
  o.model.als.max_iterations = 10;
  o.model_path = std::move(path);
  o.train_backend = kernels::BackendRequest::kCpu;
  o.retrieval.backend = kernels::BackendRequest::kCpu;
  return o;
}

std::vector<PostId> nearest(const LearnedSnapshot& snapshot, std::span<const float> query,
                            int k) {
  kernels::SearchRequest request;
  request.queries = query;
  request.k = k;
  auto results = snapshot.search(request);
  EXPECT_TRUE(results.ok()) << results.status();
  std::vector<PostId> ids;
  if (results.ok() && !results->empty()) {
    for (const kernels::Neighbor& n : results->front()) ids.push_back(n.id);
  }
  return ids;
}

std::vector<float> user_query(const LearnedSpace& space, const LearnedSnapshot& snapshot,
                              GuardedState& guarded, UserId user) {
  std::shared_lock lock(guarded.mutex);
  const std::vector<float> factor = space.viewer_factor(snapshot, guarded.planted.state, user, kNow);
  return snapshot.query(factor, {});
}

TEST(LearnedSpace, TrainsSwapsAndRetrievesAViewersGroup) {
  GuardedState guarded(40, 120, 4);
  auto space = LearnedSpace::create(options(VectorSpace::kLearned), guarded.reader());
  ASSERT_TRUE(space.ok()) << space.status();
  EXPECT_EQ((*space)->current(), nullptr);
  ASSERT_TRUE((*space)->train(kNow).ok());
  const auto snapshot = (*space)->current();
  ASSERT_NE(snapshot, nullptr);
  EXPECT_EQ(snapshot->version(), 1u);
  EXPECT_EQ(snapshot->rows(), 120u);
  EXPECT_EQ(snapshot->indexed_rows(), 120u);
  const TrainingProgress progress = (*space)->progress();
  EXPECT_FALSE(progress.running);
  EXPECT_EQ(progress.phase, "done");
  EXPECT_EQ(progress.finished, 1u);
  // User 6 is in group 2: its ten nearest posts are group 2's.
  for (PostId id : nearest(*snapshot, user_query(**space, *snapshot, guarded, 6), 10)) {
    EXPECT_EQ(guarded.planted.group_of(id), 2) << id;
  }
  ASSERT_TRUE((*space)->train(kNow).ok());
  EXPECT_EQ((*space)->current()->version(), 2u);
  EXPECT_EQ(snapshot->version(), 1u);  // a request holding the old snapshot keeps it whole
}

// In the learned space, so that the new post is found by its cold-start vector alone.
TEST(LearnedSpace, ANewPostIsRetrievableAtOnceAndADeleteLeaves) {
  GuardedState guarded(40, 120, 4);
  auto space = LearnedSpace::create(options(VectorSpace::kLearned), guarded.reader());
  ASSERT_TRUE(space.ok());
  ASSERT_TRUE((*space)->train(kNow).ok());
  // A post no one engaged with yet, by group 3's author (1003), about group 3.
  guarded.write(**space, [](PlantedState& p) { p.add_post(5000, 1003, 3, kNow); });
  const auto snapshot = (*space)->current();
  EXPECT_EQ(snapshot->rows(), 121u);
  // Found whether or not the background indexer has reached it yet (the tail is scanned).
  std::vector<PostId> found = nearest(*snapshot, user_query(**space, *snapshot, guarded, 7), 40);
  EXPECT_NE(std::find(found.begin(), found.end(), 5000), found.end());
  ASSERT_TRUE(snapshot->wait_until_indexed(std::chrono::seconds(10)));
  EXPECT_EQ(snapshot->indexed_rows(), 121u);
  found = nearest(*snapshot, user_query(**space, *snapshot, guarded, 7), 40);
  EXPECT_NE(std::find(found.begin(), found.end(), 5000), found.end());
  // Deleted: never returned again, also by the same snapshot.
  guarded.write(**space, [](PlantedState& p) { p.delete_post(5000); });
  found = nearest(*snapshot, user_query(**space, *snapshot, guarded, 7), 121);
  EXPECT_EQ(std::find(found.begin(), found.end(), 5000), found.end());
  EXPECT_EQ(found.size(), 120u);
}

// A re-embedded post's text vector moves to a new row (EmbeddingTable::append): the space
// stays row for row with the text table and finds the post once, before and after a training.
TEST(LearnedSpace, AMovedTextRowIsMirroredAsANewRowAndFoundOnce) {
  GuardedState guarded(40, 120, 4);
  auto space = LearnedSpace::create(options(VectorSpace::kHybrid), guarded.reader());
  ASSERT_TRUE(space.ok());
  ASSERT_TRUE((*space)->train(kNow).ok());
  guarded.write(**space, [](PlantedState& p) {
    std::vector<float> vector(testing::kPlantedDimension, 0.0f);
    vector[3] = 1.0f;  // post 2 (group 2) now reads as group 3
    p.text.append(2, vector);
  });
  const auto expect_each_post_once = [&](const LearnedSnapshot& snapshot) {
    EXPECT_EQ(snapshot.rows(), 121u);
    std::vector<PostId> found = nearest(snapshot, user_query(**space, snapshot, guarded, 7), 121);
    EXPECT_EQ(found.size(), 120u);
    std::sort(found.begin(), found.end());
    EXPECT_EQ(std::adjacent_find(found.begin(), found.end()), found.end()) << "a post twice";
    EXPECT_TRUE(std::binary_search(found.begin(), found.end(), PostId{2}));
  };
  expect_each_post_once(*(*space)->current());
  ASSERT_TRUE((*space)->train(kNow).ok());
  expect_each_post_once(*(*space)->current());
}

TEST(LearnedSpace, AViewerWhoEngagedSinceTrainingIsFoldedIn) {
  GuardedState guarded(40, 120, 4);
  auto space = LearnedSpace::create(options(VectorSpace::kLearned), guarded.reader());
  ASSERT_TRUE(space.ok());
  ASSERT_TRUE((*space)->train(kNow).ok());
  const auto snapshot = (*space)->current();
  const std::vector<float> before = user_query(**space, *snapshot, guarded, 5);  // group 1
  guarded.write(**space, [](PlantedState& p) {
    for (PostId post = 2; post < 120; post += 4) p.engage(5, post, EngagementKind::kShare, kNow);
  });
  const std::vector<float> after = user_query(**space, *snapshot, guarded, 5);
  EXPECT_NE(before, after);
  int group2 = 0;
  for (PostId id : nearest(*snapshot, after, 10)) group2 += guarded.planted.group_of(id) == 2;
  EXPECT_GE(group2, 5);  // now mostly group 2's
  EXPECT_EQ(user_query(**space, *snapshot, guarded, 5), after);  // cached, the same
}

std::vector<float> trained_factor(const LearnedSnapshot& snapshot, UserId user) {
  const auto factor = snapshot.model().user_factor(user);
  return {factor.begin(), factor.end()};
}

// The trained factor knows the shares made 10 hours before the training: a request for a time
// before them is folded in at that time, not served what came later.
TEST(LearnedSpace, ARequestBeforeTheTrainingDoesNotSeeLaterEngagements) {
  GuardedState guarded(40, 120, 4);
  auto space = LearnedSpace::create(options(VectorSpace::kLearned), guarded.reader());
  ASSERT_TRUE(space.ok());
  guarded.write(**space, [](PlantedState& p) {
    for (PostId post = 2; post < 120; post += 4) {
      p.engage(5, post, EngagementKind::kShare, kNow - 10 * kHour);
    }
  });
  ASSERT_TRUE((*space)->train(kNow).ok());
  const auto snapshot = (*space)->current();
  std::shared_lock lock(guarded.mutex);
  const store::FeedState& state = guarded.planted.state;
  EXPECT_EQ((*space)->viewer_factor(*snapshot, state, 5, kNow), trained_factor(*snapshot, 5));
  EXPECT_NE((*space)->viewer_factor(*snapshot, state, 5, kNow - 20 * kHour),
            trained_factor(*snapshot, 5));
}

// Shares stamped an hour after the training's time were left out of it: once their time has
// come they are folded in (the count the model keeps is of what it was trained on).
TEST(LearnedSpace, EngagementsStampedAfterTheTrainingAreFoldedInOnceTheirTimeComes) {
  GuardedState guarded(40, 120, 4);
  auto space = LearnedSpace::create(options(VectorSpace::kLearned), guarded.reader());
  ASSERT_TRUE(space.ok());
  guarded.write(**space, [](PlantedState& p) {
    for (PostId post = 2; post < 120; post += 4) {
      p.engage(5, post, EngagementKind::kShare, kNow + kHour);
    }
  });
  ASSERT_TRUE((*space)->train(kNow).ok());
  const auto snapshot = (*space)->current();
  std::shared_lock lock(guarded.mutex);
  const store::FeedState& state = guarded.planted.state;
  EXPECT_EQ((*space)->viewer_factor(*snapshot, state, 5, kNow), trained_factor(*snapshot, 5));
  EXPECT_NE((*space)->viewer_factor(*snapshot, state, 5, kNow + 2 * kHour),
            trained_factor(*snapshot, 5));
}

TEST(LearnedSpace, TheSavedModelIsReadAtStart) {
  feedrank::testing::TempDir dir;
  const std::string path = (dir.path() / "learned-model").string();
  GuardedState guarded(30, 60, 3);
  {
    auto space = LearnedSpace::create(options(VectorSpace::kLearned, path), guarded.reader());
    ASSERT_TRUE(space.ok());
    ASSERT_TRUE((*space)->train(kNow).ok());
    ASSERT_TRUE((*space)->train(kNow).ok());
  }
  auto restarted = LearnedSpace::create(options(VectorSpace::kLearned, path), guarded.reader());
  ASSERT_TRUE(restarted.ok());
  ASSERT_TRUE((*restarted)->start().ok());
  ASSERT_NE((*restarted)->current(), nullptr);
  EXPECT_EQ((*restarted)->current()->version(), 2u);
  EXPECT_EQ((*restarted)->current()->rows(), 60u);
  EXPECT_EQ((*restarted)->progress().finished, 0u);  // read, not trained
  ASSERT_TRUE((*restarted)->train(kNow).ok());
  EXPECT_EQ((*restarted)->current()->version(), 3u);
}

TEST(LearnedSpace, SwapsUnderConcurrentReadsAndWritesLoseNothing) {
  GuardedState guarded(40, 200, 4);
  auto space = LearnedSpace::create(options(VectorSpace::kHybrid), guarded.reader());
  ASSERT_TRUE(space.ok());
  ASSERT_TRUE((*space)->train(kNow).ok());
  std::atomic<bool> done = false;
  std::atomic<int> reads = 0;
  std::vector<std::jthread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      while (!done) {
        // One request: one snapshot for its query and search, while writes grow it and
        // trainings swap others in (the engine passes one snapshot through a whole request).
        const auto snapshot = (*space)->current();
        const std::vector<float> query = user_query(**space, *snapshot, guarded, r);
        EXPECT_FALSE(nearest(*snapshot, query, 20).empty());
        ++reads;
      }
    });
  }
  std::jthread writer([&] {
    for (PostId id = 10'000; id < 10'400; ++id) {
      guarded.write(**space, [id](PlantedState& p) {
        p.add_post(id, 1000 + id % 4, static_cast<int>(id % 4), kNow);
        p.engage(static_cast<UserId>(id % 40), id, EngagementKind::kLike, kNow);
        if (id % 10 == 0 && id > 10'000) p.delete_post(id - 5);
      });
    }
  });
  for (int t = 0; t < 3; ++t) ASSERT_TRUE((*space)->train(kNow).ok());
  writer.join();
  done = true;
  readers.clear();
  EXPECT_GT(reads.load(), 0);
  // Every post written is in the serving snapshot, deletes mirrored, everything indexed.
  const auto snapshot = (*space)->current();
  EXPECT_EQ(snapshot->version(), 4u);
  EXPECT_EQ(snapshot->rows(), 600u);
  std::vector<float> query(snapshot->dimension(), 0.0f);
  query[0] = 1.0f;
  const std::size_t live = guarded.planted.text.live_rows();
  EXPECT_EQ(nearest(*snapshot, query, 1000).size(), live) << "the rows not indexed yet included";
  ASSERT_TRUE(snapshot->wait_until_indexed(std::chrono::seconds(10)));
  EXPECT_EQ(snapshot->indexed_rows(), 600u);
  EXPECT_EQ(nearest(*snapshot, query, 1000).size(), live);
}

TEST(LearnedSpace, NothingToTrainOnIsAnErrorAndNoModel) {
  feedrank::testing::TempDir dir;
  const std::string path = (dir.path() / "learned-model").string();
  GuardedState guarded(0, 10, 1);  // posts, no engagements
  auto space = LearnedSpace::create(options(VectorSpace::kLearned, path), guarded.reader());
  ASSERT_TRUE(space.ok());
  EXPECT_EQ((*space)->train(kNow).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*space)->current(), nullptr);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE((*space)->progress().phase.starts_with("failed: no engagements"));
}

TEST(LearnedSpace, OneTrainingAtATime) {
  GuardedState guarded(200, 4000, 8);
  const TimestampMs later = 10'000 * kHour;  // after all of its engagements
  auto space = LearnedSpace::create(options(VectorSpace::kLearned), guarded.reader());
  ASSERT_TRUE(space.ok());
  ASSERT_TRUE((*space)->start_training(later).ok());  // claimed before it returns
  EXPECT_EQ((*space)->start_training(later).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ((*space)->train(later).code(), absl::StatusCode::kAlreadyExists);
  while ((*space)->progress().running) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_NE((*space)->current(), nullptr);
  EXPECT_EQ((*space)->current()->version(), 1u);
  EXPECT_TRUE((*space)->train(later).ok());
  EXPECT_EQ((*space)->current()->version(), 2u);
}

// A training that throws (out of memory in its buffers, a library's error) is a failed training
// with the reason in its progress, on the caller's thread and on the background one alike; the
// process goes on and the next training runs.
TEST(LearnedSpace, ATrainingThatThrowsFailsAndTheNextOneRuns) {
  GuardedState guarded(200, 4000, 8);
  const TimestampMs later = 10'000 * kHour;
  std::atomic<int> throw_next{0};  // 1: out of memory, 2: another exception
  const LearnedSpace::StateReader reader = guarded.reader();
  auto space = LearnedSpace::create(
      options(VectorSpace::kLearned),
      [&](absl::FunctionRef<void(const store::FeedState&, const embeddings::EmbeddingTable&)> fn) {
        switch (throw_next.exchange(0)) {
          case 1:
            throw std::bad_alloc();
          case 2:
            throw std::runtime_error("the planted failure");
        }
        reader(fn);
      });
  ASSERT_TRUE(space.ok());

  throw_next = 1;
  const absl::Status out_of_memory = (*space)->train(later);
  EXPECT_EQ(out_of_memory.code(), absl::StatusCode::kResourceExhausted) << out_of_memory;
  EXPECT_EQ((*space)->current(), nullptr);
  EXPECT_FALSE((*space)->progress().running);
  EXPECT_EQ((*space)->progress().phase, "failed: out of memory training the learned model");

  throw_next = 2;
  ASSERT_TRUE((*space)->start_training(later).ok());
  while ((*space)->progress().running) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const TrainingProgress failed = (*space)->progress();
  EXPECT_EQ(failed.last_error.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(failed.phase, "failed: training the learned model: the planted failure");
  EXPECT_EQ(failed.finished, 0u);
  EXPECT_EQ((*space)->current(), nullptr);

  ASSERT_TRUE((*space)->train(later).ok());
  ASSERT_NE((*space)->current(), nullptr);
  EXPECT_EQ((*space)->current()->version(), 1u);
  EXPECT_EQ((*space)->progress().finished, 1u);
}

TEST(LearnedSpace, RefusesTheTextSpaceAndABadHybridWeight) {
  GuardedState guarded(2, 2, 1);
  EXPECT_EQ(LearnedSpace::create(options(VectorSpace::kText), guarded.reader()).status().code(),
            absl::StatusCode::kInvalidArgument);
  LearnedSpaceOptions bad = options(VectorSpace::kHybrid);
  bad.hybrid_text_weight = 1.5f;
  EXPECT_EQ(LearnedSpace::create(bad, guarded.reader()).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Hybrid vectors are twice the embedding dimension: 2 x 1024 is past what a table holds.
  LearnedSpaceOptions wide = options(VectorSpace::kHybrid);
  wide.model.als.factors = 1024;
  const absl::Status too_wide = LearnedSpace::create(wide, guarded.reader()).status();
  EXPECT_EQ(too_wide.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(too_wide.message(), "--embedding-dimension: 1024 is over 512"))
      << too_wide;
  wide.space = VectorSpace::kLearned;
  EXPECT_TRUE(LearnedSpace::create(wide, guarded.reader()).ok());
}

}  // namespace
}  // namespace feedrank::ranker
