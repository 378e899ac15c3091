// The learned (or hybrid) vector space of retrieval, kept in step with the store:
// - a model (embeddings/learned) is trained from the store's engagements, in the background on
//   a schedule or on demand, and swapped in whole: a request reads one LearnedSnapshot (the model
//   and the space vectors built from it), never two versions at once;
// - every post has a row in the snapshot's table, row for row with the text table: its trained
//   factor, else its cold-start vector (author and text), so a new post is retrievable at once;
//   deletes and followers-only posts are mirrored, so the index returns live public posts only;
//   the snapshot's index takes new rows in the background, and a search reads a pin of the
//   table, so writes wait neither for searches nor for indexing;
// - a viewer who engaged since the model was trained is folded in (one small solve), cached per
//   engagement count;
// - the model is saved (versioned, with what it was trained on) and read back at start.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "embeddings/embedding_table.h"
#include "embeddings/learned/learned_model.h"
#include "kernels/als_solver.h"
#include "kernels/compute_backend.h"
#include "kernels/vector_index.h"
#include "ranker/retrieval/index_choice.h"
#include "ranker/vectors/vector_space.h"
#include "store/feed_state.h"

namespace feedrank::ranker {

class BackgroundIndexer;
class PostIndex;

struct LearnedSpaceOptions {
  VectorSpace space = VectorSpace::kLearned;  // kLearned or kHybrid
  float hybrid_text_weight = 0.5f;            // w of the hybrid space, in [0, 1]
  embeddings::LearnedModelOptions model;      // model.als.factors: the embedding dimension
  std::string model_path;                     // saved after training, read at start; "" = never
  kernels::BackendRequest train_backend = kernels::BackendRequest::kAuto;  // the ALS solver's
  RetrievalOptions retrieval;                 // the space index's backend
  std::function<void(std::string_view line)> log;
};

// One model's vectors. Its table grows as posts arrive (under its own lock).
class LearnedSnapshot {
 public:
  ~LearnedSnapshot();
  const embeddings::LearnedModel& model() const { return *model_; }
  std::uint64_t version() const { return model_->info().version; }
  int dimension() const;  // of the space: the model's (learned) or twice it (hybrid)
  std::string describe() const;  // the space index's describe()
  std::size_t rows() const;
  std::size_t indexed_rows() const;

  // The viewer's query in the space: their learned factor (and, hybrid, text interest).
  std::vector<float> query(std::span<const float> factor,
                           std::span<const float> text_interest) const;
  // Searches a pin of the table, without holding the table's lock (writes append meanwhile).
  absl::StatusOr<kernels::SearchResults> search(const kernels::SearchRequest& request) const;
  // Waits until the background indexer has indexed every row added before the call; false when
  // `timeout` passed first. For tests and tools: searches scan the rows not indexed yet.
  bool wait_until_indexed(std::chrono::milliseconds timeout) const;
  // The learned score of the post for this factor (its trained or cold-start vector); 0 for a
  // post without a row.
  float learned_score(std::span<const float> factor, PostId post) const;

 private:
  friend class LearnedSpace;
  LearnedSnapshot(std::shared_ptr<const embeddings::LearnedModel> model, VectorSpace space,
                  float hybrid_text_weight, std::unique_ptr<kernels::VectorIndex> index);
  // Appends the text table's rows this table lacks (at most `max_rows`) and mirrors deletes.
  void catch_up(const store::FeedState& state, const embeddings::EmbeddingTable& text,
                std::size_t max_rows);
  // Indexes every row (a new model's snapshot, before it serves).
  absl::Status index_all();
  // Once built: rows added later are indexed by a background indexer of its own.
  void start_indexing(std::function<void(std::string_view line)> log);
  // After catch_up(), without the store's lock: hands the deletes to the index (a GPU copy
  // needs them) and wakes the indexer.
  absl::Status note_write();
  // Runs fn on a pin of the table taken under its lock, then held without it.
  void read_pinned(absl::FunctionRef<void(const embeddings::EmbeddingTable::Pinned&)> fn) const;
  // Where a row's learned part starts: after the text part in the hybrid space.
  std::size_t learned_offset() const;

