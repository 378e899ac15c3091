// Removes FOLLOWERS-only posts the viewer may not see (ranker/filters/visibility_filter.h).
#include "ranker/filters/candidate_filter.h"
#include "ranker/filters/visibility_filter.h"

namespace feedrank::ranker {
namespace {

class VisibilityFilter final : public CandidateFilter {
 public:
  std::string_view name() const override { return "not_visible"; }
  bool keeps(const FeedQuery& query, const Candidate& candidate) const override {
    return viewer_may_see(*query.state, query.viewer, candidate.author, candidate.visibility);
  }
};

}  // namespace

std::unique_ptr<CandidateFilter> make_visibility_filter() {
  return std::make_unique<VisibilityFilter>();
}

}  // namespace feedrank::ranker
