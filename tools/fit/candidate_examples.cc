#include "tools/fit/candidate_examples.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "tools/fit/model_columns.h"

namespace feedrank::fit {

void append_candidate_examples(const ranker::ScoringInput& input,
                               const replay::PostSet& engaged_later, ExampleMatrix& out) {
  assert(out.columns() == kModelColumns);
  assert(input.features.size() == input.candidates.size() * ranker::kFeatureCount);
  std::array<float, kModelColumns> row{};
  for (std::size_t i = 0; i < input.candidates.size(); ++i) {
    const ranker::Candidate& candidate = input.candidates[i];
    const float* features = input.features.data() + i * ranker::kFeatureCount;
    std::copy(features, features + ranker::kFeatureCount, row.begin());
    std::fill(row.begin() + ranker::kFeatureCount, row.end(), 0.0f);
    if (auto column = source_column(candidate.source)) row[static_cast<std::size_t>(*column)] = 1;
    out.add_row(row, engaged_later.contains(candidate.post));
  }
}

}  // namespace feedrank::fit
