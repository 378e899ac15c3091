// Removes posts deleted since a source found them (sources find live posts only, but the lock
// is let go while the index is searched). Looks posts up only when a delete was applied since.
#include "ranker/filters/candidate_filter.h"

namespace feedrank::ranker {
namespace {

class DeletedPostFilter final : public CandidateFilter {
 public:
  std::string_view name() const override { return "deleted_post"; }
  bool keeps(const FeedQuery& query, const Candidate& candidate) const override {
    if (query.deletes_when_made == query.state->posts.deletes_applied()) return true;
    const store::PostView* view = query.state->posts.find(candidate.post);
    return view != nullptr && !view->deleted;
  }
};

}  // namespace

std::unique_ptr<CandidateFilter> make_deleted_post_filter() {
  return std::make_unique<DeletedPostFilter>();
}

}  // namespace feedrank::ranker
