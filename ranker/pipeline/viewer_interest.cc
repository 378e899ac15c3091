#include "ranker/pipeline/viewer_interest.h"

#include <algorithm>
#include <cmath>

#include "embeddings/vector_norms.h"

namespace feedrank::ranker {
std::vector<float> viewer_interest(std::span<const float> user_vector,
                                   const store::FeedState& state,
                                   const embeddings::EmbeddingTable& post_vectors, UserId viewer,
                                   TimestampMs now, const ViewerInterestOptions& options) {
  const std::size_t dimension = static_cast<std::size_t>(post_vectors.dimension());
  std::vector<float> own(dimension, 0.0f), vector(dimension);
  for (const store::TimelineEntry& entry :
       state.posts.newest_until(viewer, now, static_cast<std::size_t>(options.own_posts))) {
    const auto row = post_vectors.row_of(entry.id);
    if (!row) continue;
    post_vectors.copy_row(*row, vector);
    for (std::size_t i = 0; i < dimension; ++i) own[i] += vector[i];
  }
  const float own_norm = embeddings::l2_norm(own);
  const float user_norm = embeddings::l2_norm(user_vector);
  const bool has_own = std::isnormal(own_norm);
  const bool has_user = std::isnormal(user_norm) && user_vector.size() == dimension;
  const float own_scale = !has_own ? 0.0f : (has_user ? options.own_posts_share : 1.0f) / own_norm;
  const float user_scale =
      !has_user ? 0.0f : (has_own ? 1.0f - options.own_posts_share : 1.0f) / user_norm;
  std::vector<float> out(dimension, 0.0f);
  for (std::size_t i = 0; i < dimension; ++i) {
    out[i] = own_scale * own[i] + (has_user ? user_scale * user_vector[i] : 0.0f);
  }
  embeddings::l2_normalize(out);
  return out;
}

}  // namespace feedrank::ranker
