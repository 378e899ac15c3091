// In-network: the newest posts of each followee (at or before now), then the newest overall.
#include <algorithm>

#include "ranker/pipeline/candidate_source.h"

namespace feedrank::ranker {
namespace {

class InNetworkSource final : public CandidateSourceStage {
 public:
  CandidateSource source() const override { return CandidateSource::kFollowing; }

  absl::Status fetch(const FeedQuery& query, Candidates& out) const override {
    const store::FeedState& state = *query.state;
    const RankingConfig& config = *query.config;
    Candidates found;
    const auto per_author = static_cast<std::size_t>(config.in_network_per_author);
    for (UserId followee : state.graph.followees(query.viewer)) {
      const std::span<const PostId> followers_only = state.posts.followers_only(followee);
      for (const store::TimelineEntry& entry :
           state.posts.newest_until(followee, query.now, per_author)) {
        const bool for_followers =
            std::binary_search(followers_only.begin(), followers_only.end(), entry.id);
        found.push_back({entry.id, followee, entry.created_at, source(), source_bit(source()),
                         for_followers ? Visibility::kFollowers : Visibility::kPublic});
      }
    }
    const auto keep = std::min(found.size(), static_cast<std::size_t>(config.in_network_total));
    auto newer = [](const Candidate& a, const Candidate& b) {
      return a.created_at != b.created_at ? a.created_at > b.created_at : a.post > b.post;
    };
    std::partial_sort(found.begin(), found.begin() + keep, found.end(), newer);
    out.insert(out.end(), found.begin(), found.begin() + keep);
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<CandidateSourceStage> make_in_network_source() {
  return std::make_unique<InNetworkSource>();
}

}  // namespace feedrank::ranker
