#include "embeddings/learned/learned_model.h"

#include <cblas.h>

#include <algorithm>

#include "common/stopwatch.h"
#include "embeddings/vector_norms.h"

extern "C" {
// LAPACK (Debian's liblapack3, OpenBLAS's through the alternatives): solves A X = B for a
// symmetric positive definite A by Cholesky; column-major.
void sposv_(const char* uplo, const int* n, const int* nrhs, float* a, const int* lda, float* b,
            const int* ldb, int* info);
}

namespace feedrank::embeddings {
namespace {

template <typename Id>
std::span<const float> row_of(const std::vector<Id>& ids, const std::vector<float>& values,
                              int dimension, Id id) {
  const auto it = std::lower_bound(ids.begin(), ids.end(), id);
  if (it == ids.end() || *it != id) return {};
  const auto d = static_cast<std::size_t>(dimension);
  return std::span<const float>(values).subspan(static_cast<std::size_t>(it - ids.begin()) * d, d);
}

}  // namespace

TrainingInput gather_training_input(const store::FeedState& state, const EmbeddingTable& text,
                                    TimestampMs now, const EngagementWeights& weights) {
  TrainingInput input;
  input.matrix = build_engagement_matrix(state, now, weights);
  input.through = state.last_sequence;
  input.now = now;
  input.dimension = text.dimension();
  const auto d = static_cast<std::size_t>(input.dimension);
  input.post_authors.reserve(input.matrix.posts.size());
  input.post_texts.assign(input.matrix.posts.size() * d, 0.0f);
  for (std::size_t p = 0; p < input.matrix.posts.size(); ++p) {
    const store::PostView* view = state.posts.find(input.matrix.posts[p]);
    input.post_authors.push_back(view != nullptr ? view->author : 0);
    if (const auto row = text.row_of(input.matrix.posts[p])) {
      text.copy_row(*row, std::span(input.post_texts).subspan(p * d, d));
    }
  }
  // What the matrix holds of each user: their engagements by the training's `now` (one stamped
  // ahead of the clock waits for a fold-in once its time has come).
  for (UserId user : input.matrix.users) {
    input.user_engagements.push_back(
        static_cast<std::uint32_t>(store::count_until(state.engagements.by_user(user), now)));
  }
  return input;
}

absl::StatusOr<std::shared_ptr<const LearnedModel>> LearnedModel::train(
    const kernels::AlsSolver& solver, const TrainingInput& input,
    const LearnedModelOptions& options, std::uint64_t version,
    const kernels::AlsProgress& progress) {
  if (options.als.factors != input.dimension) {
    return absl::InvalidArgumentError(
        "factors: " + std::to_string(options.als.factors) +
        " differs from the text vectors' dimension " + std::to_string(input.dimension));
  }
  const Stopwatch training_time;
  const EngagementMatrix& matrix = input.matrix;
  auto trained = kernels::train_implicit_als(
      solver, {matrix.by_user.view(), matrix.by_post.view()}, options.als, progress);
  if (!trained.ok()) return trained.status();

  std::shared_ptr<LearnedModel> model(new LearnedModel());
  model->dimension_ = options.als.factors;
  model->options_ = options;
  model->users_ = matrix.users;
  model->user_factors_ = std::move(trained->users);
  model->user_engagements_ = input.user_engagements;
  model->posts_ = matrix.posts;
  model->post_factors_ = std::move(trained->items);
  model->post_gram_.resize(static_cast<std::size_t>(model->dimension_) * model->dimension_);
  const kernels::FactorMatrix posts{model->post_factors_, model->posts_.size(), model->dimension_};
  if (absl::Status status = solver.gram(posts, model->post_gram_); !status.ok()) return status;
  if (absl::Status status = model->fit_cold_start(input); !status.ok()) return status;

  LearnedModelInfo& info = model->info_;
  info.version = version;
  info.trained_through = input.through;
  info.trained_at = input.now;
  info.users = model->users_.size();
  info.posts = model->posts_.size();
  info.entries = matrix.entries();
  info.iterations = static_cast<int>(trained->iterations.size());
  info.converged = trained->converged;
  info.final_loss = trained->iterations.empty() ? 0.0 : trained->iterations.back().loss;
  info.backend = solver.describe();
  info.train_seconds = training_time.seconds();
  return std::shared_ptr<const LearnedModel>(std::move(model));
}

absl::Status LearnedModel::fit_cold_start(const TrainingInput& input) {
  const int d = dimension_;
  const auto ud = static_cast<std::size_t>(d);
  // Author means.
  absl::flat_hash_map<UserId, std::pair<std::vector<double>, int>> sums;
  // The trained posts that have a text vector, for the projection.
  std::vector<float> texts, factors;
  for (std::size_t p = 0; p < posts_.size(); ++p) {
    const std::span<const float> factor(&post_factors_[p * ud], ud);
    if (input.post_authors[p] != 0) {
      auto& [sum, count] = sums[input.post_authors[p]];
      sum.resize(ud, 0.0);
      for (std::size_t j = 0; j < ud; ++j) sum[j] += factor[j];
      ++count;
    }
    const std::span<const float> text(&input.post_texts[p * ud], ud);
    if (!is_zero(text)) {
      texts.insert(texts.end(), text.begin(), text.end());
      factors.insert(factors.end(), factor.begin(), factor.end());
    }
  }
  for (auto& [author, entry] : sums) {
    std::vector<float> mean(ud);
    for (std::size_t j = 0; j < ud; ++j) mean[j] = static_cast<float>(entry.first[j] / entry.second);
    author_means_.emplace(author, std::move(mean));
  }
  text_projection_.assign(ud * ud, 0.0f);
  const int n = static_cast<int>(texts.size() / ud);
  if (n == 0) return absl::OkStatus();
  // Ridge regression factor ~ P text: (T'T + ridge I) P' = T'F, column-major for LAPACK (T'T is
  // symmetric, so its row-major buffer is its column-major one).
  std::vector<float> gram(ud * ud), rhs(ud * ud);
  cblas_ssyrk(CblasColMajor, CblasUpper, CblasNoTrans, d, n, 1.0f, texts.data(), d, 0.0f,
              gram.data(), d);
  for (int i = 0; i < d; ++i) gram[i * d + i] += options_.text_ridge;
  // Column-major T'F: entry (i, j) = sum_p text_p[i] factor_p[j].
  cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, d, d, n, 1.0f, texts.data(), d,
              factors.data(), d, 0.0f, rhs.data(), d);
  const char upper = 'U';
  int info = 0;
  sposv_(&upper, &d, &d, gram.data(), &d, rhs.data(), &d, &info);
  if (info != 0) {
    return absl::InternalError("text projection: LAPACK sposv failed with info " +
                               std::to_string(info));
  }
  // rhs now holds P' column-major, i.e. P row-major: factor_j = sum_i P[j][i] text_i, with
  // P[j][i] = P'(i, j) = rhs[i + j d].
  text_projection_ = std::move(rhs);
  return absl::OkStatus();
}

