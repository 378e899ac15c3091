#include "tools/fit/model_columns.h"

#include "fmt/format.h"
#include "ranker/scoring/ranking_config.h"

namespace feedrank::fit {

std::optional<int> source_column(ranker::CandidateSource source) {
  for (std::size_t i = 0; i < kIndicatorSources.size(); ++i) {
    if (kIndicatorSources[i] == source) return ranker::kFeatureCount + static_cast<int>(i);
  }
  return std::nullopt;
}

std::string column_name(int column) {
  if (column < ranker::kFeatureCount) {
    return std::string(ranker::feature_name(static_cast<ranker::Feature>(column)));
  }
  const auto source = kIndicatorSources[static_cast<std::size_t>(column - ranker::kFeatureCount)];
  return fmt::format("source:{}", ranker::source_name(source));
}

}  // namespace feedrank::fit
