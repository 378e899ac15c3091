#include "tools/simulate/simulation.h"

#include "common/stopwatch.h"
#include "fmt/format.h"
#include "tools/cli/grpc_client.h"
#include "tools/cli/time_format.h"
#include "tools/simulate/history_loader.h"
#include "tools/simulate/server_writes.h"

namespace feedrank::simulate {
namespace {

constexpr std::uint32_t kMaxPageSize = 500;  // GetFeed's limit
constexpr std::uint32_t kMaxConcurrency = 256;
constexpr std::uint64_t kMaxSimulatedHours = 100000;  // keeps every time far from overflowing

absl::Status validate(const SimulationOptions& options) {
  const auto invalid = [](const char* message) { return absl::InvalidArgumentError(message); };
  if (options.rounds == 0) return invalid("--rounds: must be at least 1");
  if (options.round_hours == 0) return invalid("--round-hours: must be at least 1");
  if (std::uint64_t{options.rounds} * options.round_hours > kMaxSimulatedHours) {
    return invalid("--rounds x --round-hours: at most 100000 simulated hours");
  }
  if (options.page_size == 0 || options.page_size > kMaxPageSize) {
    return invalid("--page-size: must be 1..500");
  }
  if (options.concurrency == 0 || options.concurrency > kMaxConcurrency) {
    return invalid("--concurrency: must be 1..256");
  }
  if (!(options.engagement.base >= 0)) return invalid("--base: must be >= 0");
  if (!(options.engagement.position_bias >= 0)) return invalid("--bias: must be >= 0");
  if (!(options.engagement.organic >= 0 && options.engagement.organic <= 1)) {
    return invalid("--organic: must be 0..1");
  }
  return absl::OkStatus();
}

// The rounds' posts join the history's in the world: together they are bounded.
absl::Status validate_total_posts(const SimulationOptions& options) {
  const WorldOptions& world = options.world;
  const double simulated_days =
      static_cast<double>(std::uint64_t{options.rounds} * options.round_hours) / 24;
  const double posts = expected_posts(world, world.history_days + simulated_days);
  if (posts <= kMaxPosts) return absl::OkStatus();
  return absl::InvalidArgumentError(fmt::format(
      "--rounds x --round-hours: {} authors x {} posts a day over the {} history days and {:g} "
      "simulated days is about {:.0f} posts, more than {:.0f}",
      world.authors, world.posts_per_author_per_day, world.history_days, simulated_days, posts,
      kMaxPosts));
}

std::string arms_text(const RoundStats& stats) {
  std::string text;
  for (const auto& [arm, viewers] : stats.viewers_by_arm) {
    if (!text.empty()) text += ", ";
    text += fmt::format("{} {}", arm.empty() ? "no experiment" : arm, viewers);
  }
  return text;
}

absl::StatusOr<v1::GetExperimentReportResponse> fetch_report(v1::FeedRank::Stub& stub,
                                                             const std::string& experiment) {
  v1::GetExperimentReportRequest request;
  request.set_experiment_id(experiment);
  grpc::ClientContext context;
  cli::set_deadline(context, cli::kReportDeadline);
  v1::GetExperimentReportResponse response;
  const grpc::Status status = stub.GetExperimentReport(&context, request, &response);
  if (!status.ok()) return rpc_error(fmt::format("GetExperimentReport {}", experiment), status);
  return response;
}

}  // namespace

std::int64_t default_start_ms(std::int64_t now_ms) {
  const std::int64_t start = now_ms - 2 * kDayMs;
  return start - start % kHourMs;
}

absl::StatusOr<SimulationResult> run_simulation(const SimulationOptions& options,
                                                std::int64_t now_ms) {
  if (absl::Status valid = validate(options); !valid.ok()) return valid;
  const auto report = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  SimulationResult result;
  result.world = options.world;
  if (result.world.start_ms == 0) result.world.start_ms = default_start_ms(now_ms);
  if (absl::Status valid = validate_world_options(result.world); !valid.ok()) return valid;
  if (absl::Status valid = validate_total_posts(options); !valid.ok()) return valid;
  const std::int64_t start_ms = result.world.start_ms;
  const std::int64_t round_ms = options.round_hours * kHourMs;
  const std::int64_t end_ms = start_ms + options.rounds * round_ms + kMaxLikeDelayMs;
  if (end_ms > now_ms) {
    return absl::InvalidArgumentError(fmt::format(
        "--start-ms: the rounds would run to {}, after now ({}): start earlier or run fewer or "
        "shorter rounds",
        cli::format_iso8601_utc(end_ms), cli::format_iso8601_utc(now_ms)));
  }

  Stopwatch world_time;
  auto world = World::create(result.world);
  if (!world.ok()) return world.status();
  const WorldOptions& shape = result.world;
  report(fmt::format(
      "world: {} viewers, {} authors, {} topics, {} follows per viewer, {} posts and {} likes over "
      "the {} days before {} (seed {}, ids from {}) in {:.1f} s",
      shape.viewers, shape.authors, shape.topics, shape.follows_per_viewer, world->posts().size(),
      world->history_likes().size(), shape.history_days, cli::format_iso8601_utc(start_ms),
      shape.seed, shape.id_base, world_time.seconds()));

  const auto channel = cli::open_channel(options.server);
  Stopwatch history_time;
  auto history = load_history(*world, options.server, channel);
  if (!history.ok()) return history.status();
  result.history = *history;
  report(
      fmt::format("history: {} users, {} follows, {} posts, {} engagements loaded ({} already "
                  "there) in {:.1f} s",
                  history->users(), history->follows(), history->posts(), history->engagements(),
                  history->unchanged(), history_time.seconds()));
  if (history->unchanged() > 0) {
    // Writes are first-write-wins: an earlier run's records stay as they were.
    report(fmt::format(
        "warning: {} records were already in the server (ids from {} were used before): its data "
        "may not match this world and reports mix the runs; use a fresh --id-base",
        history->unchanged(), shape.id_base));
  }

  LikedPosts liked(shape.viewers);
  for (const SimulatedLike& like : world->history_likes()) {
    liked.insert(like.viewer_id - shape.id_base, like.post_id);
  }
  RoundDriver driver(options.server, channel, *world, liked,
                     {.page_size = options.page_size,
                      .concurrency = options.concurrency,
                      .engagement = options.engagement});
  for (std::uint32_t round = 0; round < options.rounds; ++round) {
    const std::int64_t from_ms = start_ms + round * round_ms;
    auto stats = driver.run(round, from_ms, from_ms + round_ms);
    if (!stats.ok()) return stats.status();
    report(fmt::format(
        "round {}/{} at {}: {} new posts; {} pages ({}), {} items; {} feed likes, {} organic "
        "likes; {:.1f} s",
        round + 1, options.rounds, cli::format_iso8601_utc(stats->served_at_ms), stats->posts,
        stats->pages, arms_text(*stats), stats->items, stats->feed_likes, stats->organic_likes,
        stats->seconds));
    result.rounds.push_back(std::move(*stats));
  }

  std::vector<std::string> experiments(driver.experiments().begin(), driver.experiments().end());
  if (!options.experiment.empty()) experiments = {options.experiment};
  if (experiments.empty()) report("reports: no response named an experiment");
  auto stub = v1::FeedRank::NewStub(channel);
  for (const std::string& experiment : experiments) {
    Stopwatch report_time;
    auto fetched = fetch_report(*stub, experiment);
    if (!fetched.ok()) return fetched.status();
    report(fmt::format("report {}: {} arms in {:.1f} s", experiment, fetched->arms_size(),
                       report_time.seconds()));
    result.reports.push_back(std::move(*fetched));
  }
  return result;
}

}  // namespace feedrank::simulate
