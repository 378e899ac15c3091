// GetFeed with experiments: picks the viewer's arm (or the forced one), serves the arm's variant
// through the engine, and logs every item served in the impression log before the page is
// returned. Also reloads the experiments config while serving and builds experiment reports.
// Thread-safe: a reload swaps the config atomically; requests in flight keep the one they took.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ranker/experiments/experiment_config.h"
#include "ranker/experiments/experiment_report.h"
#include "ranker/feed_engine.h"
#include "store/impression_log.h"

namespace feedrank::ranker {

struct ExperimentOptions {
  std::filesystem::path config_path;  // empty: no experiments (a reload then fails)
  // The config as read from config_path already (by ExperimentFeeds::load_config); unset: open()
  // reads it.
  std::optional<ExperimentsConfig> config;
  std::string impression_log_dir;     // empty: impressions are not logged
  store::ImpressionLogOptions impression_log;
};

struct ForcedArm {
  std::string experiment;  // both empty: assign as usual
  std::string arm;
};

struct ServedPage {
  FeedPage page;
  std::uint64_t request_id = 0;              // the impressions' request id, never 0
  FeedMode mode = FeedMode::kChronological;  // the mode served
  std::string experiment;                    // empty: the viewer is in no experiment
  std::string arm;
};

class ExperimentFeeds {
 public:
  // Reads the config unless given (errors name the file and field) and opens the impression log.
  static absl::StatusOr<std::unique_ptr<ExperimentFeeds>> open(FeedEngine& engine,
                                                               ExperimentOptions options);
  // The config file (empty path: no experiments), with open()'s errors.
  static absl::StatusOr<ExperimentsConfig> load_config(const std::filesystem::path& path);

  // The engine's errors, and NOT_FOUND naming force_experiment / force_arm; INVALID_ARGUMENT
  // when only one of them is set. A page with a cursor is served under its first page's arm
  // (forced or not); FAILED_PRECONDITION naming "cursor" (start over) when a reload removed that
  // arm, or when a chronological cursor names an arm that serves no chronological feed (a reload
  // changed its mode, or the cursor was edited). An impression log that cannot be written fails the call (UNAVAILABLE): a
  // page that is not logged is not served.
  absl::StatusOr<ServedPage> serve(FeedRequest request, const ForcedArm& forced) const;

  // Re-reads the config file; the old config stays when it fails. Returns the experiment ids.
  absl::StatusOr<std::vector<std::string>> reload();
  std::vector<std::string> experiment_ids() const;
  const std::filesystem::path& config_path() const { return options_.config_path; }

  // NOT_FOUND when nothing was logged under `experiment`. window_ms 0: the experiment's own.
  absl::StatusOr<ExperimentReport> report(const std::string& experiment,
                                          TimestampMs window_ms) const;

  std::uint64_t impressions() const;
  // Whether serve() waits for a disk sync of each page's impressions (--impression-log sync).
  bool syncs_each_page() const {
    return !options_.impression_log_dir.empty() && options_.impression_log.sync_each_page;
  }

 private:
  ExperimentFeeds(FeedEngine& engine, ExperimentOptions options,
                  std::shared_ptr<const ExperimentsConfig> config,
                  std::unique_ptr<store::ImpressionLog> log);
  std::shared_ptr<const ExperimentsConfig> config() const;
  absl::Status log_page(const ServedPage& served, TimestampMs now, UserId viewer) const;
  std::uint64_t next_request_id() const;

  FeedEngine& engine_;
  const ExperimentOptions options_;
  mutable std::mutex config_mutex_;
  std::shared_ptr<const ExperimentsConfig> config_;
  std::unique_ptr<store::ImpressionLog> log_;  // null: logging off
  const std::uint64_t request_id_base_;
  mutable std::atomic<std::uint64_t> request_counter_{0};
};

// "chronological", "algorithmic (ranking config X)" or "interleaved: A vs B", for reports.
std::string describe(const FeedVariant& variant);
std::string describe(const ListVariant& list);

}  // namespace feedrank::ranker
