#include "ranker/experiments/experiment_feeds.h"

#include <algorithm>
#include <random>

#include "common/split_mix64.h"
#include "fmt/format.h"
#include "ranker/experiments/arm_assignment.h"
#include "ranker/feed_cursor.h"
#include "ranker/wall_clock.h"

namespace feedrank::ranker {
namespace {

std::uint64_t random_word() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

// Whether a first page in `arm` can have issued a cursor of `cursor_mode`. The engine checks a
// ranked list's cursor against the arm the list was ranked for; a chronological page keeps no
// list, so only this stops a cursor edited to name an algorithmic or interleaved arm (the
// checksum is no signature), whose pages would be logged, and credited in reports, to that arm.
// (A reload that moves a chronological arm to another mode ends its chronological feeds too.)
bool arm_could_issue(const ArmConfig& arm, FeedMode cursor_mode) {
  return cursor_mode != FeedMode::kChronological ||
         arm.variant.mode == FeedMode::kChronological;
}

// A later page continues its feed under the arm of the first page, whatever the assignment says
// now (a reload, an experiment's end, force_* on this page): the feed's list was fixed by the
// first page, and its impressions belong to that arm. Sets request.mode to the cursor's when the
// first page was in an arm (the arm's variant may have changed since); nullopt when it was in
// none. FAILED_PRECONDITION (the client starts again) when a reload removed the arm, or when a
// chronological cursor names an arm that now serves no chronological feed (a reload changed its
// mode, or the cursor was edited).
absl::StatusOr<std::optional<ArmAssignment>> continued_arm(const ExperimentsConfig& config,
                                                           FeedRequest& request) {
  auto cursor = decode_cursor(request.cursor);
  if (!cursor.ok()) return cursor.status();
  if (cursor->arm_tag == 0) return std::nullopt;
  std::optional<ArmAssignment> arm = find_arm_by_tag(config, cursor->arm_tag);
  if (!arm) {
    return absl::FailedPreconditionError(
        "cursor: the experiment arm of its first page is no longer configured; request the "
        "first page again (empty cursor)");
  }
  if (!arm_could_issue(*arm->arm, cursor->mode)) {
    return absl::FailedPreconditionError(
        "cursor: its experiment arm serves no chronological feed (now); request the first page "
        "again (empty cursor)");
  }
  request.mode = cursor->mode;
  return arm;
}

}  // namespace

std::string describe(const ListVariant& list) {
  if (list.mode == FeedMode::kChronological) return "chronological";
  return list.ranking ? fmt::format("algorithmic (ranking config {})", list.ranking->version)
                      : std::string("algorithmic (the server's ranking config)");
}

std::string describe(const FeedVariant& variant) {
  if (variant.mode == FeedMode::kInterleaved) {
    return fmt::format("interleaved: A {} vs B {}", describe(variant.teams[0]),
                       describe(variant.teams[1]));
  }
  return describe(ListVariant{variant.mode, variant.ranking});
}

absl::StatusOr<ExperimentsConfig> ExperimentFeeds::load_config(const std::filesystem::path& path) {
  if (path.empty()) return ExperimentsConfig{};
  auto loaded = load_experiments_config(path);
  if (!loaded.ok()) {
    return absl::Status(loaded.status().code(),
                        fmt::format("experiments config {}", std::string(loaded.status().message())));
  }
  return loaded;
}

absl::StatusOr<std::unique_ptr<ExperimentFeeds>> ExperimentFeeds::open(FeedEngine& engine,
                                                                       ExperimentOptions options) {
  if (!options.config) {
    auto loaded = load_config(options.config_path);
    if (!loaded.ok()) return loaded.status();
    options.config = std::move(*loaded);
  }
  auto config = std::make_shared<ExperimentsConfig>(std::move(*options.config));
  std::unique_ptr<store::ImpressionLog> log;
  if (!options.impression_log_dir.empty()) {
    auto opened =
        store::open_rocksdb_impression_log(options.impression_log_dir, options.impression_log);
    if (!opened.ok()) return opened.status();
    log = std::move(*opened);
  }
  return std::unique_ptr<ExperimentFeeds>(
      new ExperimentFeeds(engine, std::move(options), std::move(config), std::move(log)));
}

ExperimentFeeds::ExperimentFeeds(FeedEngine& engine, ExperimentOptions options,
                                 std::shared_ptr<const ExperimentsConfig> config,
                                 std::unique_ptr<store::ImpressionLog> log)
    : engine_(engine),
      options_(std::move(options)),
      config_(std::move(config)),
      log_(std::move(log)),
      request_id_base_(random_word()) {}

std::shared_ptr<const ExperimentsConfig> ExperimentFeeds::config() const {
  std::lock_guard lock(config_mutex_);
  return config_;
}

std::uint64_t ExperimentFeeds::next_request_id() const {
  for (;;) {
    // The finaliser is a bijection: distinct counters give distinct ids.
    const std::uint64_t id = split_mix64_finalise(request_id_base_ + request_counter_.fetch_add(1));
    if (id != 0) return id;
  }
}

absl::StatusOr<ServedPage> ExperimentFeeds::serve(FeedRequest request,
                                                  const ForcedArm& forced) const {
  if (forced.experiment.empty() != forced.arm.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: force_experiment and force_arm are set together or not at all",
                    forced.experiment.empty() ? "force_experiment" : "force_arm"));
  }
  // Held for the whole call: the assignment points into it.
  const std::shared_ptr<const ExperimentsConfig> config = this->config();
  const TimestampMs now = request.as_of > 0 ? request.as_of : wall_clock_ms();
  std::optional<ArmAssignment> assignment;
  if (!request.cursor.empty()) {
    auto continued = continued_arm(*config, request);
    if (!continued.ok()) return continued.status();
    assignment = *continued;
  } else if (!forced.experiment.empty()) {
    auto found = find_arm(*config, forced.experiment, forced.arm);
    if (!found.ok()) return found.status();
    assignment = *found;
  } else {
    assignment = assign_arm(*config, request.viewer, now);
  }

  ServedPage served;
  if (assignment) {
    const FeedVariant& variant = assignment->arm->variant;
    if (request.cursor.empty()) request.mode = variant.mode;  // else the cursor's, set above
    request.ranking = variant.ranking;
    request.interleave = variant.teams;
    request.arm_tag = arm_tag(assignment->experiment->id, assignment->arm->name);
    served.experiment = assignment->experiment->id;
    served.arm = assignment->arm->name;
  }
  const UserId viewer = request.viewer;
  auto page = engine_.get_feed(request);
  if (!page.ok()) return page.status();
  served.page = std::move(*page);
  served.mode = request.mode;
  served.request_id = next_request_id();
  if (absl::Status logged = log_page(served, now, viewer); !logged.ok()) {
    return absl::UnavailableError(
        fmt::format("impression log: {} (the page was not served)", std::string(logged.message())));
  }
  return served;
}

