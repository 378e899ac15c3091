// Learned embeddings: user and post factors of implicit-feedback ALS trained on the store's
// engagements (engagement_matrix.h), immutable once trained, so that a retrain builds a new model
// beside the one readers use and swaps it in. Also what serving needs around the factors:
// - a cold-start vector for a post the model has not seen (no engagements when it trained): the
//   mean factor of its author's trained posts, plus its text vector projected into the learned
//   space by a ridge regression fitted on the trained posts (text -> factor), averaged;
// - the fold-in of a user's engagements since training: one small least-squares solve against
//   the fixed post factors (the user's half-step of a retrain restricted to that user).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "embeddings/embedding_table.h"
#include "embeddings/learned/engagement_matrix.h"
#include "kernels/als_solver.h"
#include "kernels/implicit_als.h"
#include "store/feed_state.h"

namespace feedrank::embeddings {

struct LearnedModelOptions {
  EngagementWeights weights;
  kernels::AlsTrainingOptions als;  // als.factors: the server's embedding dimension
  float text_ridge = 1.0f;          // of the text -> factor regression
  int fold_in_cg_steps = 16;        // from the trained factor (or zero), enough to converge
};

// What a model was trained on and how it went, for GetStats and the model file.
struct LearnedModelInfo {
  std::uint64_t version = 0;        // 1, 2, ... per data directory
  store::Sequence trained_through = 0;  // the state's last sequence when training read it
  TimestampMs trained_at = 0;       // `now` of the training: engagements after it were left out
  std::uint64_t users = 0, posts = 0, entries = 0;
  int iterations = 0;
  bool converged = false;
  double final_loss = 0;
  double train_seconds = 0;
  std::string backend;              // the solver's describe()
};

// What training reads from the store, gathered while the caller holds a snapshot (a pass over
// the engagements), so that training itself, which takes long, holds no lock.
struct TrainingInput {
  EngagementMatrix matrix;
  std::vector<UserId> post_authors;  // per matrix post
  std::vector<float> post_texts;     // per matrix post, `dimension` floats (zeros: no text vector)
  std::vector<std::uint32_t> user_engagements;  // per matrix user: their stored engagements
  store::Sequence through = 0;
  TimestampMs now = 0;
  int dimension = 0;
};

// `text`: the corpus's text vectors, of the same snapshot as `state`.
TrainingInput gather_training_input(const store::FeedState& state, const EmbeddingTable& text,
                                    TimestampMs now, const EngagementWeights& weights);

class LearnedModel {
 public:
  // Trains ALS on the input, then fits the cold-start parts. `progress` hears each ALS
  // iteration. INVALID_ARGUMENT for bad options (factors must equal the text dimension); the
  // solver's errors as they come.
  static absl::StatusOr<std::shared_ptr<const LearnedModel>> train(
      const kernels::AlsSolver& solver, const TrainingInput& input,
      const LearnedModelOptions& options, std::uint64_t version,
      const kernels::AlsProgress& progress = {});

  int dimension() const { return dimension_; }
  const LearnedModelInfo& info() const { return info_; }
  const LearnedModelOptions& options() const { return options_; }

  // The trained factor; empty for a user or post the model has not seen.
  std::span<const float> user_factor(UserId user) const;
  // How many of the user's engagements, dated by the training's time, the model was trained on
  // (0 when unseen): a user with more by a request's time is folded in.
  std::uint32_t engagements_at_training(UserId user) const;
  std::span<const float> post_factor(PostId post) const;
  // A trained post's factor, else its cold-start vector (all zeros when neither its author nor
  // its text tells anything). `text` is empty or `dimension` floats.
  std::vector<float> post_vector(PostId post, UserId author, std::span<const float> text) const;
  // The same for many posts at once (one matrix product for the text projections): `texts` and
  // `out` hold posts.size() x dimension floats.
  void post_vectors(std::span<const PostId> posts, std::span<const UserId> authors,
                    std::span<const float> texts, std::span<float> out) const;
  // The user's factor from all of their engagements at or before `now` in `state`, with the post
  // factors fixed (engagements with posts the model has not seen are left out). A user with none
  // with trained posts keeps their trained factor (all zeros when they have none).
  absl::StatusOr<std::vector<float>> fold_in(const kernels::AlsSolver& solver, const store::FeedState& state,
                             UserId user, TimestampMs now) const;

  // The model file (learned_model_file.cc): versioned, checked on load.
  absl::Status save(const std::string& path) const;
  static absl::StatusOr<std::shared_ptr<const LearnedModel>> load(const std::string& path,
                                                                  const LearnedModelOptions& options);

 private:
  LearnedModel() = default;
  // The cold-start parts from the trained factors: author means and the text projection.
  absl::Status fit_cold_start(const TrainingInput& input);

  int dimension_ = 0;
  LearnedModelOptions options_;
  LearnedModelInfo info_;
  std::vector<UserId> users_;  // ascending, with their factors row by row
  std::vector<float> user_factors_;
  std::vector<std::uint32_t> user_engagements_;
  std::vector<PostId> posts_;
  std::vector<float> post_factors_;
  std::vector<float> post_gram_;  // Y'Y of the post factors, for fold-in
  // Cold start.
  std::vector<float> text_projection_;  // dimension x dimension, row-major: factor = P * text
  absl::flat_hash_map<UserId, std::vector<float>> author_means_;
};

}  // namespace feedrank::embeddings
