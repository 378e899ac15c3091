// Removes posts created after the request's now, so a feed replayed at a past time (as_of_ms)
// serves only what existed then.
#include "ranker/filters/candidate_filter.h"

namespace feedrank::ranker {
namespace {

class FuturePostFilter final : public CandidateFilter {
 public:
  std::string_view name() const override { return "created_after_now"; }
  bool keeps(const FeedQuery& query, const Candidate& candidate) const override {
    return candidate.created_at <= query.now;
  }
};

}  // namespace

std::unique_ptr<CandidateFilter> make_future_post_filter() {
  return std::make_unique<FuturePostFilter>();
}

}  // namespace feedrank::ranker
