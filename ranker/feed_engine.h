// The domain entry point the API calls: feed pages, writes and counts. Owns the store and the
// corpus vectors kept in step with it; no transport concerns. Errors are absl::Status with the
// gRPC-compatible codes.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bounded_count.h"
#include "ranker/feed_types.h"
#include "ranker/pipeline/algorithmic_pipeline.h"
#include "ranker/ranked_list_cache.h"
#include "ranker/read_view.h"
#include "ranker/retrieval/index_choice.h"
#include "ranker/retrieval/row_time_floor.h"
#include "ranker/scoring/ranking_config.h"
#include "ranker/vectors/corpus_vectors.h"
#include "ranker/vectors/learned_space.h"
#include "ranker/vectors/reembed_job.h"
#include "ranker/vectors/vector_space.h"
#include "store/feed_store.h"

namespace feedrank::ranker {

class BackgroundIndexer;
class PostIndex;

// The algorithmic feed's settings, fixed at start.
struct AlgorithmicOptions {
  RankingConfig config = default_ranking_config();
  RankedListCacheOptions cache;  // ranked lists kept behind cursors
  // Retrieval's vector space. Learned and hybrid train a model from the engagements; the engine
  // sets `learned`'s space, factors (the embedding dimension), retrieval backend and log.
  VectorSpace vector_space = VectorSpace::kText;
  LearnedSpaceOptions learned;
  bool train_at_start = true;  // with no saved model, train one in the background at start
  // First pages being ranked at once (a cursor's page, read from the cache, is not counted); a
  // request past it gets RESOURCE_EXHAUSTED at once, so that past saturation the accepted
  // requests share the cores with a bounded number of others. 0: no bound.
  int max_rankings_in_flight = 0;
};

struct EngineCounts {
  store::StoreCounts store;
  std::uint64_t embedded_posts = 0;  // live rows of the embedding table
  std::uint64_t users_with_vectors = 0;
  int embedding_dimension = 0;
  std::string retrieval_backend;  // the index's describe()
  // Rows of the post table the index has not reached yet (searches scan them exactly), and the
  // background indexer's work since start (HNSW, IVF, flat and the GPU index in the background).
  std::uint64_t index_lag = 0;
  std::uint64_t writes_waiting = 0;  // write calls queued to be combined into the next batch
  int rankings_in_flight = 0;        // first pages being ranked now
  int rankings_limit = 0;            // AlgorithmicOptions::max_rankings_in_flight (0: no bound)
  std::uint64_t background_indexed_rows = 0;
  double background_indexing_seconds = 0;
  double background_indexing_yielded_seconds = 0;
  VectorSpace vector_space = VectorSpace::kText;
  // Learned and hybrid spaces: the model serving (none until the first training ends), its
  // space index and how many of its rows are not indexed yet, and the training's progress.
  std::optional<embeddings::LearnedModelInfo> learned_model;
  std::string learned_index;
  std::uint64_t learned_index_lag = 0;
  std::optional<TrainingProgress> training;
  std::string training_backend;  // the ALS solver's describe()
  // The last re-embedding (running or not); none since start when unset.
  std::optional<ReembedProgress> reembed;
};

// A user with the sizes of their network and timeline (the GetUser RPC).
struct UserProfile {
  User user;
  std::uint64_t followers = 0;
  std::uint64_t followees = 0;
  std::uint64_t posts = 0;          // live
  std::vector<UserId> same_handle;  // every user with user.handle, ascending
};

// A live post and its engagement counts by kind (the GetPost RPC).
struct PostDetails {
  Post post;  // without the embedding
  std::array<std::uint64_t, kEngagementKindCount> engagements{};
};

class FeedEngine {
 public:
  // Rebuilds the store's views and the vectors from `durable` (restoring the user-vector
  // checkpoint and replaying what came after it), then indexes the post vectors on the
  // retrieval backend `retrieval` picks (logged through vector_options.log). FAILED_PRECONDITION
  // when the GPU is required and unusable.
  static absl::StatusOr<std::unique_ptr<FeedEngine>> open(
      std::unique_ptr<store::DurableStore> durable, CorpusVectorOptions vector_options,
      const RetrievalOptions& retrieval = {}, AlgorithmicOptions algorithmic = {});
  ~FeedEngine();

  // NOT_FOUND for an unknown viewer; INVALID_ARGUMENT for a cursor of another viewer or mode;
  // FAILED_PRECONDITION for an algorithmic cursor whose ranked list expired (start over);
  // DEADLINE_EXCEEDED when the request's deadline passed while ranking.
  absl::StatusOr<FeedPage> get_feed(const FeedRequest& request) const;

  // The algorithmic feed's candidates for the request's viewer at its as_of (or now), after the
  // filters, with their feature rows: what fit-ranker learns from. NOT_FOUND for an unknown viewer.
  absl::StatusOr<ScoringInput> ranking_candidates(const FeedRequest& request) const;

  const RankingConfig& ranking_config() const { return *server_config_; }
  // "scoring <scorer>, retrieval <index>", as reported in algorithmic responses.
  std::string ranking_backend() const;

