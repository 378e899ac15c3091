// Removes posts deleted since a source found them.
#include "ranker/filters/candidate_filter.h"

namespace feedrank::ranker {
namespace {

class DeletedPostFilter final : public CandidateFilter {
 public:
  std::string_view name() const override { return "deleted_post"; }
  bool keeps(const FeedQuery& query, const Candidate& candidate) const override {
    const store::PostView* view = query.state->posts.find(candidate.post);
    return view != nullptr && !view->deleted;
  }
};

}  // namespace

std::unique_ptr<CandidateFilter> make_deleted_post_filter() {
  return std::make_unique<DeletedPostFilter>();
}

}  // namespace feedrank::ranker
