#include "ranker/vectors/learned_space.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <system_error>

#include "common/error_status.h"
#include "embeddings/vector_dimension.h"
#include "fmt/format.h"
#include "ranker/retrieval/background_indexer.h"
#include "ranker/retrieval/post_index.h"
#include "ranker/vectors/row_product.h"

namespace feedrank::ranker {
namespace {

// Rows a snapshot adds per store snapshot while a new model's vectors are built, so that writers
// wait for at most one such step.
constexpr std::size_t kInstallRowsPerLock = 50'000;
// Folded-in viewers kept; past this the cache starts over.
constexpr std::size_t kMaxFoldedUsers = 200'000;

std::unique_ptr<kernels::AlsSolver> choose_solver(kernels::BackendRequest request,
                                                  std::string& why) {
  if (request != kernels::BackendRequest::kCpu) {
    auto gpu = kernels::make_gpu_als_solver();
    if (gpu.ok()) return std::move(*gpu);
    why = std::string(gpu.status().message());
    if (request == kernels::BackendRequest::kGpu) return nullptr;
  }
  return kernels::make_cpu_als_solver();
}

}  // namespace

// --- LearnedSnapshot ---

LearnedSnapshot::LearnedSnapshot(std::shared_ptr<const embeddings::LearnedModel> model,
                                 VectorSpace space, float hybrid_text_weight,
                                 std::unique_ptr<kernels::VectorIndex> index)
    : model_(std::move(model)),
      space_(space),
      text_scale_(space == VectorSpace::kHybrid ? std::sqrt(hybrid_text_weight) : 0.0f),
      learned_scale_(space == VectorSpace::kHybrid ? std::sqrt(1.0f - hybrid_text_weight) : 1.0f),
      table_(space == VectorSpace::kHybrid ? 2 * model_->dimension() : model_->dimension()),
      index_(std::make_unique<PostIndex>(std::move(index))) {}

LearnedSnapshot::~LearnedSnapshot() = default;

int LearnedSnapshot::dimension() const { return table_.dimension(); }

std::string LearnedSnapshot::describe() const { return index_->describe(); }

std::size_t LearnedSnapshot::rows() const {
  std::shared_lock lock(mutex_);
  return table_.rows();
}

std::size_t LearnedSnapshot::indexed_rows() const { return index_->indexed_rows(); }

std::vector<float> LearnedSnapshot::query(std::span<const float> factor,
                                          std::span<const float> text_interest) const {
  const auto d = static_cast<std::size_t>(model_->dimension());
  std::vector<float> out(static_cast<std::size_t>(dimension()), 0.0f);
  const std::size_t learned_at = space_ == VectorSpace::kHybrid ? d : 0;
  if (space_ == VectorSpace::kHybrid && text_interest.size() == d) {
    for (std::size_t j = 0; j < d; ++j) out[j] = text_scale_ * text_interest[j];
  }
  if (factor.size() == d) {
    for (std::size_t j = 0; j < d; ++j) out[learned_at + j] = learned_scale_ * factor[j];
  }
  return out;
}

void LearnedSnapshot::read_pinned(
    absl::FunctionRef<void(const embeddings::EmbeddingTable::Pinned&)> fn) const {
  std::shared_lock lock(mutex_);
  const embeddings::EmbeddingTable::Pinned pinned = table_.pin();
  lock.unlock();
  fn(pinned);
}

absl::StatusOr<kernels::SearchResults> LearnedSnapshot::search(
    const kernels::SearchRequest& request) const {
  absl::StatusOr<kernels::SearchResults> results;
  read_pinned([&](const embeddings::EmbeddingTable::Pinned& rows) {
    results = index_->search(rows, request);
  });
  return results;
}

bool LearnedSnapshot::wait_until_indexed(std::chrono::milliseconds timeout) const {
  return indexer_ == nullptr || indexer_->wait_caught_up(timeout);
}

void LearnedSnapshot::start_indexing(std::function<void(std::string_view line)> log) {
  index_->defer_indexing();
  BackgroundIndexerOptions options;
  // The exact scan's steps are no indexing work worth a log line.
  if (index_->worth_deferring()) options.log = std::move(log);
  indexer_ = std::make_unique<BackgroundIndexer>(
      *index_, [this](auto fn) { read_pinned(fn); }, std::move(options));
}

absl::Status LearnedSnapshot::note_write() {
  absl::Status status;
  read_pinned([&](const embeddings::EmbeddingTable::Pinned& rows) {
    status = index_->note_write(rows, 0);
  });
  if (indexer_ != nullptr) indexer_->wake();
  return status;
}

std::size_t LearnedSnapshot::learned_offset() const {
  return space_ == VectorSpace::kHybrid ? static_cast<std::size_t>(model_->dimension()) : 0;
}

float LearnedSnapshot::learned_score(std::span<const float> factor, PostId post) const {
  std::shared_lock lock(mutex_);
  const auto row = table_.row_of(post);
  if (!row || factor.size() != static_cast<std::size_t>(model_->dimension()) ||
      learned_scale_ == 0.0f) {
    return 0.0f;
  }
  return row_product(table_, *row, factor.data(), model_->dimension(), learned_offset()) /
         learned_scale_;
}

void LearnedSnapshot::catch_up(const store::FeedState& state,
                               const embeddings::EmbeddingTable& text, std::size_t max_rows) {
  std::unique_lock lock(mutex_);
  const auto d = static_cast<std::size_t>(model_->dimension());
  const std::size_t dimension = static_cast<std::size_t>(table_.dimension());
  // The space rows of text rows [first, first + count), computed in one batch.
  const auto space_rows = [&](std::size_t first, std::size_t count) {
    std::vector<PostId> ids(count);
    std::vector<UserId> authors(count, 0);
    std::vector<float> texts(count * d), learned(count * d), out(count * dimension, 0.0f);
    for (std::size_t i = 0; i < count; ++i) {
      ids[i] = text.row_ids()[first + i];
      if (const store::PostView* view = state.posts.find(ids[i])) authors[i] = view->author;
      text.copy_row(first + i, std::span(texts).subspan(i * d, d));
    }
    model_->post_vectors(ids, authors, texts, learned);
    const std::size_t learned_at = space_ == VectorSpace::kHybrid ? d : 0;
    for (std::size_t i = 0; i < count; ++i) {
      for (std::size_t j = 0; j < d; ++j) {
        if (space_ == VectorSpace::kHybrid) out[i * dimension + j] = text_scale_ * texts[i * d + j];
        out[i * dimension + learned_at + j] = learned_scale_ * learned[i * d + j];
      }
    }
    return std::make_pair(std::move(ids), std::move(out));
  };
  // New rows are appended even for a known id (a re-embedded post moved to a new text row), so
  // that this table stays row for row with the text table.
  const auto put = [&](std::size_t first, std::size_t count, bool new_rows) {
    const auto [ids, rows] = space_rows(first, count);
    for (std::size_t i = 0; i < count; ++i) {
      const std::span<const float> row = std::span(rows).subspan(i * dimension, dimension);
      if (new_rows) {
        table_.append(ids[i], row, text.is_searchable(first + i));
      } else {
        table_.upsert(ids[i], row, text.is_searchable(first + i));
      }
      if (text.is_deleted(first + i)) table_.remove(ids[i]);
    }
  };
  // Rows whose searchable or deleted bit changed since they were mirrored: a delete, or a re-put
  // post (a followers-only post is unsearchable in both tables, so its delete shows only in the
  // tombstones).
  const std::span<const std::uint64_t> text_bits = text.unsearchable_words();
  const std::span<const std::uint64_t> own_bits = table_.unsearchable_words();
  const std::span<const std::uint64_t> text_deleted = text.tombstone_words();
  const std::span<const std::uint64_t> own_deleted = table_.tombstone_words();
  const std::size_t mirrored = std::min(table_.rows(), text.rows());
  for (std::size_t w = 0; w * 64 < mirrored; ++w) {
    std::uint64_t changed = (text_bits[w] ^ own_bits[w]) | (text_deleted[w] ^ own_deleted[w]);
    while (changed != 0) {
      const std::size_t r = w * 64 + static_cast<std::size_t>(std::countr_zero(changed));
      changed &= changed - 1;
      if (r >= mirrored) break;
      if (text.is_deleted(r)) {
        table_.remove(text.row_ids()[r]);
      } else {
        put(r, 1, false);  // revived or newly hidden: its vector and bit again
      }
    }
  }
  const std::size_t first = table_.rows();
  const std::size_t count = std::min(text.rows() - std::min(text.rows(), first), max_rows);
  if (count > 0) put(first, count, true);
}

absl::Status LearnedSnapshot::index_all() {
  std::shared_lock lock(mutex_);
  return index_->sync(table_);
}

// --- LearnedSpace ---

absl::StatusOr<std::unique_ptr<LearnedSpace>> LearnedSpace::create(LearnedSpaceOptions options,
                                                                   StateReader read_state) {
  if (options.space == VectorSpace::kText) {
    return absl::InvalidArgumentError("vector space: the text space needs no learned model");
  }
  if (!(options.hybrid_text_weight >= 0.0f && options.hybrid_text_weight <= 1.0f)) {
    return absl::InvalidArgumentError("hybrid text weight: must be in [0, 1]");
  }
  if (absl::Status status = check_space_dimension(options.space, options.model.als.factors);
      !status.ok()) {
    return status;
  }
  std::string why_cpu;
  auto solver = choose_solver(options.train_backend, why_cpu);
  if (solver == nullptr) {
    return absl::FailedPreconditionError("training on the GPU: " + why_cpu);
  }
  std::unique_ptr<LearnedSpace> space(new LearnedSpace(std::move(options), std::move(read_state),
                                                       std::move(solver),
                                                       kernels::make_cpu_als_solver()));
  space->say(fmt::format("vector space {}: learned embeddings trained on {}{}",
                         vector_space_name(space->options_.space), space->solver_->describe(),
                         why_cpu.empty() ? "" : " (" + why_cpu + ")"));
  return space;
}

LearnedSpace::LearnedSpace(LearnedSpaceOptions options, StateReader read_state,
                           std::unique_ptr<kernels::AlsSolver> solver,
                           std::unique_ptr<kernels::AlsSolver> fold_in_solver)
    : options_(std::move(options)),
      read_state_(std::move(read_state)),
      solver_(std::move(solver)),
      fold_in_solver_(std::move(fold_in_solver)) {}

LearnedSpace::~LearnedSpace() {
  stopping_ = true;
  std::lock_guard lock(background_mutex_);
  if (background_.joinable()) background_.join();
}

void LearnedSpace::say(const std::string& line) const {
  if (options_.log) options_.log(line);
}

absl::Status LearnedSpace::start() {
  if (options_.model_path.empty()) return absl::OkStatus();
  auto model = embeddings::LearnedModel::load(options_.model_path, options_.model);
  if (!model.ok()) {
    if (!absl::IsNotFound(model.status())) {
      say(fmt::format("not using the saved learned model: {}", std::string(model.status().message())));
    }
    return absl::OkStatus();
  }
  const embeddings::LearnedModelInfo& info = (*model)->info();
  say(fmt::format("read learned model v{} ({} users, {} posts, trained through sequence {}) "
                  "from {}",
                  info.version, info.users, info.posts, info.trained_through, options_.model_path));
  return install(std::move(*model));
}

std::shared_ptr<const LearnedSnapshot> LearnedSpace::current() const { return serving(); }

std::shared_ptr<LearnedSnapshot> LearnedSpace::serving() const {
  std::lock_guard lock(current_mutex_);
  return current_;
}

void LearnedSpace::sync(const store::FeedState& state, const embeddings::EmbeddingTable& text) {
  std::lock_guard lock(sync_mutex_);
  const std::shared_ptr<LearnedSnapshot> snapshot = serving();
  if (snapshot == nullptr) return;
  snapshot->catch_up(state, text, std::numeric_limits<std::size_t>::max());
}

void LearnedSpace::sync_index() {
  const std::shared_ptr<LearnedSnapshot> snapshot = serving();
  if (snapshot == nullptr) return;
  if (absl::Status status = snapshot->note_write(); !status.ok()) {
    say(fmt::format("learned index sync failed (retried at the next search): {}",
                    std::string(status.message())));
  }
}

std::vector<float> LearnedSpace::viewer_factor(const LearnedSnapshot& snapshot,
                                               const store::FeedState& state, UserId viewer,
                                               TimestampMs now) const {
  const embeddings::LearnedModel& model = snapshot.model();
  const auto history = state.engagements.by_user(viewer);
  const std::size_t engagements = store::count_until(history, now);
  const std::span<const float> trained = model.user_factor(viewer);
  // The trained factor holds the viewer's engagements by the training's time: it serves a time
  // no earlier than that with exactly those engagements (none later, none stamped ahead of it).
  if (now >= model.info().trained_at && engagements == model.engagements_at_training(viewer)) {
    return trained.empty() ? std::vector<float>(model.dimension(), 0.0f)
                           : std::vector<float>(trained.begin(), trained.end());
  }
  // A request at a past time (as_of) reads fewer engagements than were stored: it is folded in
  // for that time, not cached. The cache holds live folds only.
  const bool live = engagements == history.size();
  if (live) {
    std::lock_guard lock(folded_mutex_);
    const auto it = folded_.find(viewer);
    if (it != folded_.end() && it->second.version == snapshot.version() &&
        it->second.engagements == engagements) {
      return it->second.factor;
    }
  }
  auto folded = model.fold_in(*fold_in_solver_, state, viewer, now);
  if (!folded.ok()) {
    say(fmt::format("fold-in of user {} failed: {}", viewer, std::string(folded.status().message())));
    return trained.empty() ? std::vector<float>(model.dimension(), 0.0f)
                           : std::vector<float>(trained.begin(), trained.end());
  }
  if (!live) return std::move(*folded);
  std::lock_guard lock(folded_mutex_);
  if (folded_.size() >= kMaxFoldedUsers) folded_.clear();
  folded_[viewer] = FoldedUser{snapshot.version(), engagements, *folded};
  return std::move(*folded);
}

void LearnedSpace::set_phase(std::string phase) {
  std::lock_guard lock(progress_mutex_);
  progress_.phase = std::move(phase);
}

TrainingProgress LearnedSpace::progress() const {
  std::lock_guard lock(progress_mutex_);
  return progress_;
}

absl::Status LearnedSpace::install(std::shared_ptr<const embeddings::LearnedModel> model) {
  const int dimension = options_.space == VectorSpace::kHybrid ? 2 * model->dimension()
                                                               : model->dimension();
  auto chosen = choose_index(dimension, options_.retrieval);
  if (!chosen.ok()) return chosen.status();
  std::shared_ptr<LearnedSnapshot> snapshot(new LearnedSnapshot(
      std::move(model), options_.space, options_.hybrid_text_weight, std::move(chosen->index)));
  // Most rows in steps, each under a short store snapshot, indexed outside it.
  while (true) {
    std::size_t behind = 0;
    read_state_([&](const store::FeedState& state, const embeddings::EmbeddingTable& text) {
      snapshot->catch_up(state, text, kInstallRowsPerLock);
      behind = text.rows() - std::min(text.rows(), snapshot->rows());
    });
    if (absl::Status status = snapshot->index_all(); !status.ok()) return status;
    if (stopping_) return absl::CancelledError("stopped while building the new model's index");
    // Until caught up with what was written meanwhile, so that the last step, which holds off
    // writers, has only the rows of the writes since.
    if (behind == 0) break;
  }
  // The last rows and the swap, with writers' syncs held off: no write falls between them.
  absl::Status status;
  read_state_([&](const store::FeedState& state, const embeddings::EmbeddingTable& text) {
    std::lock_guard lock(sync_mutex_);
    snapshot->catch_up(state, text, std::numeric_limits<std::size_t>::max());
    status = snapshot->index_all();
    if (!status.ok()) return;
    snapshot->start_indexing(options_.log);
    std::lock_guard current_lock(current_mutex_);
    current_ = std::move(snapshot);
  });
  return status;
}

absl::Status LearnedSpace::claim_training() {
  std::lock_guard lock(progress_mutex_);
  if (progress_.running) {
    return absl::AlreadyExistsError(fmt::format("a training is under way ({}, iteration {} of {})",
                                                progress_.phase, progress_.iteration,
                                                progress_.max_iterations));
  }
  progress_.running = true;
  progress_.iteration = 0;
  progress_.max_iterations = options_.model.als.max_iterations;
  progress_.loss = 0;
  progress_.phase = "starting";
  return absl::OkStatus();
}

absl::Status LearnedSpace::train(TimestampMs now) {
  if (absl::Status status = claim_training(); !status.ok()) return status;
  return run_training(now);
}

absl::Status LearnedSpace::start_training(TimestampMs now) {
  if (absl::Status status = claim_training(); !status.ok()) return status;
  std::lock_guard lock(background_mutex_);
  if (background_.joinable()) background_.join();  // the previous one, finished
  try {
    background_ = std::jthread([this, now] {
      if (absl::Status status = run_training(now); !status.ok()) {
        say(fmt::format("learned model training failed: {}", std::string(status.message())));
      }
    });
  } catch (const std::system_error& error) {
    return end_training(absl::UnavailableError(
        fmt::format("no thread to be had for the training: {}", error.what())));
  }
  return absl::OkStatus();
}

absl::Status LearnedSpace::run_training(TimestampMs now) {
  // Out of memory for the ALS buffers (or any other throw) is a failed training, which the next
  // may retry: on the training's own thread it would end the process.
  return end_training(
      or_error_status("training the learned model", [&] { return train_and_install(now); }));
}

absl::Status LearnedSpace::end_training(absl::Status status) {
  std::lock_guard lock(progress_mutex_);
  progress_.running = false;
  progress_.phase = status.ok() ? "done" : "failed: " + std::string(status.message());
  if (status.ok()) ++progress_.finished;
  if (!status.ok()) progress_.last_error = status;
  return status;
}

absl::Status LearnedSpace::train_and_install(TimestampMs now) {
  set_phase("gathering");
  embeddings::TrainingInput input;
  read_state_([&](const store::FeedState& state, const embeddings::EmbeddingTable& text) {
    input = embeddings::gather_training_input(state, text, now, options_.model.weights);
  });
  // An empty model would stand in for a real one (and, saved, stop the next start's training).
  if (input.matrix.entries() == 0) {
    return absl::FailedPreconditionError(
        "no engagements to train on yet: the learned space serves once a model is trained");
  }
  set_phase("training");
  const std::shared_ptr<const LearnedSnapshot> previous = current();
  const std::uint64_t version = previous == nullptr ? 1 : previous->version() + 1;
  auto model = embeddings::LearnedModel::train(
      *solver_, input, options_.model, version, [&](const kernels::AlsIteration& iteration) {
        std::lock_guard lock(progress_mutex_);
        progress_.iteration = iteration.iteration;
        progress_.loss = iteration.loss;
        return !stopping_.load();
      });
  if (!model.ok()) return model.status();
  const std::shared_ptr<const embeddings::LearnedModel> trained = std::move(*model);
  const embeddings::LearnedModelInfo& info = trained->info();
  set_phase("indexing");
  if (absl::Status status = install(trained); !status.ok()) return status;
  // Saved once it serves, so the file never holds a version that did not.
  if (!options_.model_path.empty()) {
    if (absl::Status saved = trained->save(options_.model_path); !saved.ok()) {
      say(fmt::format("learned model v{} not saved: {}", info.version, std::string(saved.message())));
    }
  }
  say(fmt::format("learned model v{}: {} users, {} posts, {} engagements; {} iterations{} "
                  "(loss {:.6g}) in {:.1f} s on {}",
                  info.version, info.users, info.posts, info.entries, info.iterations,
                  info.converged ? ", converged" : "", info.final_loss, info.train_seconds,
                  info.backend));
  return absl::OkStatus();
}

}  // namespace feedrank::ranker