  // Writes atomically; the store's extension derives hashtags and vectors of new posts.
  absl::StatusOr<store::WriteSummary> write(std::vector<WriteOp> ops,
                                            const store::ItemNamer& item_name);
  // write() in two steps, for a stream of batches (Ingest): the next batch is prepared while
  // the last one commits (store::FeedStore::prepare_write and commit_write, whose rules hold).
  absl::StatusOr<store::FeedStore::PreparedWrite> prepare_write(std::span<const WriteOp> ops,
                                                                const store::ItemNamer& item_name);
  absl::StatusOr<store::WriteSummary> commit_write(store::FeedStore::PreparedWrite prepared);

  EngineCounts counts() const;
  // Waits until the background indexers (the post index's and the learned space's, if any) have
  // indexed every row written before the call;
  // false when `timeout` passed first. For tests, benchmarks and tools: searches never need it.
  bool wait_until_indexed(std::chrono::milliseconds timeout) const;
  // Heap bytes by part: the store's views and RocksDB (store::FeedStore::memory_breakdown), post
  // and user vectors, the IDF, the retrieval index and the ranked-list cache. Walks the store's
  // per-user and per-post maps (FeedStore::memory_breakdown), during which writes wait.
  std::vector<store::MemoryPart> memory_breakdown() const;

  // Every stored engagement of these users (an experiment report's input).
  std::vector<Engagement> engagements_of(std::span<const UserId> users) const;
  // The retrieval index's describe(), e.g. "cpu-exact (avx2+fma, 2 threads)".
  std::string retrieval_backend() const;
  // Whether a nearest-posts search costs a fraction of a millisecond now: a graph walk (HNSW)
  // with few rows left to the tail scan (background indexing), so that callers may run it on a
  // thread that must not be held up long. Takes no lock, so it never waits for a writer.
  bool nearest_search_is_quick() const;

  // The k live posts nearest the request's vector, best first (ties by smaller id), among those
  // its viewer may see (a kUser query's user, else request.viewer; with none, public posts
  // only). NOT_FOUND for an unknown user, viewer or post, or a post the viewer may not see;
  // INVALID_ARGUMENT for a k or vector the index rejects, or a kUser query naming another
  // viewer. Empty when the query vector is all zeros (a user nothing is known of yet): it has
  // no direction.
  absl::StatusOr<std::vector<ScoredPost>> nearest_posts(const NearestPostsRequest& request) const;

  // Lookups (feed_engine_lookups.cc). NOT_FOUND naming the field ("user_id", "handle",
  // "post_id", "viewer_id"). A post is found only when live and visible to `viewer` (0: public
  // posts only), as nearest_posts() finds its query post.
  absl::StatusOr<UserProfile> user(UserId id) const;
  absl::StatusOr<UserProfile> user_by_handle(std::string_view handle) const;
  absl::StatusOr<PostDetails> post(PostId id, UserId viewer) const;

  // Retrains the learned model on the store as of `now` and swaps it in: on this thread when
  // `wait`, else in the background (ALREADY_EXISTS while one runs). FAILED_PRECONDITION in the
  // text space.
  absl::Status train_learned(TimestampMs now, bool wait);

  // Recomputes every text-derived post vector with the IDF as it is now (a caller's vector is
  // kept), in the background: reads and writes go on, and an acknowledged write is never
  // undone. Each changed vector is stored, so a restart reads it, and replaces its row (the
  // exact scan in the text space) or takes a new row that the indexes add (HNSW, IVF, flat,
  // GPU, learned and hybrid spaces: see CorpusVectors::publish_reembedded); the table then holds
  // one more row per changed post until the next start. When `wait`, returns once it ended
  // (with its error, if a step failed). ALREADY_EXISTS while one runs. Progress in counts().
  absl::Status reembed(bool wait, std::size_t rows_per_step = kReembedRowsPerStep);
  // A step's rows: at about 5 us a post on a core, writes wait for it a few milliseconds.
  static constexpr std::size_t kReembedRowsPerStep = 2048;

  // Saves the user vectors now, so the next start has nothing to replay, and an HNSW or IVF
  // index when RetrievalOptions::saved_index_path is set, so it need not be rebuilt (clean
  // shutdown). The index is saved once the background indexer caught up, or after 10 s with
  // the rows it reached.
  absl::Status checkpoint();

 private:
  FeedEngine() = default;
  void say(const std::string& line) const;
  // Reads the saved index when there is a usable one, then indexes every row not in it yet.
  absl::Status start_index(ChosenIndex chosen, const RetrievalOptions& retrieval);
  // The learned or hybrid space: reads the saved model, or starts training one.
  absl::Status start_learned(const RetrievalOptions& retrieval, int dimension);