absl::Status ExperimentFeeds::log_page(const ServedPage& served, TimestampMs now,
                                       UserId viewer) const {
  if (log_ == nullptr || served.page.items.empty()) return absl::OkStatus();
  std::vector<store::Impression> impressions;
  impressions.reserve(served.page.items.size());
  std::uint32_t position = static_cast<std::uint32_t>(served.page.first_position);
  for (const FeedItem& item : served.page.items) {
    store::Impression impression;
    impression.request_id = served.request_id;
    impression.viewer = viewer;
    impression.experiment = served.experiment;
    impression.arm = served.arm;
    impression.post = item.post;
    impression.author = item.author;
    impression.post_created_at = item.created_at;
    impression.position = position++;
    impression.mode = static_cast<std::uint8_t>(served.mode);
    impression.source = static_cast<std::uint8_t>(item.source);
    impression.team = static_cast<std::uint8_t>(item.team);
    impression.in_network = item.in_network;
    impression.served_at = now;
    impressions.push_back(std::move(impression));
  }
  return log_->append(impressions);
}

absl::StatusOr<std::vector<std::string>> ExperimentFeeds::reload() {
  if (options_.config_path.empty()) {
    return absl::FailedPreconditionError(
        "the server was started without --experiments: there is no file to reload");
  }
  auto loaded = load_experiments_config(options_.config_path);
  if (!loaded.ok()) return loaded.status();
  auto fresh = std::make_shared<const ExperimentsConfig>(std::move(*loaded));
  {
    std::lock_guard lock(config_mutex_);
    config_ = fresh;
  }
  return experiment_ids();
}

std::vector<std::string> ExperimentFeeds::experiment_ids() const {
  std::vector<std::string> ids;
  for (const ExperimentConfig& experiment : config()->experiments) ids.push_back(experiment.id);
  return ids;
}

std::uint64_t ExperimentFeeds::impressions() const { return log_ ? log_->count() : 0; }

absl::StatusOr<ExperimentReport> ExperimentFeeds::report(const std::string& experiment,
                                                         TimestampMs window_ms) const {
  if (log_ == nullptr) {
    return absl::FailedPreconditionError(
        "the impression log is off (--impression-log=off): there is nothing to report");
  }
  if (experiment.size() > kMaxExperimentNameLength) {
    return absl::InvalidArgumentError(
        fmt::format("experiment_id: {} bytes, longer than any experiment's id (at most {})",
                    experiment.size(), kMaxExperimentNameLength));
  }
  const std::shared_ptr<const ExperimentsConfig> config = this->config();
  const auto configured =
      std::find_if(config->experiments.begin(), config->experiments.end(),
                   [&](const ExperimentConfig& candidate) { return candidate.id == experiment; });
  const bool known = configured != config->experiments.end();

  ReportInput input;
  input.experiment = experiment;
  input.attribution_window_ms = window_ms > 0 ? window_ms
                                : known       ? configured->attribution_window_ms
                                              : kDefaultAttributionWindowMs;
  if (known) {
    for (const ArmConfig& arm : configured->arms) input.arm_order.push_back(arm.name);
  }
  absl::Status scanned = log_->scan(experiment, [&](const store::Impression& impression) {
    input.impressions.push_back(impression);
  });
  if (!scanned.ok()) return scanned;
  if (input.impressions.empty()) {
    return absl::NotFoundError(
        fmt::format("experiment_id: no impressions logged under \"{}\"", experiment));
  }
  std::vector<UserId> viewers;
  for (const store::Impression& impression : input.impressions) {
    viewers.push_back(impression.viewer);
  }
  std::sort(viewers.begin(), viewers.end());
  viewers.erase(std::unique(viewers.begin(), viewers.end()), viewers.end());
  input.engagements = engine_.engagements_of(viewers);

  ExperimentReport report = build_experiment_report(input);
  if (!known) return report;
  for (const ArmConfig& arm : configured->arms) {
    for (ArmReport& arm_report : report.arms) {
      if (arm_report.arm == arm.name) arm_report.variant = describe(arm.variant);
    }
    for (InterleavingResult& result : report.interleaving) {
      if (result.arm != arm.name) continue;
      result.team_a = describe(arm.variant.teams[0]);
      result.team_b = describe(arm.variant.teams[1]);
    }
  }
  return report;
}

}  // namespace feedrank::ranker
