// FeedEngine's feed pages: the chronological page and the algorithmic pipeline behind its
// ranked-list cursors, and the request context both build from a FeedRequest.
#include <algorithm>
#include <limits>

#include "embeddings/vector_norms.h"
#include "fmt/format.h"
#include "ranker/chronological/chronological_feed.h"
#include "ranker/feed_cursor.h"
#include "ranker/feed_engine.h"
#include "ranker/filters/visibility_filter.h"
#include "ranker/interleaved_list.h"
#include "ranker/pipeline/viewer_interest.h"
#include "ranker/pipeline/viewer_signals.h"
#include "ranker/ranking_time.h"
#include "ranker/retrieval/post_index.h"
#include "ranker/wall_clock.h"

namespace feedrank::ranker {

void FeedEngine::start_pipeline(kernels::BackendKind backend) {
  std::unique_ptr<kernels::FeatureScorer> scorer;
  if (backend == kernels::BackendKind::kGpu) {
    auto gpu = kernels::make_gpu_feature_scorer();
    if (gpu.ok()) {
      scorer = std::move(*gpu);
    } else {
      say(fmt::format("scoring on the CPU: {}", std::string(gpu.status().message())));
    }
  }
  // The index is searched without the request's readers' lock (FeedQuery::unlocked), on the
  // rows the table held when the search began. In the learned and hybrid spaces, the space's
  // index of the request's model snapshot (row for row with the text table, so the same first
  // row applies; it has its own lock).
  NearestPublicPosts nearest = [this](const FeedQuery& query, int k, TimestampMs oldest,
                                      std::size_t max_scan_posts,
                                      std::span<const kernels::VectorId> exclude)
      -> absl::StatusOr<std::vector<kernels::Neighbor>> {
    const bool in_space = query.learned != nullptr && !query.space_vector.empty();
    const std::vector<kernels::VectorId> excluded(exclude.begin(), exclude.end());
    kernels::SearchRequest search;
    search.queries = in_space ? query.space_vector : query.viewer_vector;
    search.k = k;
    search.exclude = std::span(&excluded, 1);
    search.deadline = query.deadline;  // a scan past it is abandoned: the ranking fails anyway
    absl::StatusOr<kernels::SearchResults> results;
    const auto run = [&](const embeddings::EmbeddingTable::Pinned& rows) {
      {
        // The window: posts from `oldest` to the request's now, at most max_scan_posts rows
        // before the rows that are all newer, where those could fill the k places (at a past
        // as_of; a few posts dated ahead of the clock cost a live feed a few places, not the
        // exact scan of a window that PostIndex gives a search with an end). Rows of a write not
        // noted yet (after_write) may be of any time: then no end.
        std::lock_guard lock(row_times_mutex_);
        std::size_t end = rows.rows();
        if (row_times_.rows() >= rows.rows()) {
          const std::size_t newer_from = row_times_.end_row_until(query.now);
          if (newer_from + static_cast<std::size_t>(k) <= end) end = newer_from;
        }
        if (end < rows.rows()) search.end_row = end;
        search.first_row = std::max(row_times_.first_row_since(oldest),
                                    end > max_scan_posts ? end - max_scan_posts : 0);
      }
      results = in_space ? query.learned->search(search) : index_->search(rows, search);
    };
    query.unlocked(run);  // make_query() sets it for every engine query
    if (!results.ok()) return results.status();
    if (results->empty()) return std::vector<kernels::Neighbor>();
    return std::move(results->front());
  };
  // Sources in priority order: an item found by several is credited to the first.
  std::vector<std::unique_ptr<CandidateSourceStage>> sources;
  sources.push_back(make_in_network_source());
  sources.push_back(make_network_engagement_source());
  sources.push_back(make_collaborative_source());
  sources.push_back(make_out_of_network_source(std::move(nearest)));
  sources.push_back(make_popular_source());
  pipeline_ = std::make_unique<AlgorithmicPipeline>(
      std::move(sources), standard_filters(),
      std::make_shared<const CandidateScorer>(std::move(scorer)));
  ranked_lists_ = std::make_unique<RankedListCache>(algorithmic_.cache);
  if (algorithmic_.max_rankings_in_flight > 0) {
    rankings_ = std::make_unique<BoundedCount>(algorithmic_.max_rankings_in_flight);
  }
  server_config_ = std::make_shared<const RankingConfig>(algorithmic_.config);
  say(fmt::format("algorithmic feed: ranking config {}, {}", algorithmic_.config.version,
                  ranking_backend()));
}

std::string FeedEngine::ranking_backend() const {
  return fmt::format("scoring {}, retrieval {}", pipeline_->scorer().describe(),
                     index_->describe());
}

absl::StatusOr<FeedPage> FeedEngine::get_feed(const FeedRequest& request) const {
  if (request.mode == FeedMode::kChronological) return chronological_feed(request);
  return ranked_feed(request);
}

namespace {

TimestampMs now_or(TimestampMs as_of) { return as_of > 0 ? as_of : wall_clock_ms(); }

// Where a first chronological list starts: every post created at or before now (as_of, else the
// server's clock), whatever its id, and none after it: a write may be dated up to a day ahead.
store::TimelineEntry newest_allowed(TimestampMs as_of) {
  const TimestampMs now = now_or(as_of);
  if (now == std::numeric_limits<TimestampMs>::max()) return {now, ~PostId{0}};
  return {now + 1, PostId{0}};  // strictly below: up to (now, the largest id)
}

absl::StatusOr<std::optional<FeedCursor>> cursor_for(const FeedRequest& request) {
  if (request.cursor.empty()) return std::nullopt;
  auto cursor = decode_cursor(request.cursor);
  if (!cursor.ok()) return cursor.status();
  if (cursor->viewer != request.viewer || cursor->mode != request.mode) {
    return absl::InvalidArgumentError("cursor: issued for another user or mode");
  }
  return *cursor;
}

absl::Status unknown_viewer(UserId viewer) {
  return absl::NotFoundError(fmt::format("user_id: user {} not found", viewer));
}

}  // namespace

absl::StatusOr<FeedPage> FeedEngine::chronological_feed(const FeedRequest& request) const {
  auto cursor = cursor_for(request);
  if (!cursor.ok()) return cursor.status();
  // A later page continues below the last item shown, and still shows nothing created after
  // this request's now (as_of may be older than the first page's).
  const store::TimelineEntry below =
      *cursor ? std::min((*cursor)->last_shown, newest_allowed(request.as_of))
              : newest_allowed(request.as_of);

  const ReadView corpus = request_view();
  const store::FeedState& state = corpus.state();
  if (!state.users.contains(request.viewer)) return unknown_viewer(request.viewer);
  ChronologicalPage page = chronological_page(state, request.viewer, request.limit, below);
  FeedPage result{std::move(page.items), {}, {}};
  result.first_position = *cursor ? (*cursor)->shown : 0;
  if (page.more) {
    FeedCursor next{request.viewer, request.mode, page.last_shown};
    next.shown = result.first_position + result.items.size();
    next.arm_tag = request.arm_tag;
    result.next_cursor = encode_cursor(next);
  }
  return result;
}

std::shared_ptr<const LearnedSnapshot> FeedEngine::learned_snapshot() const {
  return learned_ != nullptr ? learned_->current() : nullptr;
}

FeedQuery FeedEngine::make_query(const FeedRequest& request, const RankingConfig& config,
                                 ReadView& corpus, std::shared_ptr<const LearnedSnapshot> learned,
                                 QueryVectors& vectors, ViewerTimes* times) const {
  const auto start = std::chrono::steady_clock::now();
  const store::FeedState& state = corpus.state();
  FeedQuery query;
  query.viewer = request.viewer;
  query.now = now_or(request.as_of);
  query.deadline = request.deadline;
  query.state = &state;
  query.deletes_when_made = state.posts.deletes_applied();
  query.config = &config;
  vectors.text = viewer_interest(corpus.vectors().user_vector(request.viewer, state, query.now),
                                 state, corpus.posts(), request.viewer, query.now);
  if (!embeddings::is_zero(vectors.text)) query.viewer_vector = vectors.text;
  query.learned = std::move(learned);
  if (query.learned != nullptr) {
    vectors.learned_factor =
        learned_->viewer_factor(*query.learned, state, request.viewer, query.now);
    query.learned_factor = vectors.learned_factor;
    vectors.space = query.learned->query(vectors.learned_factor, query.viewer_vector);
    if (!embeddings::is_zero(vectors.space)) query.space_vector = vectors.space;
  }
  query.muted_authors.insert(request.muted_authors.begin(), request.muted_authors.end());
  const auto signals_start = std::chrono::steady_clock::now();
  query.signals = compute_viewer_signals(state, request.viewer, query.now, config);
  if (times != nullptr) {
    times->vectors_ns = nanoseconds_between(start, signals_start);
    times->signals_ns = nanoseconds_since(signals_start);
  }
  query.unlocked = [&corpus](auto fn) { corpus.unlocked(fn); };
  return query;
}

absl::StatusOr<ScoringInput> FeedEngine::ranking_candidates(const FeedRequest& request) const {
  ReadView corpus = request_view();
  if (!corpus.state().users.contains(request.viewer)) return unknown_viewer(request.viewer);
  QueryVectors vectors;
  const RankingConfig& config = request.ranking ? *request.ranking : *server_config_;
  const FeedQuery query = make_query(request, config, corpus, learned_snapshot(), vectors);
  return pipeline_->gather(query, corpus.posts());
}

absl::StatusOr<RankedList> FeedEngine::rank_list(
    const FeedRequest& request, const ListVariant& variant,
    const std::shared_ptr<const LearnedSnapshot>& learned, ReadView& corpus) const {
  if (variant.mode == FeedMode::kChronological) {
    // The page skips muted authors when it is served; left in, they would spend this team's
    // turns in the draft and tilt the interleaving's credit to the other team.
    const absl::flat_hash_set<UserId> muted(request.muted_authors.begin(),
                                            request.muted_authors.end());
    const ChronologicalPage page =
        chronological_page(corpus.state(), request.viewer, server_config_->ranked_list_size,
                           newest_allowed(request.as_of), muted);
    return chronological_list(request.viewer, page.items);
  }
  std::shared_ptr<const RankingConfig> config = variant.ranking ? variant.ranking : server_config_;
  QueryVectors vectors;
  ViewerTimes viewer_times;
  const FeedQuery query = make_query(request, *config, corpus, learned, vectors, &viewer_times);
  auto ranked = pipeline_->rank(query, corpus.posts());
  if (!ranked.ok()) return ranked.status();
  stage_ns(ranked->stats, RankingStage::kVectors) += viewer_times.vectors_ns;
  stage_ns(ranked->stats, RankingStage::kSignals) += viewer_times.signals_ns;
  ranked->stats.backend = ranking_backend();
  ranked->configs[0] = std::move(config);
  return ranked;
}

absl::StatusOr<RankedList> FeedEngine::rank_feed(const FeedRequest& request,
                                                 ReadView& corpus) const {
  if (request.mode == FeedMode::kAlgorithmic) {
    return rank_list(request, ListVariant{FeedMode::kAlgorithmic, request.ranking},
                     learned_snapshot(), corpus);
  }
  // Both lists from one model, even if a retraining swaps another in meanwhile.
  const std::shared_ptr<const LearnedSnapshot> learned = learned_snapshot();
  auto a = rank_list(request, request.interleave[0], learned, corpus);
  if (!a.ok()) return a.status();
  auto b = rank_list(request, request.interleave[1], learned, corpus);
  if (!b.ok()) return b.status();
  // The coins depend on the viewer and the time only: a replay draws the same interleaving.
  const std::uint64_t seed =
      request.viewer * 0x9e3779b97f4a7c15ULL ^ static_cast<std::uint64_t>(now_or(request.as_of));
  return interleave_lists(std::move(*a), std::move(*b), seed);
}

absl::StatusOr<FeedPage> FeedEngine::ranked_feed(const FeedRequest& request) const {
  auto cursor = cursor_for(request);
  if (!cursor.ok()) return cursor.status();
  // Taken before the state lock: a refused request waits for nothing.
  std::optional<BoundedCount::Slot> ranking;
  if (!*cursor && rankings_ != nullptr) {
    ranking = rankings_->try_acquire();
    if (!ranking) {
      return absl::ResourceExhaustedError(fmt::format(
          "GetFeed: {} feeds being ranked, the server's limit (--max-rankings-in-flight); "
          "retry after a backoff",
          rankings_->limit()));
    }
  }
  ReadView corpus = request_view();
  // The store's one state object: ranking lets the lock go for its search (ReadView::unlocked)
  // and takes it again, and what the page shows is read after that.
  const store::FeedState& state = corpus.state();
  if (!state.users.contains(request.viewer)) return unknown_viewer(request.viewer);

  std::shared_ptr<const RankedList> list;
  std::uint64_t list_id = 0;
  std::size_t offset = 0;
  FeedPage page;
  if (*cursor) {
    list_id = (*cursor)->ranked_list;
    offset = static_cast<std::size_t>((*cursor)->offset);
    page.first_position = (*cursor)->shown;
    list = ranked_lists_->get(list_id);
    if (list == nullptr) {
      return absl::FailedPreconditionError(
          "cursor: the ranked list it continues has expired; request the first page again "
          "(empty cursor)");
    }
    // The cursor's checksum is no signature: a list is served only under the viewer, mode and
    // experiment arm it was ranked for, whatever an edited cursor names (a page served under
    // another arm would be logged, and credited in reports, to that arm).
    if (list->viewer != request.viewer || list->mode != request.mode ||
        list->arm_tag != request.arm_tag) {
      return absl::InvalidArgumentError("cursor: issued for another user, mode or arm");
    }
  } else {
    auto ranked = rank_feed(request, corpus);
    if (!ranked.ok()) return ranked.status();
    ranked->mode = request.mode;
    ranked->arm_tag = request.arm_tag;
    list = std::make_shared<const RankedList>(std::move(*ranked));
  }

  // Posts deleted, hidden by an unfollow or muted since the list was ranked are skipped: the
  // list is fixed, what may be shown is read now. So are posts created after this page's now,
  // as in the chronological feed (a later page's as_of may be older than the first page's).
  const absl::flat_hash_set<UserId> muted(request.muted_authors.begin(),
                                          request.muted_authors.end());
  const TimestampMs now = now_or(request.as_of);
  page.stats = list->stats;
  while (offset < list->entries.size() &&
         page.items.size() < static_cast<std::size_t>(request.limit)) {
    const RankedEntry& entry = list->entries[offset++];
    const store::PostView* view = state.posts.find(entry.candidate.post);
    if (view == nullptr || view->deleted || muted.contains(view->author) ||
        entry.candidate.created_at > now || !viewer_may_see(state, request.viewer, *view)) {
      continue;
    }
    FeedItem item;
    item.post = entry.candidate.post;
    item.author = entry.candidate.author;
    item.created_at = entry.candidate.created_at;
    item.text = view->text();
    item.score = entry.score;
    item.source = entry.candidate.source;
    item.team = entry.team_credited ? entry.team : InterleavingTeam::kNone;
    item.in_network =
        item.author == request.viewer || state.graph.follows(request.viewer, item.author);
    const auto& config = list->configs[entry.team == InterleavingTeam::kB ? 1 : 0];
    if (request.explain && config) item.explanation = explain(entry, *config);
    page.items.push_back(std::move(item));
  }
  if (offset < list->entries.size()) {
    // Only lists with pages to come are kept.
    if (list_id == 0) list_id = ranked_lists_->put(list);
    FeedCursor next;
    next.viewer = request.viewer;
    next.mode = request.mode;
    next.ranked_list = list_id;
    next.offset = offset;
    next.shown = page.first_position + page.items.size();
    next.arm_tag = request.arm_tag;
    page.next_cursor = encode_cursor(next);
  }
  return page;
}

}  // namespace feedrank::ranker
