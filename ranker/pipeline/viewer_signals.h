// What the viewer's and their followees' engagements say, computed once per request from the
// store's engagement history (engagements after `now` are ignored, so replays at a past time
// see only the past).
#pragma once

#include "ranker/pipeline/feed_query.h"

namespace feedrank::ranker {

ViewerSignals compute_viewer_signals(const store::FeedState& state, UserId viewer, TimestampMs now,
                                     const RankingConfig& config);

}  // namespace feedrank::ranker
