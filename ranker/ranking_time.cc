#include "ranker/ranking_time.h"

namespace feedrank::ranker {

std::string_view stage_name(RankingStage stage) {
  switch (stage) {
    case RankingStage::kVectors:
      return "vectors";
    case RankingStage::kSignals:
      return "signals";
    case RankingStage::kFilters:
      return "filters";
    case RankingStage::kFeatures:
      return "features";
    case RankingStage::kScoring:
      return "scoring";
    case RankingStage::kDiversity:
      return "diversity";
  }
  return "unknown";
}

void add_times(RankingStats& into, const RankingStats& other) {
  for (int i = 0; i < kRankingStageCount; ++i) into.stage_ns[i] += other.stage_ns[i];
  for (int i = 0; i < kCandidateSourceCount; ++i) into.source_ns[i] += other.source_ns[i];
}

}  // namespace feedrank::ranker
