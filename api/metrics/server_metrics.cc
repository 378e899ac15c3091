#include "api/metrics/server_metrics.h"

#include <algorithm>

#include "absl/status/status.h"
#include "common/resident_memory.h"
#include "ranker/scoring/ranking_config.h"
#include "ranker/vectors/vector_space.h"

namespace feedrank::api::metrics {
namespace {

constexpr std::array<std::string_view, kFeedModeLabelCount> kModeNames = {
    "none", "chronological", "algorithmic", "interleaved"};

// Written items by kind, in WriteSummary's order.
constexpr std::array<std::string_view, 8> kWriteKindNames = {
    "user_created",   "user_updated",   "post_created",        "post_deleted",
    "follow_created", "follow_removed", "engagement_recorded", "unchanged"};

}  // namespace

std::string_view status_code_name(int code) {
  // absl and gRPC share the canonical codes and their names.
  static const std::array<std::string, 17> names = [] {
    std::array<std::string, 17> all;
    for (int c = 0; c < 17; ++c) {
      all[static_cast<std::size_t>(c)] = absl::StatusCodeToString(static_cast<absl::StatusCode>(c));
    }
    return all;
  }();
  return code >= 0 && code < 17 ? std::string_view(names[static_cast<std::size_t>(code)])
                                : std::string_view("UNKNOWN");
}

FeedModeLabel feed_mode_label(ranker::FeedMode mode) {
  switch (mode) {
    case ranker::FeedMode::kChronological:
      return FeedModeLabel::kChronological;
    case ranker::FeedMode::kAlgorithmic:
      return FeedModeLabel::kAlgorithmic;
    case ranker::FeedMode::kInterleaved:
      return FeedModeLabel::kInterleaved;
  }
  return FeedModeLabel::kNone;
}

ServerMetrics::ServerMetrics(std::vector<std::string> methods)
    : methods_(std::move(methods)), per_method_(methods_.size()) {
  for (MethodCounters& counters : per_method_) {
    for (auto& histogram : counters.latency) {
      histogram = std::make_unique<Histogram>(latency_buckets_seconds());
    }
  }
}

void ServerMetrics::record_call(std::size_t method, int status_code, FeedModeLabel mode,
                                double seconds) {
  MethodCounters& counters = per_method_[method];
  const int code = status_code >= 0 && status_code < kStatusCodes ? status_code : 2;  // UNKNOWN
  counters.calls[static_cast<std::size_t>(code)].fetch_add(1, std::memory_order_relaxed);
  counters.latency[static_cast<std::size_t>(mode)]->observe(seconds);
}

void ServerMetrics::record_ranking(const ranker::RankingStats& stats) {
  for (std::size_t source = 0; source < candidates_.size(); ++source) {
    candidates_[source].fetch_add(stats.candidates[source], std::memory_order_relaxed);
    source_ns_[source].fetch_add(stats.source_ns[source], std::memory_order_relaxed);
  }
  for (std::size_t stage = 0; stage < stage_ns_.size(); ++stage) {
    stage_ns_[stage].fetch_add(stats.stage_ns[stage], std::memory_order_relaxed);
  }
  ranked_lists_.fetch_add(1, std::memory_order_relaxed);
}

void ServerMetrics::record_write(const store::WriteSummary& summary) {
  const std::array<std::uint64_t, kWriteKinds> counts = {
      summary.users_created,        summary.users_updated,   summary.posts_created,
      summary.posts_deleted,        summary.follows_created, summary.follows_removed,
      summary.engagements_recorded, summary.unchanged};
  for (std::size_t kind = 0; kind < counts.size(); ++kind) {
    if (counts[kind] > 0) written_[kind].fetch_add(counts[kind], std::memory_order_relaxed);
  }
}

void ServerMetrics::render_calls(ExpositionWriter& out) const {
  for (std::size_t method = 0; method < methods_.size(); ++method) {
    for (std::size_t code = 0; code < kStatusCodes; ++code) {
      const std::uint64_t calls = per_method_[method].calls[code].load(std::memory_order_relaxed);
      if (calls == 0) continue;
      out.counter("feedrank_requests_total", "RPCs finished, by method and gRPC status code.",
                  {{"method", methods_[method]},
                   {"code", std::string(status_code_name(static_cast<int>(code)))}},
                  static_cast<double>(calls));
    }
  }
  for (std::size_t method = 0; method < methods_.size(); ++method) {
    for (std::size_t mode = 0; mode < kFeedModeLabelCount; ++mode) {
      const Histogram::Snapshot snapshot = per_method_[method].latency[mode]->snapshot();
      if (snapshot.cumulative.back() == 0) continue;
      out.histogram("feedrank_request_duration_seconds",
                    "RPC latency in the server, by method and feed mode (none outside GetFeed).",
                    {{"method", methods_[method]}, {"mode", std::string(kModeNames[mode])}},
                    snapshot);
    }
  }
}

std::string ServerMetrics::render(const ScrapeState& state,
                                  const serving::InFlightLimits& limits) const {
  ExpositionWriter out;
  render_calls(out);
  for (std::size_t method = 0; method < limits.method_count(); ++method) {
    out.gauge("feedrank_in_flight_requests", "RPCs being served now, by method.",
              {{"method", limits.method(method)}}, limits.in_flight(method));
  }
  for (std::size_t method = 0; method < limits.method_count(); ++method) {
    out.gauge("feedrank_in_flight_limit",
              "RPCs a method may serve at once; more get RESOURCE_EXHAUSTED.",
              {{"method", limits.method(method)}}, limits.limit(method));
  }
  for (std::size_t source = 0; source < candidates_.size(); ++source) {
    out.counter("feedrank_feed_candidates_total",
                "Algorithmic feed candidates retrieved, by source, before filters.",
                {{"source",
                  std::string(ranker::source_name(static_cast<ranker::CandidateSource>(source)))}},
                static_cast<double>(candidates_[source].load(std::memory_order_relaxed)));
  }
  for (std::size_t source = 0; source < source_ns_.size(); ++source) {
    out.counter("feedrank_feed_source_seconds_total",
                "Wall time of the algorithmic feed's candidate sources, by source (out_of_network "
                "includes the retrieval index's search).",
                {{"source",
                  std::string(ranker::source_name(static_cast<ranker::CandidateSource>(source)))}},
                static_cast<double>(source_ns_[source].load(std::memory_order_relaxed)) * 1e-9);
  }
  for (std::size_t stage = 0; stage < stage_ns_.size(); ++stage) {
    out.counter(
        "feedrank_ranking_stage_seconds_total",
        "Wall time of the algorithmic feed's other ranking stages: vectors and signals "
        "(the viewer's), filters, features, scoring, diversity.",
        {{"stage", std::string(ranker::stage_name(static_cast<ranker::RankingStage>(stage)))}},
        static_cast<double>(stage_ns_[stage].load(std::memory_order_relaxed)) * 1e-9);
  }
  out.counter("feedrank_ranked_lists_total",
              "Algorithmic lists ranked (first pages; later pages read the cached list).", {},
              static_cast<double>(ranked_lists_.load(std::memory_order_relaxed)));
  for (std::size_t kind = 0; kind < kWriteKinds; ++kind) {
    out.counter("feedrank_written_items_total",
                "Items of acknowledged writes, by kind (rate() is the write throughput).",
                {{"kind", std::string(kWriteKindNames[kind])}},
                static_cast<double>(written_[kind].load(std::memory_order_relaxed)));
  }
  const store::StoreCounts& store = state.engine.store;
  const std::array<std::pair<std::string_view, std::uint64_t>, 4> sizes = {
      {{"users", store.users},
       {"posts", store.posts},
       {"follows", store.follows},
       {"engagements", store.engagements}}};
  for (const auto& [kind, count] : sizes) {
    out.gauge("feedrank_store_items",
              "Items in the store: users, live posts, follows, engagements.",
              {{"kind", std::string(kind)}}, static_cast<double>(count));
  }
  const store::CheckpointCounts& checkpoints = store.checkpoints;
  const char* saves_help = "User-vector checkpoint saves since start, by result.";
  out.counter("feedrank_checkpoint_saves_total", saves_help, {{"result", "saved"}},
              static_cast<double>(checkpoints.saved));
  out.counter("feedrank_checkpoint_saves_total", saves_help, {{"result", "failed"}},
              static_cast<double>(checkpoints.failed));
  out.gauge("feedrank_records_after_checkpoint",
            "Records after the newest stored user-vector checkpoint: what a start would replay.",
            {},
            static_cast<double>(checkpoints.last_sequence -
                                std::min(checkpoints.through, checkpoints.last_sequence)));
  out.counter("feedrank_impressions_total", "Feed items served and logged for experiment reports.",
              {}, static_cast<double>(state.impressions));
  out.gauge("feedrank_embedded_posts", "Live rows of the post embedding table.", {},
            static_cast<double>(state.engine.embedded_posts));
  out.gauge("feedrank_retrieval_backend_info",
            "The nearest-neighbour index serving retrieval (always 1).",
            {{"backend", state.engine.retrieval_backend},
             {"vector_space", std::string(ranker::vector_space_name(state.engine.vector_space))}},
            1);
  const char* lag_help = "Rows of a retrieval index's table not indexed yet, by index.";
  out.gauge("feedrank_index_lag_rows", lag_help, {{"index", "posts"}},
            static_cast<double>(state.engine.index_lag));
  if (state.engine.vector_space != ranker::VectorSpace::kText) {
    out.gauge("feedrank_index_lag_rows", lag_help, {{"index", "learned"}},
              static_cast<double>(state.engine.learned_index_lag));
  }
  out.gauge("feedrank_write_calls_waiting",
            "Write calls queued for the write pipeline, to be combined into its next batch.", {},
            static_cast<double>(state.engine.writes_waiting));
  if (state.engine.rankings_limit > 0) {
    out.gauge("feedrank_rankings_in_flight",
              "Algorithmic and interleaved first pages being ranked now.", {},
              state.engine.rankings_in_flight);
    out.gauge("feedrank_rankings_in_flight_limit",
              "First pages that may be ranked at once; more get RESOURCE_EXHAUSTED.", {},
              state.engine.rankings_limit);
  }
  out.counter("feedrank_background_indexed_rows_total",
              "Rows the background indexer added to the post index.", {},
              static_cast<double>(state.engine.background_indexed_rows));
  out.counter("feedrank_background_indexing_yielded_seconds_total",
              "Seconds the background indexer left the cores to bulk loads it could not keep up "
              "with.",
              {}, state.engine.background_indexing_yielded_seconds);
  if (state.gpu_memory_used_bytes) {
    out.gauge("feedrank_gpu_memory_used_bytes", "Device memory in use on the GPU.", {},
              static_cast<double>(*state.gpu_memory_used_bytes));
  }
  out.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
            static_cast<double>(resident_memory_bytes()));
  return out.text();
}

}  // namespace feedrank::api::metrics
