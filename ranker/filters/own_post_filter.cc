// Removes the viewer's own posts: a feed shows others' posts.
#include "ranker/filters/candidate_filter.h"

namespace feedrank::ranker {
namespace {

class OwnPostFilter final : public CandidateFilter {
 public:
  std::string_view name() const override { return "own_post"; }
  bool keeps(const FeedQuery& query, const Candidate& candidate) const override {
    return !is_own_post(query, candidate);
  }
};

}  // namespace

bool is_own_post(const FeedQuery& query, const Candidate& candidate) {
  return candidate.author == query.viewer;
}

std::unique_ptr<CandidateFilter> make_own_post_filter() {
  return std::make_unique<OwnPostFilter>();
}

}  // namespace feedrank::ranker
