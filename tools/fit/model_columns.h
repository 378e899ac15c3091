// The columns of the ranking model fit-ranker learns: every ranking feature in Feature order
// (kBias, always 1, is the intercept), then one indicator per candidate source that has a scale
// of its own, except in-network, the reference whose scale stays 1.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "ranker/feed_types.h"
#include "ranker/pipeline/features.h"

namespace feedrank::fit {

inline constexpr std::array<ranker::CandidateSource, 4> kIndicatorSources = {
    ranker::CandidateSource::kOutOfNetwork, ranker::CandidateSource::kNetworkEngagement,
    ranker::CandidateSource::kPopular, ranker::CandidateSource::kCollaborative};
inline constexpr int kModelColumns =
    ranker::kFeatureCount + static_cast<int>(kIndicatorSources.size());
inline constexpr int kInterceptColumn = static_cast<int>(ranker::Feature::kBias);

// The indicator column of a candidate's primary source; nullopt for the reference (in-network)
// and for kSelf, which has no scale.
std::optional<int> source_column(ranker::CandidateSource source);
// "similarity", ..., then "source:out_of_network", ...
std::string column_name(int column);

}  // namespace feedrank::fit
