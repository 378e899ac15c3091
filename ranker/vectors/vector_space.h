// Which vectors retrieval searches (chosen at start, reported in GetStats):
// - text: the hashed TF-IDF post vectors and the user vectors built from them (what posts say);
// - learned: implicit-ALS factors trained on engagements (who engages with what), with cold-start
//   vectors for posts the model has not seen;
// - hybrid: both, concatenated [sqrt(w) text, sqrt(1 - w) learned], so that an inner product in
//   it is w * (text similarity) + (1 - w) * (learned score).
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace feedrank::ranker {

enum class VectorSpace { kText, kLearned, kHybrid };

// "text" | "learned" | "hybrid"; false for anything else.
bool parse_vector_space(std::string_view text, VectorSpace& out);
std::string_view vector_space_name(VectorSpace space);

// INVALID_ARGUMENT naming --embedding-dimension where `space` cannot hold vectors of that
// dimension: hybrid holds text and factors side by side, twice as many values, so at most half
// the largest dimension. Checked by the server before it opens the store.
absl::Status check_space_dimension(VectorSpace space, int embedding_dimension);

}  // namespace feedrank::ranker
