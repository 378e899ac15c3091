// The experiments config parser on arbitrary text: it never crashes or throws, refuses bad input
// with INVALID_ARGUMENT, and a config it accepts keeps its documented invariants (unique ids and
// arm names, at least one arm, 1..10,000 buckets per experiment, end after start, a ranking config
// only where the mode ranks, each one round-tripping through to_json).
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "ranker/experiments/experiment_config.h"

namespace {

using feedrank::ranker::FeedMode;

void check_ranking(const std::shared_ptr<const feedrank::ranker::RankingConfig>& ranking) {
  if (ranking == nullptr) return;
  const std::string written = feedrank::ranker::to_json(*ranking);
  const auto reread = feedrank::ranker::parse_ranking_config(written);
  FUZZ_CHECK(reread.ok(), "an arm's ranking config is one parse_ranking_config accepts");
  FUZZ_CHECK(feedrank::ranker::to_json(*reread) == written, "it round-trips");
}

void check_experiment(const feedrank::ranker::ExperimentConfig& experiment) {
  FUZZ_CHECK(!experiment.id.empty() && experiment.id.size() <= 64, "id has 1..64 characters");
  FUZZ_CHECK(!experiment.salt.empty(), "salt is not empty");
  FUZZ_CHECK(experiment.start_ms == 0 || experiment.end_ms == 0 ||
                 experiment.end_ms > experiment.start_ms,
             "end is after start");
  FUZZ_CHECK(experiment.attribution_window_ms > 0 &&
                 experiment.attribution_window_ms <= feedrank::ranker::kMaxAttributionWindowMs,
             "attribution window within bounds");
  FUZZ_CHECK(!experiment.arms.empty(), "at least one arm");
  std::set<std::string> names;
  long buckets = 0;
  for (const auto& arm : experiment.arms) {
    FUZZ_CHECK(names.insert(arm.name).second, "arm names are unique");
    FUZZ_CHECK(!arm.name.empty() && arm.name.size() <= 64, "arm name has 1..64 characters");
    FUZZ_CHECK(arm.buckets >= 0, "buckets are not negative");
    buckets += arm.buckets;
    const auto& variant = arm.variant;
    if (variant.mode != FeedMode::kAlgorithmic) {
      FUZZ_CHECK(variant.ranking == nullptr, "a ranking config only on an algorithmic arm");
    }
    check_ranking(variant.ranking);
    if (variant.mode == FeedMode::kInterleaved) {
      for (const auto& team : variant.teams) {
        FUZZ_CHECK(team.mode != FeedMode::kInterleaved, "an interleaved list is not interleaved");
        check_ranking(team.ranking);
      }
    }
  }
  FUZZ_CHECK(buckets >= 1 && buckets <= feedrank::ranker::kAssignmentBuckets,
             "an experiment takes 1..10,000 buckets");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(bytes), size);
  const auto config = feedrank::ranker::parse_experiments_config(json);
  if (!config.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(config.status()), "a refused config is INVALID_ARGUMENT");
    return 0;
  }
  std::set<std::string> ids;
  for (const auto& experiment : config->experiments) {
    FUZZ_CHECK(ids.insert(experiment.id).second, "experiment ids are unique");
    check_experiment(experiment);
  }
  return 0;
}
