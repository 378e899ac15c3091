#include "ranker/feed_engine.h"

#include <chrono>
#include <optional>

#include "embeddings/vector_norms.h"
#include "fmt/format.h"
#include "ranker/filters/visibility_filter.h"
#include "ranker/retrieval/background_indexer.h"
#include "ranker/retrieval/post_index.h"
#include "ranker/retrieval/saved_index.h"
#include "ranker/retrieval/visible_posts.h"
#include "ranker/wall_clock.h"

namespace feedrank::ranker {
namespace {

// Rows an inline index takes between searches (PostIndex::note_write); the engine's index is
// deferred, so a write's note only mirrors tombstones (the GPU's).
constexpr std::size_t kSyncRowsPerLock = 1024;
// How long a checkpoint waits for the background indexer before saving the index.
constexpr std::chrono::seconds kCheckpointIndexWait{10};

}  // namespace

absl::StatusOr<std::unique_ptr<FeedEngine>> FeedEngine::open(
    std::unique_ptr<store::DurableStore> durable, CorpusVectorOptions vector_options,
    const RetrievalOptions& retrieval, AlgorithmicOptions algorithmic) {
  std::unique_ptr<FeedEngine> engine(new FeedEngine());
  engine->log_ = vector_options.log;
  engine->algorithmic_ = std::move(algorithmic);
  const int dimension = vector_options.users.dimension;
  // Chosen before the (possibly long) store replay, so a required GPU that is missing fails at once.
  auto chosen = choose_index(dimension, retrieval);
  if (!chosen.ok()) return chosen.status();
  engine->say(chosen->log_line);

  auto vectors = CorpusVectors::create(std::move(vector_options));
  if (!vectors.ok()) return vectors.status();
  engine->vectors_ = std::move(*vectors);
  auto store = store::FeedStore::open(std::move(durable), engine->vectors_.get(), engine->log_);
  if (!store.ok()) return store.status();
  engine->store_ = std::move(*store);

  const kernels::BackendKind backend = chosen->kind;
  if (absl::Status status = engine->start_index(std::move(*chosen), retrieval); !status.ok()) {
    return status;
  }
  if (engine->algorithmic_.vector_space != VectorSpace::kText) {
    if (absl::Status status = engine->start_learned(retrieval, dimension); !status.ok()) {
      return status;
    }
  }
  engine->start_pipeline(backend);
  return engine;
}

absl::Status FeedEngine::start_index(ChosenIndex chosen, const RetrievalOptions& retrieval) {
  const auto started = std::chrono::steady_clock::now();
  const bool may_load = chosen.kind == kernels::BackendKind::kCpu && worth_saving(retrieval) &&
                        !retrieval.saved_index_path.empty();
  // Nothing reads the table yet: its rows may still be renumbered.
  if (may_load) vectors_->put_rows_first(saved_row_order(retrieval.saved_index_path));
  const ReadView corpus = read_view();
  const embeddings::EmbeddingTable& table = corpus.posts();
  if (may_load) {
    saved_index_path_ = retrieval.saved_index_path;
    auto saved = load_saved_index(saved_index_path_, retrieval, table);
    if (saved.ok()) {
      say(fmt::format("read the saved retrieval index of {} posts from {}",
                      (*saved)->indexed_rows(), saved_index_path_));
      chosen.index = std::move(*saved);
    } else if (!absl::IsNotFound(saved.status())) {
      say(fmt::format("rebuilding the retrieval index: {}", std::string(saved.status().message())));
    }
  }
  note_new_rows(corpus);
  index_ = std::make_unique<PostIndex>(std::move(chosen.index));
  index_->note_rows(table.rows());
  const std::size_t already_indexed = index_->indexed_rows();
  const bool costly = index_->worth_deferring();
  if (costly) {
    // Adding rows costs this backend real time: the background thread does it, at start too,
    // so the server serves at once (searches scan the rows not indexed yet exactly).
    if (table.rows() > already_indexed) {
      say(fmt::format("indexing {} post vectors in the background", table.rows() - already_indexed));
    }
  } else {
    if (absl::Status status = index_->sync(table); !status.ok()) return status;
    if (table.rows() > already_indexed) {
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      say(fmt::format("indexed {} post vectors in {:.1f} s", table.rows() - already_indexed,
                      took.count()));
    }
  }
  // Writes hand their rows to a background thread, whatever the backend: a sync takes the
  // index exclusively, so it waits for the searches in flight, and a write (100 a second, each
  // its own sync) must not. Searches scan the rows not indexed yet exactly. The indexer reads a
  // pin of the table, so writers do not wait for its steps either.
  index_->defer_indexing();
  indexer_ = std::make_unique<BackgroundIndexer>(
      *index_,
      [this](absl::FunctionRef<void(const embeddings::EmbeddingTable::Pinned&)> fn) {
        std::optional<embeddings::EmbeddingTable::Pinned> rows;
        rows.emplace(request_view().posts().pin());  // the view's lock goes, the pin stays
        fn(*rows);
      },
      // The exact scan's steps cost nothing worth saying.
      BackgroundIndexerOptions{.log = costly ? log_ : nullptr});
  return absl::OkStatus();
}

bool FeedEngine::wait_until_indexed(std::chrono::milliseconds timeout) const {
  if (indexer_ != nullptr && !indexer_->wait_caught_up(timeout)) return false;
  const std::shared_ptr<const LearnedSnapshot> learned = learned_snapshot();
  return learned == nullptr || learned->wait_until_indexed(timeout);
}

absl::Status FeedEngine::start_learned(const RetrievalOptions& retrieval, int dimension) {
  LearnedSpaceOptions options = algorithmic_.learned;
  options.space = algorithmic_.vector_space;
  options.model.als.factors = dimension;
  options.retrieval = retrieval;
  options.retrieval.saved_index_path.clear();  // the space's index is built with its model
  options.log = log_;
  auto space = LearnedSpace::create(
      std::move(options),
      [this](absl::FunctionRef<void(const store::FeedState&, const embeddings::EmbeddingTable&)>
                 fn) {
        const ReadView corpus = read_view();
        fn(corpus.state(), corpus.posts());
      });
  if (!space.ok()) return space.status();
  learned_ = std::move(*space);
  if (absl::Status status = learned_->start(); !status.ok()) return status;
  if (learned_->current() == nullptr && algorithmic_.train_at_start) {
    return learned_->start_training(wall_clock_ms());
  }
  return absl::OkStatus();
}

absl::Status FeedEngine::train_learned(TimestampMs now, bool wait) {
  if (learned_ == nullptr) {
    return absl::FailedPreconditionError(
        "the vector space is text: only the learned and hybrid spaces train a model "
        "(start the server with --vector-space learned or hybrid)");
  }
  return wait ? learned_->train(now) : learned_->start_training(now);
}

absl::Status FeedEngine::checkpoint() {
  if (absl::Status status = store_->checkpoint(); !status.ok()) return status;
  if (saved_index_path_.empty()) return absl::OkStatus();
  // Most stops find the indexer caught up or nearly; rows it cannot reach in this time are
  // indexed after the next start, in the background as usual.
  wait_until_indexed(kCheckpointIndexWait);
  return index_->save(read_view().posts(), saved_index_path_);
}

FeedEngine::~FeedEngine() = default;

void FeedEngine::note_new_rows(const ReadView& corpus) {
  const embeddings::EmbeddingTable& table = corpus.posts();
  std::lock_guard lock(row_times_mutex_);
  for (std::size_t row = row_times_.rows(); row < table.rows(); ++row) {
    const store::PostView* post = corpus.state().posts.find(table.row_ids()[row]);
    row_times_.append(post != nullptr ? post->created_at : 0);
  }
}

void FeedEngine::say(const std::string& line) const {
  if (log_) log_(line);
}

absl::StatusOr<store::WriteSummary> FeedEngine::write(std::vector<WriteOp> ops,
                                                      const store::ItemNamer& item_name) {
  // Through the store's write(), which combines concurrent calls into one batch.
  auto summary = store_->write(ops, item_name);
  if (!summary.ok()) return summary;
  after_write();
  return summary;
}

absl::StatusOr<store::FeedStore::PreparedWrite> FeedEngine::prepare_write(
    std::span<const WriteOp> ops, const store::ItemNamer& item_name) {
  return store_->prepare_write(ops, item_name);
}

absl::StatusOr<store::WriteSummary> FeedEngine::commit_write(
    store::FeedStore::PreparedWrite prepared) {
  auto summary = store_->commit_write(std::move(prepared));
  if (!summary.ok()) return summary;
  after_write();
  return summary;
}

void FeedEngine::after_write() {
  std::optional<embeddings::EmbeddingTable::Pinned> rows;
  {
    const ReadView corpus = read_view();
    note_new_rows(corpus);
    if (learned_ != nullptr) learned_->sync(corpus.state(), corpus.posts());
    rows.emplace(corpus.posts().pin());
  }
  // Without the state lock: the index sync waits for the searches that hold the index, and the
  // next batch's apply must not wait for them through it. The write is durable whatever happens
  // here: a failed sync is retried by the next search.
  if (absl::Status status = index_->note_write(*rows, kSyncRowsPerLock); !status.ok()) {
    say(fmt::format("retrieval index sync failed (retried at the next search): {}",
                    std::string(status.message())));
  }
  rows.reset();
  if (indexer_ != nullptr) indexer_->wake();
  if (learned_ != nullptr) learned_->sync_index();
}

absl::Status FeedEngine::reembed(bool wait, std::size_t rows_per_step) {
  std::shared_ptr<ReembedJob> job;
  {
    std::lock_guard lock(reembed_mutex_);
    if (const ReembedProgress progress = reembed_ ? reembed_->progress() : ReembedProgress();
        progress.running) {
      return absl::AlreadyExistsError(
          fmt::format("a re-embedding is running ({}/{} rows); GetStats shows its progress",
                      progress.rows_done, progress.rows_total));
    }
    const std::size_t rows = read_view().posts().rows();
    reembed_ = std::make_shared<ReembedJob>(
        rows, rows_per_step,
        [this](std::size_t first, std::size_t end) { return reembed_step(first, end); },
        log_);
    job = reembed_;
  }
  if (!wait) return absl::OkStatus();
  job->wait();
  const ReembedProgress progress = job->progress();
  if (!progress.error.empty()) return absl::InternalError("re-embedding failed: " + progress.error);
  return absl::OkStatus();
}

absl::StatusOr<std::size_t> FeedEngine::reembed_step(std::size_t first, std::size_t end) {
  // The exact scan reads the table in place and sees a row overwritten under the readers' lock;
  // indexes that copy rows (and the learned space's mirror) need the vector as a new row. In
  // place, the table does not grow, and the age-window scans (row_times_) still start late.
  const bool in_place = !index_->worth_deferring() && learned_ == nullptr;
  std::size_t changed = 0;
  absl::Status status = store_->rewrite(
      [&](const store::FeedState& state) {
        std::vector<store::StoredPost> records = vectors_->reembed_rows(state, first, end);
        changed = records.size();
        return records;
      },
      [&](std::span<const store::StoredPost> records) {
        vectors_->publish_reembedded(records, in_place);
      });
  if (!status.ok()) return status;
  if (changed > 0) after_write();
  return changed;
}

EngineCounts FeedEngine::counts() const {
  EngineCounts counts;
  {
    std::lock_guard lock(reembed_mutex_);  // before the read view: the lock order
    if (reembed_ != nullptr) counts.reembed = reembed_->progress();
  }
  counts.store = store_->counts();
  const ReadView corpus = read_view();
  counts.embedded_posts = corpus.posts().live_rows();
  counts.users_with_vectors = corpus.vectors().users_with_vectors();
  counts.embedding_dimension = corpus.vectors().dimension();
  counts.retrieval_backend = retrieval_backend();
  counts.index_lag = index_->lag(corpus.posts());
  counts.writes_waiting = store_->writes_waiting();
  if (rankings_ != nullptr) {
    counts.rankings_in_flight = rankings_->held();
    counts.rankings_limit = rankings_->limit();
  }
  if (index_->worth_deferring()) {  // the exact scan's steps are no indexing work worth a figure
    const BackgroundIndexer::Progress progress = indexer_->progress();
    counts.background_indexed_rows = progress.rows_indexed;
    counts.background_indexing_seconds = progress.busy_seconds;
    counts.background_indexing_yielded_seconds = progress.yielded_seconds;
  }
  counts.vector_space = algorithmic_.vector_space;
  if (learned_ != nullptr) {
    counts.training = learned_->progress();
    counts.training_backend = learned_->solver_backend();
    if (const auto current = learned_->current()) {
      counts.learned_model = current->model().info();
      counts.learned_index = current->describe();
      const std::size_t rows = current->rows(), indexed = current->indexed_rows();
      counts.learned_index_lag = rows > indexed ? rows - indexed : 0;
    }
  }
  return counts;
}

std::vector<store::MemoryPart> FeedEngine::memory_breakdown() const {
  std::vector<store::MemoryPart> parts = store_->memory_breakdown();
  {
    const ReadView corpus = read_view();
    parts.push_back({"post vectors", corpus.posts().memory_bytes()});
    parts.push_back({"user vectors", corpus.vectors().users_memory_bytes()});
    parts.push_back({"idf", corpus.vectors().idf_memory_bytes()});
  }
  parts.push_back({"retrieval index", index_->memory_bytes()});
  parts.push_back({"ranked lists", ranked_lists_->bytes()});
  return parts;
}

std::vector<Engagement> FeedEngine::engagements_of(std::span<const UserId> users) const {
  const ReadView corpus = request_view();
  const store::EngagementHistory& history = corpus.state().engagements;
  std::vector<Engagement> engagements;
  for (const UserId user : users) {
    for (const store::UserEngagement& engagement : history.by_user(user)) {
      engagements.push_back({user, engagement.post, engagement.kind, engagement.at});
    }
  }
  return engagements;
}

std::string FeedEngine::retrieval_backend() const { return index_->describe(); }

bool FeedEngine::nearest_search_is_quick() const {
  // A tail this short is scanned in tens of microseconds.
  constexpr std::size_t kQuickTailRows = 4096;
  return index_->quick_to_search() && index_->last_known_lag() <= kQuickTailRows;
}

absl::StatusOr<std::vector<ScoredPost>> FeedEngine::nearest_posts(
    const NearestPostsRequest& request) const {
  ReadView corpus = request_view();
  // The store's one state and table objects: the search lets the lock go and takes it again
  // (ReadView::unlocked), and what follows it reads them after that.
  const store::FeedState& state = corpus.state();
  const embeddings::EmbeddingTable& table = corpus.posts();
  // Whose view to answer (0: none, public posts only).
  const UserId viewer = request.to == NearestTo::kUser ? request.id : request.viewer;
  if (request.to == NearestTo::kUser) {
    if (request.viewer != 0 && request.viewer != request.id) {
      return absl::InvalidArgumentError(fmt::format(
          "viewer_id: the user_id query already names the viewer (user {})", request.id));
    }
  } else if (viewer != 0 && !state.users.contains(viewer)) {
    return absl::NotFoundError(fmt::format("viewer_id: user {} not found", viewer));
  }
  std::vector<float> query;
  std::vector<kernels::VectorId> exclude;
  switch (request.to) {
    case NearestTo::kUser:
      if (!state.users.contains(request.id)) {
        return absl::NotFoundError(fmt::format("user_id: user {} not found", request.id));
      }
      query = corpus.vectors().user_vector(request.id, state, request.now);
      for (const store::TimelineEntry& own : state.posts.timeline(request.id)) {
        exclude.push_back(own.id);
      }
      break;
    case NearestTo::kPost: {
      const store::PostView* view = state.posts.find(request.id);
      const std::optional<std::size_t> row = table.row_of(request.id);
      // A post the viewer may not see is not found (its neighbours would tell what it says).
      if (view == nullptr || view->deleted || !row || !viewer_may_see(state, viewer, *view)) {
        return absl::NotFoundError(fmt::format("post_id: post {} not found", request.id));
      }
      query = table.row_floats(*row);
      exclude.push_back(request.id);
      break;
    }
    case NearestTo::kVector:
      query = request.vector;
      break;
  }
  if (embeddings::is_zero(query)) return std::vector<ScoredPost>();

  kernels::SearchRequest search;
  search.queries = query;
  search.k = request.k;
  search.exclude = std::span(&exclude, 1);
  search.deadline = request.deadline;
  // The index answers public posts only; the followers-only posts the viewer may see join here.
  absl::StatusOr<kernels::SearchResults> results;
  corpus.unlocked([&](const embeddings::EmbeddingTable::Pinned& rows) {
    results = index_->search(rows, search);
  });
  if (!results.ok()) return results.status();
  std::vector<kernels::Neighbor> nearest = std::move(results->front());
  if (viewer != 0) {
    const bool include_own = request.to != NearestTo::kUser;
    const auto followers_only = score_followers_only_posts(state, table, viewer, include_own, query,
                                                           exclude, request.deadline);
    if (!followers_only.ok()) return followers_only.status();
    if (!followers_only->empty()) nearest = merge_nearest(nearest, *followers_only, request.k);
  }
  std::vector<ScoredPost> posts;
  posts.reserve(nearest.size());
  for (const kernels::Neighbor& neighbor : nearest) {
    const store::PostView* view = state.posts.find(neighbor.id);
    posts.push_back({neighbor.id, view != nullptr ? view->author : 0, neighbor.score});
  }
  return posts;
}

}  // namespace feedrank::ranker
