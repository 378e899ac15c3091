// What every candidate source shares.
#include "ranker/pipeline/candidate_source.h"

namespace feedrank::ranker {

std::optional<Candidate> candidate_of(const store::FeedState& state, PostId post,
                                      CandidateSource source) {
  const store::PostView* view = state.posts.find(post);
  if (view == nullptr || view->deleted) return std::nullopt;
  return Candidate{post,   view->author,  view->created_at,
                   source, source_bit(source), view->visibility};
}

}  // namespace feedrank::ranker
