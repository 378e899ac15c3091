// Out-of-network: nearest public posts to the viewer's vector on the retrieval backend.
#include <algorithm>

#include "ranker/pipeline/candidate_source.h"

namespace feedrank::ranker {
namespace {

// The viewer's newest own posts left out of the search (the own-post filter catches the rest).
constexpr std::size_t kMaxOwnPostsExcluded = 1000;

class OutOfNetworkSource final : public CandidateSourceStage {
 public:
  explicit OutOfNetworkSource(NearestPublicPosts nearest) : nearest_(std::move(nearest)) {}

  CandidateSource source() const override { return CandidateSource::kOutOfNetwork; }

  absl::Status fetch(const FeedQuery& query, Candidates& out) const override {
    const int k = query.config->out_of_network_k;
    if ((query.viewer_vector.empty() && query.space_vector.empty()) || k == 0) {
      return absl::OkStatus();
    }
    const TimestampMs oldest = query.now - query.config->out_of_network_max_age_ms;
    // The nearest rows to a viewer's interest are the posts it was built from: leave them out of
    // the search instead of spending the k slots on posts the filters then remove.
    std::vector<kernels::VectorId> exclude(query.signals.engaged.begin(),
                                           query.signals.engaged.end());
    const auto own = query.state->posts.timeline(query.viewer);
    const std::size_t own_kept = std::min<std::size_t>(own.size(), kMaxOwnPostsExcluded);
    for (const store::TimelineEntry& entry : own.last(own_kept)) exclude.push_back(entry.id);
    const auto max_scan = static_cast<std::size_t>(query.config->out_of_network_max_scan_posts);
    auto neighbours = nearest_(query, k, oldest, max_scan, exclude);
    if (!neighbours.ok()) return neighbours.status();
    for (const kernels::Neighbor& neighbour : *neighbours) {
      auto candidate = candidate_of(*query.state, neighbour.id, source());
      if (candidate && candidate->created_at >= oldest) out.push_back(*candidate);
    }
    return absl::OkStatus();
  }

 private:
  NearestPublicPosts nearest_;
};

}  // namespace

std::unique_ptr<CandidateSourceStage> make_out_of_network_source(NearestPublicPosts nearest) {
  return std::make_unique<OutOfNetworkSource>(std::move(nearest));
}

}  // namespace feedrank::ranker
