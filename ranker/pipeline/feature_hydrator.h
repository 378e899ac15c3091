// Feature hydration: the feature matrix of the candidates (row i for candidate i, columns in
// Feature order), filled in bulk from the store's views, the post vectors and ViewerSignals.
#pragma once

#include <span>

#include "embeddings/embedding_table.h"
#include "ranker/pipeline/candidate.h"
#include "ranker/pipeline/feed_query.h"

namespace feedrank::ranker {

// `out` holds candidates.size() x kFeatureCount floats.
void hydrate_features(const FeedQuery& query, const Candidates& candidates,
                      const embeddings::EmbeddingTable& post_vectors, std::span<float> out);

}  // namespace feedrank::ranker
