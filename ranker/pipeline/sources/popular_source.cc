// Popular/trending: the store keeps every post ordered by time-decayed engagement as engagements
// arrive (store::EngagementHistory), so a request only walks the head of that order.
#include "ranker/filters/candidate_filter.h"
#include "ranker/pipeline/candidate_source.h"

namespace feedrank::ranker {
namespace {

// Walking stops after this many posts per wanted one (deleted or future posts, and those the
// viewer's filters remove, are skipped), so a store full of deleted popular posts cannot make a
// request walk the whole corpus.
constexpr int kWalkFactor = 4;

class PopularSource final : public CandidateSourceStage {
 public:
  CandidateSource source() const override { return CandidateSource::kPopular; }

  absl::Status fetch(const FeedQuery& query, Candidates& out) const override {
    const int wanted = query.config->popular_total;
    int found = 0;
    int walked = 0;
    if (wanted == 0) return absl::OkStatus();
    query.state->engagements.for_each_trending([&](PostId post) {
      auto candidate = candidate_of(*query.state, post, source());
      if (candidate && candidate->created_at <= query.now &&
          !is_removed_for_the_viewer(query, *candidate)) {
        out.push_back(*candidate);
        ++found;
      }
      return found < wanted && ++walked < wanted * kWalkFactor;
    });
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<CandidateSourceStage> make_popular_source() {
  return std::make_unique<PopularSource>();
}

}  // namespace feedrank::ranker
