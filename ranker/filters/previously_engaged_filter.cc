// Removes posts the viewer already engaged with (at or before now).
#include "ranker/filters/candidate_filter.h"

namespace feedrank::ranker {
namespace {

class PreviouslyEngagedFilter final : public CandidateFilter {
 public:
  std::string_view name() const override { return "already_engaged"; }
  bool keeps(const FeedQuery& query, const Candidate& candidate) const override {
    return !is_already_engaged(query, candidate);
  }
};

}  // namespace

bool is_already_engaged(const FeedQuery& query, const Candidate& candidate) {
  return query.signals.engaged.contains(candidate.post);
}

std::unique_ptr<CandidateFilter> make_previously_engaged_filter() {
  return std::make_unique<PreviouslyEngagedFilter>();
}

}  // namespace feedrank::ranker
