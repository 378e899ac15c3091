// The experiments config: a JSON file given at start (--experiments), reloadable while serving.
// Each experiment has an id, a salt, a time window and arms; an arm is a traffic share (in
// buckets of 1/10,000) and a feed variant. Validated as a whole, with errors naming the field
// ("experiments[1].arms[0].share: ..."); a config that fails changes nothing.
//
//   {"experiments": [
//     {"id": "chrono-vs-algo", "salt": "2026-11", "start_ms": 0, "end_ms": 0,
//      "attribution_window_hours": 24,
//      "arms": [{"name": "chronological", "share": 0.5, "mode": "chronological"},
//               {"name": "algorithmic", "share": 0.5, "mode": "algorithmic",
//                "ranking_config": {"version": "fitted-3", "weights": {"similarity": 3}}}]},
//     {"id": "interleave", "salt": "x", "arms": [{"name": "team-draft", "share": 0.1,
//      "mode": "interleaved", "interleave": [{"mode": "chronological"},
//                                            {"mode": "algorithmic", "ranking_config": {...}}]}]}]}
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ranker/experiments/feed_variant.h"

namespace feedrank::ranker {

inline constexpr int kAssignmentBuckets = 10000;

// The attribution window of an experiment that sets none, and the longest one an experiment or a
// report request may set (a month: longer windows credit unrelated visits).
inline constexpr TimestampMs kDefaultAttributionWindowMs = 24LL * 3600 * 1000;
inline constexpr TimestampMs kMaxAttributionWindowMs = 30LL * 24 * 3600 * 1000;
// The longest experiment id or arm name (letters, digits, '_', '.' and '-').
inline constexpr std::size_t kMaxExperimentNameLength = 64;

struct ArmConfig {
  std::string name;  // unique within its experiment; 1..64 of [A-Za-z0-9_.-]
  int buckets = 0;   // share x 10,000, rounded; the arms of an experiment take 1..10,000 in all
  FeedVariant variant;
};

struct ExperimentConfig {
  std::string id;            // unique; 1..64 of [A-Za-z0-9_.-]
  // Non-empty; experiments on different salts assign independently, so experiments whose time
  // windows overlap may not share one.
  std::string salt;
  TimestampMs start_ms = 0;  // active from (0: always)
  TimestampMs end_ms = 0;    // until, exclusive (0: never ends); > start_ms when both set
  // Engagements up to this long after an impression are credited to it (report).
  TimestampMs attribution_window_ms = kDefaultAttributionWindowMs;
  std::vector<ArmConfig> arms;  // at least one
};

struct ExperimentsConfig {
  std::vector<ExperimentConfig> experiments;  // in file order: the first that takes a viewer wins
};

// Keys: "experiments" (array, may be empty); per experiment "id", "salt", "arms" (required),
// "start_ms", "end_ms", "attribution_window_hours" (optional); per arm "name", "share" (0..1],
// "mode" ("chronological" | "algorithmic" | "interleaved"), "ranking_config" (an object in
// parse_ranking_config's format, algorithmic only), "interleave" (interleaved only: two list
// variants {"mode", "ranking_config"}; default chronological then algorithmic). Unknown keys,
// wrong types, duplicate ids or arm names, shares above 1 in sum, a salt shared with an
// experiment whose window overlaps and an attribution window under a millisecond are
// INVALID_ARGUMENT naming the field. An arm's buckets run to the running total of the shares
// times 10,000, rounded.
absl::StatusOr<ExperimentsConfig> parse_experiments_config(std::string_view json);
// NOT_FOUND when the file is missing; otherwise as above, prefixed by the path.
absl::StatusOr<ExperimentsConfig> load_experiments_config(const std::filesystem::path& path);

}  // namespace feedrank::ranker
