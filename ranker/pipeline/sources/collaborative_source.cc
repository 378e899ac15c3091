// Collaborative: posts engaged with by the viewer's nearest users (ViewerSignals::collaborative,
// user-kNN over engagement sets), by summed neighbour similarity.
#include "ranker/pipeline/sources/ranked_map_source.h"

namespace feedrank::ranker {
namespace {

class CollaborativeSource final : public CandidateSourceStage {
 public:
  CandidateSource source() const override { return CandidateSource::kCollaborative; }

  absl::Status fetch(const FeedQuery& query, Candidates& out) const override {
    append_best(query, query.signals.collaborative, query.config->collaborative_total,
                source(), out);
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<CandidateSourceStage> make_collaborative_source() {
  return std::make_unique<CollaborativeSource>();
}

}  // namespace feedrank::ranker
