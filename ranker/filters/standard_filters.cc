// The algorithmic feed's filters, in the order they run (cheap checks first).
#include "ranker/filters/candidate_filter.h"
#include "ranker/filters/visibility_filter.h"

namespace feedrank::ranker {

std::vector<std::unique_ptr<CandidateFilter>> standard_filters() {
  std::vector<std::unique_ptr<CandidateFilter>> filters;
  filters.push_back(make_deleted_post_filter());
  filters.push_back(make_future_post_filter());
  filters.push_back(make_visibility_filter());
  filters.push_back(make_own_post_filter());
  filters.push_back(make_previously_engaged_filter());
  filters.push_back(make_muted_author_filter());
  return filters;
}

bool is_removed_for_the_viewer(const FeedQuery& query, const Candidate& candidate) {
  return is_own_post(query, candidate) || is_already_engaged(query, candidate) ||
         is_by_muted_author(query, candidate) ||
         !viewer_may_see(*query.state, query.viewer, candidate.author, candidate.visibility);
}

}  // namespace feedrank::ranker
