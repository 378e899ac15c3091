// Network engagement ("liked by people you follow"): posts the viewer's followees engaged with
// recently (ViewerSignals::followee_engagements), the most followees first.
#include "ranker/pipeline/sources/ranked_map_source.h"

namespace feedrank::ranker {
namespace {

class NetworkEngagementSource final : public CandidateSourceStage {
 public:
  CandidateSource source() const override { return CandidateSource::kNetworkEngagement; }

  absl::Status fetch(const FeedQuery& query, Candidates& out) const override {
    append_best(query, query.signals.followee_engagements,
                query.config->network_engagement_total, source(), out);
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<CandidateSourceStage> make_network_engagement_source() {
  return std::make_unique<NetworkEngagementSource>();
}

}  // namespace feedrank::ranker
