#include "ranker/pipeline/features.h"

namespace feedrank::ranker {
namespace {

constexpr std::array<std::string_view, kFeatureCount> kNames = {"bias",
                                                                "similarity",
                                                                "recency",
                                                                "author_affinity",
                                                                "follows_author",
                                                                "views",
                                                                "likes",
                                                                "comments",
                                                                "shares",
                                                                "followee_engagements",
                                                                "author_followers",
                                                                "already_engaged",
                                                                "collaborative",
                                                                "log_age_hours",
                                                                "author_posts",
                                                                "learned_score"};

}  // namespace

std::string_view feature_name(Feature feature) { return kNames[static_cast<int>(feature)]; }

std::optional<Feature> feature_by_name(std::string_view name) {
  for (int i = 0; i < kFeatureCount; ++i) {
    if (kNames[i] == name) return static_cast<Feature>(i);
  }
  return std::nullopt;
}

}  // namespace feedrank::ranker