  // Builds the algorithmic pipeline on the scorer the backend choice implies.
  void start_pipeline(kernels::BackendKind backend);
  absl::StatusOr<FeedPage> chronological_feed(const FeedRequest& request) const;
  // Algorithmic and interleaved pages: the ranked list behind the cursor.
  absl::StatusOr<FeedPage> ranked_feed(const FeedRequest& request) const;
  // The first page's ranked list for the request's mode.
  absl::StatusOr<RankedList> rank_feed(const FeedRequest& request, ReadView& corpus) const;
  // One list: chronological, or algorithmic under the variant's config.
  // `learned`: the request's one learned-model snapshot (null in the text space), shared by
  // every list of an interleaved request.
  absl::StatusOr<RankedList> rank_list(const FeedRequest& request, const ListVariant& variant,
                                       const std::shared_ptr<const LearnedSnapshot>& learned,
                                       ReadView& corpus) const;
  // The request context the pipeline reads; it points into `corpus`, which must outlive it
  // (its out-of-network search runs through corpus.unlocked()).
  // The vectors a FeedQuery points into, owned by the caller for the query's life.
  struct QueryVectors {
    std::vector<float> text, learned_factor, space;
  };
  // What make_query() spent on the viewer (RankingStage kVectors and kSignals).
  struct ViewerTimes {
    std::uint64_t vectors_ns = 0;
    std::uint64_t signals_ns = 0;
  };
  FeedQuery make_query(const FeedRequest& request, const RankingConfig& config, ReadView& corpus,
                       std::shared_ptr<const LearnedSnapshot> learned, QueryVectors& vectors,
                       ViewerTimes* times = nullptr) const;
  // The learned model serving now; null in the text space or before the first training.
  std::shared_ptr<const LearnedSnapshot> learned_snapshot() const;

  // The corpus as one read sees it: read_view() for the engine's own work, request_view() at a
  // request's entry (it lets a waiting writer apply first: FeedStore::request_snapshot).
  ReadView read_view() const { return ReadView(*store_, store_->snapshot(), *vectors_); }
  ReadView request_view() const { return ReadView(*store_, store_->request_snapshot(), *vectors_); }

  // Locks, outermost first; a thread that holds one takes only those below it:
  //   0. reembed_mutex_, held while a re-embedding starts (it reads the table's size);
  //   1. the store's write pipeline: one batch at a time in stage one (plan, prepare: the IDF
  //      changes there), one at a time in stage two (commit, apply), in order; a re-embedding
  //      step runs alone (FeedStore::rewrite);
  //   2. the store's state lock: shared for a read (a ReadView: the state and the post and
  //      user vectors), for a batch's planning and for each turn of a checkpoint's copy (on
  //      the thread that saves it; stage two may wait for that thread, holding no lock, before
  //      it begins the next checkpoint), exclusive only while a writer applies a
  //      committed batch, which grows nothing large under it (see FeedStore::commit_write). A
  //      write takes it again, shared, to note its rows after applying (the learned space's
  //      rows too), and pins the table for the index's sync. A search lets it go for its scan
  //      (ReadView::unlocked), holding a pin of the post table (or the learned space's) instead;
  //   2b. the post table's pins (EmbeddingTable::Pinned): taken under the state lock, then held
  //      without it; a thread holding a pin never waits for the state lock (a writer growing
  //      the table holds that lock and waits for the pins);
  //   3. LearnedSpace's locks, then its snapshot's table lock (exclusive while a write appends
  //      rows; shared to take a pin of that table, which is then held without it, as in 2b);
  //      PostIndex's turnstile and lock (shared: searches; exclusive: syncs and indexer steps);
  //   4. leaf mutexes that guard one structure and call out to nothing: row_times_mutex_, the
  //      search batcher's queue, the ranked-list cache, the indexer's progress.
  std::function<void(std::string_view line)> log_;
  std::string saved_index_path_;  // empty: the index is not saved
  // Declared first so it outlives the store, which calls it.
  std::unique_ptr<CorpusVectors> vectors_;
  std::unique_ptr<store::FeedStore> store_;
  std::unique_ptr<PostIndex> index_;
  // Takes every write's rows into the index (the exact scan's too); stopped before the index and
  // the store it reads go.
  std::unique_ptr<BackgroundIndexer> indexer_;
  // Learned and hybrid spaces only; declared after the store, which its training reads.
  std::unique_ptr<LearnedSpace> learned_;
  AlgorithmicOptions algorithmic_;
  std::shared_ptr<const RankingConfig> server_config_;  // algorithmic_.config, shared with lists
  std::unique_ptr<AlgorithmicPipeline> pipeline_;
  std::unique_ptr<RankedListCache> ranked_lists_;
  std::unique_ptr<BoundedCount> rankings_;  // null: no bound (max_rankings_in_flight 0)
  // Where the posts of an age window start in the embedding table (out-of-network searches).
  void note_new_rows(const ReadView& corpus);
  // After a write or a re-embedding step: the rows it added reach the indexes.
  void after_write();
  absl::StatusOr<std::size_t> reembed_step(std::size_t first, std::size_t end);
  mutable std::mutex row_times_mutex_;
  RowTimeFloor row_times_;
  // The last re-embedding; last, so its thread stops before anything it uses goes.
  mutable std::mutex reembed_mutex_;
  std::shared_ptr<ReembedJob> reembed_;
};

}  // namespace feedrank::ranker
