// Removes the viewer's own posts: a feed shows others' posts.
#include "ranker/filters/candidate_filter.h"

namespace feedrank::ranker {
namespace {

class OwnPostFilter final : public CandidateFilter {
 public:
  std::string_view name() const override { return "own_post"; }
  bool keeps(const FeedQuery& query, const Candidate& candidate) const override {
    return candidate.author != query.viewer;
  }
};

}  // namespace

std::unique_ptr<CandidateFilter> make_own_post_filter() {
  return std::make_unique<OwnPostFilter>();
}

}  // namespace feedrank::ranker
