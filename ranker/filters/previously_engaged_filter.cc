// Removes posts the viewer already engaged with (at or before now).
#include "ranker/filters/candidate_filter.h"

namespace feedrank::ranker {
namespace {

class PreviouslyEngagedFilter final : public CandidateFilter {
 public:
  std::string_view name() const override { return "already_engaged"; }
  bool keeps(const FeedQuery& query, const Candidate& candidate) const override {
    return !query.signals.engaged.contains(candidate.post);
  }
};

}  // namespace

std::unique_ptr<CandidateFilter> make_previously_engaged_filter() {
  return std::make_unique<PreviouslyEngagedFilter>();
}

}  // namespace feedrank::ranker
