// The ranking config: everything the algorithmic feed's stages read that an experimenter may
// want to change without a rebuild. A JSON file given at start (--ranking-config), validated
// with errors naming the field; its version string is reported in every algorithmic response.
// `feedrank fit-ranker` writes one fitted from the store's history.
//
// Scores are log-odds: score = sum_f weight_f * feature_f + ln(source_scale) + ln(diversity
// factors), so a source scale multiplies the predicted odds of engagement and every term of an
// explanation adds up to the score.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ranker/feed_types.h"
#include "ranker/pipeline/features.h"

namespace feedrank::ranker {

struct RankingConfig {
  std::string version = "default-2";
  std::array<float, kFeatureCount> weights{};                // by Feature
  std::array<float, kCandidateSourceCount> source_scales{};  // by CandidateSource, > 0
  TimestampMs recency_half_life_ms = 0;                      // the kRecency feature
  TimestampMs affinity_half_life_ms = 0;  // decay of the viewer's engagements (author affinity)

  // Candidate sources.
  int in_network_per_author = 0;  // newest posts per followee
  int in_network_total = 0;
  int out_of_network_k = 0;                   // nearest public posts asked of the index (1..1024)
  TimestampMs out_of_network_max_age_ms = 0;  // older nearest posts are dropped
  // The exact scan reads at most this many of the newest posts (a cost bound: about 2 ms per
  // 100,000 rows at d = 128 on one core); approximate indexes and the GPU search all rows.
  int out_of_network_max_scan_posts = 0;
  int network_engagement_per_followee = 0;  // newest engagements read per followee
  int network_engagement_total = 0;
  int popular_total = 0;
  int collaborative_history = 0;     // the viewer's newest engagements that find neighbours
  int collaborative_neighbours = 0;  // nearest users kept (cosine of engagement sets)
  int collaborative_total = 0;

  // Selection.
  float author_decay = 0;    // each further post of an author multiplies its odds by this...
  float author_floor = 0;    // ...down to this floor (1 and 1: no discount)
  float mmr_penalty = 0;     // score -= penalty * max similarity to items above (0: off)
  int ranked_list_size = 0;  // items ranked per request and kept behind the cursor (1..5000)
};

// The defaults a new user gets: reasoned priors, not fitted to any data set.
RankingConfig default_ranking_config();

// Keys left out keep their default; unknown keys, wrong types and out-of-range values are
// INVALID_ARGUMENT naming the field ("weights.similarity: must be a finite number").
absl::StatusOr<RankingConfig> parse_ranking_config(std::string_view json);
// NOT_FOUND when the file is missing; otherwise as parse_ranking_config, prefixed by the path.
absl::StatusOr<RankingConfig> load_ranking_config(const std::filesystem::path& path);
// Every field, in the format parse_ranking_config reads (round-trips exactly).
std::string to_json(const RankingConfig& config);

// The config's names of sources ("in_network", "out_of_network", "network_engagement",
// "popular", "collaborative"; kSelf is "self").
std::string_view source_name(CandidateSource source);

}  // namespace feedrank::ranker
