#include "ranker/vectors/vector_space.h"

#include "embeddings/vector_dimension.h"
#include "fmt/format.h"

namespace feedrank::ranker {

bool parse_vector_space(std::string_view text, VectorSpace& out) {
  for (VectorSpace space : {VectorSpace::kText, VectorSpace::kLearned, VectorSpace::kHybrid}) {
    if (text == vector_space_name(space)) {
      out = space;
      return true;
    }
  }
  return false;
}

std::string_view vector_space_name(VectorSpace space) {
  switch (space) {
    case VectorSpace::kText:
      return "text";
    case VectorSpace::kLearned:
      return "learned";
    case VectorSpace::kHybrid:
      return "hybrid";
  }
  return "unknown";
}

absl::Status check_space_dimension(VectorSpace space, int embedding_dimension) {
  if (space != VectorSpace::kHybrid) return absl::OkStatus();
  if (embeddings::validate_dimension(2 * embedding_dimension).ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(fmt::format(
      "--embedding-dimension: {} is over {}, the most --vector-space hybrid allows (its vectors "
      "hold the text vector and the learned factors side by side: {} values, at most {})",
      embedding_dimension, embeddings::kMaxDimension / 2, 2 * embedding_dimension,
      embeddings::kMaxDimension));
}

}  // namespace feedrank::ranker