std::span<const float> LearnedModel::user_factor(UserId user) const {
  return row_of(users_, user_factors_, dimension_, user);
}

std::uint32_t LearnedModel::engagements_at_training(UserId user) const {
  const auto it = std::lower_bound(users_.begin(), users_.end(), user);
  if (it == users_.end() || *it != user) return 0;
  return user_engagements_[static_cast<std::size_t>(it - users_.begin())];
}

std::span<const float> LearnedModel::post_factor(PostId post) const {
  return row_of(posts_, post_factors_, dimension_, post);
}

std::vector<float> LearnedModel::post_vector(PostId post, UserId author,
                                             std::span<const float> text) const {
  const auto d = static_cast<std::size_t>(dimension_);
  std::vector<float> padded(d, 0.0f);
  if (text.size() == d) std::copy(text.begin(), text.end(), padded.begin());
  std::vector<float> out(d);
  post_vectors(std::span(&post, 1), std::span(&author, 1), padded, out);
  return out;
}

void LearnedModel::post_vectors(std::span<const PostId> posts, std::span<const UserId> authors,
                                std::span<const float> texts, std::span<float> out) const {
  const auto d = static_cast<std::size_t>(dimension_);
  const int n = static_cast<int>(posts.size());
  if (n == 0) return;
  // out = texts * P' (each row its text's projection), then row by row what else is known.
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, dimension_, dimension_, 1.0f,
              texts.data(), dimension_, text_projection_.data(), dimension_, 0.0f, out.data(),
              dimension_);
  for (std::size_t p = 0; p < posts.size(); ++p) {
    const std::span<float> row = out.subspan(p * d, d);
    if (const auto trained = post_factor(posts[p]); !trained.empty()) {
      std::copy(trained.begin(), trained.end(), row.begin());
      continue;
    }
    const auto mean = author_means_.find(authors[p]);
    if (mean == author_means_.end()) continue;  // the text's projection alone (zeros: no text)
    const bool has_text = !is_zero(texts.subspan(p * d, d));
    for (std::size_t j = 0; j < d; ++j) {
      row[j] = has_text ? 0.5f * (row[j] + mean->second[j]) : mean->second[j];
    }
  }
}

absl::StatusOr<std::vector<float>> LearnedModel::fold_in(const kernels::AlsSolver& solver,
                                         const store::FeedState& state, UserId user,
                                         TimestampMs now) const {
  const auto d = static_cast<std::size_t>(dimension_);
  const kernels::OwnedConfidenceRows row =
      user_confidences(state, user, now, options_.weights, posts_);
  // The solve starts from the trained factor, unless the request is for a time before the
  // training: that factor knows what came after it.
  std::vector<float> x(d, 0.0f);
  if (const auto trained = user_factor(user); !trained.empty() && now >= info_.trained_at) {
    std::copy(trained.begin(), trained.end(), x.begin());
  }
  // None of their engagements is with a post the model knows (all newer than it): the trained
  // factor, if any (and if it may be used), is still the best guess.
  if (row.columns.empty()) return x;
  kernels::AlsStep step;
  step.matrix = row.view();
  step.fixed = {post_factors_, posts_.size(), dimension_};
  step.gram = post_gram_;
  step.regularization = options_.als.regularization;
  step.cg_steps = options_.fold_in_cg_steps;
  if (absl::Status status = solver.solve(step, x); !status.ok()) return status;
  return x;
}

}  // namespace feedrank::embeddings
