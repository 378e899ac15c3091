// The vector the algorithmic feed retrieves and scores with: the viewer's user vector (what they
// engaged with, blended with what their followees post) plus what the viewer posts themselves,
// since people post about what interests them. The user vector alone leaves that out: it is
// built for retrieval by engagement and follows.
#pragma once

#include <span>
#include <vector>

#include "embeddings/embedding_table.h"
#include "store/feed_state.h"

namespace feedrank::ranker {

struct ViewerInterestOptions {
  float own_posts_share = 0.3f;  // of the direction, when both parts exist
  int own_posts = 50;            // the newest own posts (at or before now) that count
};

// L2-normalised; all zeros when neither part exists.
std::vector<float> viewer_interest(std::span<const float> user_vector,
                                   const store::FeedState& state,
                                   const embeddings::EmbeddingTable& post_vectors, UserId viewer,
                                   TimestampMs now, const ViewerInterestOptions& options = {});

}  // namespace feedrank::ranker
