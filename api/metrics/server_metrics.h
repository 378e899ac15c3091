// What the server counts for Prometheus: calls by method and status code, latency by method and
// feed mode, in-flight calls against their limits, candidates and time per source, time per
// ranking stage, writes by kind; and, read at scrape time, the store's size, the retrieval
// backend, index lag, GPU memory and the process's resident memory.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/metrics/prometheus_text.h"
#include "api/serving/in_flight_limits.h"
#include "ranker/feed_engine.h"
#include "ranker/feed_types.h"
#include "store/write_planner.h"

namespace feedrank::api::metrics {

// A call's feed mode label: "none" for methods other than GetFeed (and a GetFeed whose mode is
// outside the enum). A GetFeed refused before it ran counts under the mode it asked for.
enum class FeedModeLabel { kNone, kChronological, kAlgorithmic, kInterleaved };
inline constexpr int kFeedModeLabelCount = 4;
FeedModeLabel feed_mode_label(ranker::FeedMode mode);

// "OK", "NOT_FOUND", ... for grpc::StatusCode numbers 0..16; "UNKNOWN" for others.
std::string_view status_code_name(int code);

// What is read at scrape time rather than counted.
struct ScrapeState {
  ranker::EngineCounts engine;
  std::uint64_t impressions = 0;
  std::optional<std::uint64_t> gpu_memory_used_bytes;  // when the backend is a GPU
};

class ServerMetrics {
 public:
  explicit ServerMetrics(std::vector<std::string> methods);

  // grpc::StatusCode numbers 0..16.
  void record_call(std::size_t method, int status_code, FeedModeLabel mode, double seconds);
  // A list ranked (a first page): its candidates per source and its stages' times.
  void record_ranking(const ranker::RankingStats& stats);
  void record_write(const store::WriteSummary& summary);

  // The whole exposition.
  std::string render(const ScrapeState& state, const serving::InFlightLimits& limits) const;

 private:
  static constexpr int kStatusCodes = 17;
  static constexpr int kWriteKinds = 8;
  struct MethodCounters {
    std::array<std::atomic<std::uint64_t>, kStatusCodes> calls{};
    std::array<std::unique_ptr<Histogram>, kFeedModeLabelCount> latency;
  };
  void render_calls(ExpositionWriter& out) const;

  std::vector<std::string> methods_;
  std::vector<MethodCounters> per_method_;
  std::array<std::atomic<std::uint64_t>, ranker::kCandidateSourceCount> candidates_{};
  std::array<std::atomic<std::uint64_t>, ranker::kCandidateSourceCount> source_ns_{};
  std::array<std::atomic<std::uint64_t>, ranker::kRankingStageCount> stage_ns_{};
  std::atomic<std::uint64_t> ranked_lists_{0};
  std::array<std::atomic<std::uint64_t>, kWriteKinds> written_{};
};

}  // namespace feedrank::api::metrics
