#include "ranker/vectors/vector_space.h"

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

}  // namespace feedrank::ranker
