// Removes posts by the authors a request mutes (GetFeedRequest.muted_author_ids).
#include "ranker/filters/candidate_filter.h"

namespace feedrank::ranker {
namespace {

class MutedAuthorFilter final : public CandidateFilter {
 public:
  std::string_view name() const override { return "muted_author"; }
  bool keeps(const FeedQuery& query, const Candidate& candidate) const override {
    return !is_by_muted_author(query, candidate);
  }
};

}  // namespace

bool is_by_muted_author(const FeedQuery& query, const Candidate& candidate) {
  return query.muted_authors.contains(candidate.author);
}

std::unique_ptr<CandidateFilter> make_muted_author_filter() {
  return std::make_unique<MutedAuthorFilter>();
}

}  // namespace feedrank::ranker
