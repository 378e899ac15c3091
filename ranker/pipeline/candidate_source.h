// Candidate sources of the algorithmic feed: each finds posts for the viewer one way and tags
// them with its CandidateSource. A source that fails (retrieval down, GPU lost) returns an error;
// the pipeline then serves from the other sources and says so in the response.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "kernels/vector_index.h"
#include "ranker/pipeline/candidate.h"
#include "ranker/pipeline/feed_query.h"

namespace feedrank::ranker {

class CandidateSourceStage {
 public:
  virtual ~CandidateSourceStage() = default;
  virtual CandidateSource source() const = 0;
  // Appends this source's candidates to `out` (live posts only; other filters come later).
  virtual absl::Status fetch(const FeedQuery& query, Candidates& out) const = 0;
};

// The k public posts nearest a vector on the server's retrieval backend, best first, leaving out
// `exclude` (posts the filters would remove anyway: the viewer's own and already engaged). Posts
// created before `oldest` are not wanted: the backend may skip them (and the source drops any
// that come back). An exact scan reads at most the newest `max_scan_posts` rows (the request's
// ranking config's out_of_network_max_scan_posts).
using NearestPublicPosts = std::function<absl::StatusOr<std::vector<kernels::Neighbor>>(
    const FeedQuery& query, int k, TimestampMs oldest, std::size_t max_scan_posts,
    std::span<const kernels::VectorId> exclude)>;

// Newest posts of the accounts the viewer follows, at most per_author each and total in all.
std::unique_ptr<CandidateSourceStage> make_in_network_source();
// Nearest public posts to the viewer's vector, no older than out_of_network_max_age.
std::unique_ptr<CandidateSourceStage> make_out_of_network_source(NearestPublicPosts nearest);
// Posts the viewer's followees engaged with recently, most followees first.
std::unique_ptr<CandidateSourceStage> make_network_engagement_source();
// Posts with the highest time-decayed engagement in the corpus (kept by the store as engagements
// arrive).
std::unique_ptr<CandidateSourceStage> make_popular_source();
// Posts engaged with by the users whose engagement histories are most like the viewer's.
std::unique_ptr<CandidateSourceStage> make_collaborative_source();

// The live post as a candidate of `source`; nullopt when unknown or deleted.
std::optional<Candidate> candidate_of(const store::FeedState& state, PostId post,
                                      CandidateSource source);

}  // namespace feedrank::ranker
