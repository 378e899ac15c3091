// Filters of the algorithmic feed, run on the merged candidates before features are computed:
// each removes one kind of post and has a name (reported per response in RankingStats::removed).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "ranker/pipeline/candidate.h"
#include "ranker/pipeline/feed_query.h"

namespace feedrank::ranker {

class CandidateFilter {
 public:
  virtual ~CandidateFilter() = default;
  virtual std::string_view name() const = 0;
  virtual bool keeps(const FeedQuery& query, const Candidate& candidate) const = 0;
};

// Deleted posts (a source may hold a post deleted since it was found). Data: the post catalog.
std::unique_ptr<CandidateFilter> make_deleted_post_filter();
// Posts created after the request's now (as_of_ms replays). Data: the candidate's time.
std::unique_ptr<CandidateFilter> make_future_post_filter();
// FOLLOWERS-only posts of accounts the viewer does not follow. Data: visibility, follow graph.
std::unique_ptr<CandidateFilter> make_visibility_filter();
// The viewer's own posts.
std::unique_ptr<CandidateFilter> make_own_post_filter();
// Posts the viewer already engaged with. Data: ViewerSignals::engaged.
std::unique_ptr<CandidateFilter> make_previously_engaged_filter();
// Posts by authors the request mutes.
std::unique_ptr<CandidateFilter> make_muted_author_filter();

// All of the above, in that order.
std::vector<std::unique_ptr<CandidateFilter>> standard_filters();

// The rules of the visibility filter and the last three, which depend only on the viewer and the
// request. Sources that pick their best few of many posts skip what these remove
// (is_removed_for_the_viewer), so that the filters do not empty their share of the page (a
// popular followers-only post is no candidate for a viewer who does not follow its author).
bool is_own_post(const FeedQuery& query, const Candidate& candidate);
bool is_already_engaged(const FeedQuery& query, const Candidate& candidate);
bool is_by_muted_author(const FeedQuery& query, const Candidate& candidate);
bool is_removed_for_the_viewer(const FeedQuery& query, const Candidate& candidate);

}  // namespace feedrank::ranker
