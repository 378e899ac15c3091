// The features the algorithmic feed computes for every candidate (feature hydration), in the
// column order of the feature matrix the scorer reads. Counts enter as log1p so that a linear
// model over them stays sane across corpora of any size.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace feedrank::ranker {

enum class Feature : int {
  kBias,                 // always 1
  kSimilarity,           // inner product of the viewer's and the post's vectors (0 when none)
  kRecency,              // 2^(-age / recency half-life)
  kAuthorAffinity,       // log1p(the viewer's decayed, kind-weighted engagements with the author)
  kFollowsAuthor,        // 1 when the viewer follows the author
  kViews,                // log1p(the post's decayed VIEW count)
  kLikes,                // log1p(decayed LIKE count)
  kComments,             // log1p(decayed COMMENT count)
  kShares,               // log1p(decayed SHARE count)
  kFolloweeEngagements,  // log1p(how many of the viewer's followees engaged with the post)
  kAuthorFollowers,      // log1p(the author's follower count)
  kAlreadyEngaged,       // 1 when the viewer engaged with the post before
  kCollaborative,        // log1p(similarity-weighted engagements of the viewer's nearest users)
  // log1p(age in hours): unlike kRecency it has no time scale, so it still orders posts by age
  // in data whose timestamps are coarse (days, months) or far apart.
  kLogAge,
  // log1p(the author's live posts): a prolific author's followers spread their attention over
  // more posts, so each one's chance of engagement can fall with the count.
  kAuthorPosts,
  // The learned model's score of the post for the viewer (the inner product of their factors,
  // the viewer folded in when they engaged since training); 0 in the text space.
  kLearnedScore,
};
inline constexpr int kFeatureCount = 16;

// snake_case names, as in ranking configs and explanations ("similarity", "author_affinity").
std::string_view feature_name(Feature feature);
std::optional<Feature> feature_by_name(std::string_view name);
inline constexpr std::array<Feature, kFeatureCount> all_features() {
  std::array<Feature, kFeatureCount> features{};
  for (int i = 0; i < kFeatureCount; ++i) features[i] = static_cast<Feature>(i);
  return features;
}

}  // namespace feedrank::ranker