  std::shared_ptr<const embeddings::LearnedModel> model_;
  VectorSpace space_;
  float text_scale_, learned_scale_;
  mutable std::shared_mutex mutex_;  // the table; the index has its own
  embeddings::EmbeddingTable table_;
  std::unique_ptr<PostIndex> index_;
  std::unique_ptr<BackgroundIndexer> indexer_;  // last: stops before what it reads goes
};

struct TrainingProgress {
  bool running = false;
  int iteration = 0;  // of the training under way (or the last one)
  int max_iterations = 0;
  double loss = 0;
  std::string phase;       // "gathering", "training", "indexing", "done", "failed: ..."
  std::uint64_t finished = 0;  // trainings finished since start
  absl::Status last_error;     // of the last training that failed (its code: retry or not)
};

class LearnedSpace {
 public:
  // Runs `fn` under a store snapshot, with the corpus's text vectors of that snapshot.
  using StateReader = std::function<void(
      absl::FunctionRef<void(const store::FeedState&, const embeddings::EmbeddingTable&)> fn)>;

  static absl::StatusOr<std::unique_ptr<LearnedSpace>> create(LearnedSpaceOptions options,
                                                              StateReader read_state);
  ~LearnedSpace();  // stops a training under way

  VectorSpace space() const { return options_.space; }
  std::string solver_backend() const { return solver_->describe(); }

  // At start: reads the saved model, if there is one for this dimension, and builds its
  // snapshot. OK (and no model) when there is none or it does not fit; says why in the log.
  absl::Status start();
  // After every write, under the writer's store snapshot: new posts get rows, deletes mirror.
  void sync(const store::FeedState& state, const embeddings::EmbeddingTable& text);
  // Then, without the snapshot: the rows reach the index (in the background) and the deletes its
  // device copy. Apart from sync() so that writers never wait, under the store's lock, for the
  // searches that hold the index.
  void sync_index();
  // Null until a model exists.
  std::shared_ptr<const LearnedSnapshot> current() const;

  // The viewer's learned factor at `now`: the trained one, or folded in when they engaged since.
  std::vector<float> viewer_factor(const LearnedSnapshot& snapshot, const store::FeedState& state,
                                   UserId viewer, TimestampMs now) const;

  // Trains on the store as of `now` and swaps the new model in, on the calling thread (which
  // must hold no store snapshot); saves it when a path is set. ALREADY_EXISTS when a training is
  // under way; FAILED_PRECONDITION when there are no engagements to train on.
  absl::Status train(TimestampMs now);
  // The same in the background (ALREADY_EXISTS at once when a training is under way).
  absl::Status start_training(TimestampMs now);
  TrainingProgress progress() const;

 private:
  LearnedSpace(LearnedSpaceOptions options, StateReader read_state,
               std::unique_ptr<kernels::AlsSolver> solver,
               std::unique_ptr<kernels::AlsSolver> fold_in_solver);
  void say(const std::string& line) const;
  // current(), writable: its table grows by sync().
  std::shared_ptr<LearnedSnapshot> serving() const;
  // Builds the snapshot of `model` over every post, then swaps it in.
  absl::Status install(std::shared_ptr<const embeddings::LearnedModel> model);
  void set_phase(std::string phase);
  // Marks a training as under way; ALREADY_EXISTS when one is.
  absl::Status claim_training();
  // train()'s body, once claimed: train_and_install(), then end_training() with its outcome.
  absl::Status run_training(TimestampMs now);
  absl::Status train_and_install(TimestampMs now);
  // Ends the claimed training with `status` in the progress; returns it.
  absl::Status end_training(absl::Status status);

  LearnedSpaceOptions options_;
  StateReader read_state_;
  std::unique_ptr<kernels::AlsSolver> solver_;          // training (GPU when chosen)
  std::unique_ptr<kernels::AlsSolver> fold_in_solver_;  // one row at a time: the CPU

  mutable std::mutex current_mutex_;
  std::shared_ptr<LearnedSnapshot> current_;  // its table grows by sync(); readers get it const
  std::mutex sync_mutex_;  // sync() and the swap

  struct FoldedUser {
    std::uint64_t version = 0;
    std::size_t engagements = 0;
    std::vector<float> factor;
  };
  mutable std::mutex folded_mutex_;
  mutable absl::flat_hash_map<UserId, FoldedUser> folded_;

  mutable std::mutex progress_mutex_;
  TrainingProgress progress_;
  std::atomic<bool> stopping_{false};
  std::mutex background_mutex_;  // joining and replacing background_
  std::jthread background_;
};

}  // namespace feedrank::ranker
