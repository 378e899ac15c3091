// A post on its way through the algorithmic pipeline: what the sources found, before features
// and scores (those live in matrices beside the list, row i for candidate i).
#pragma once

#include <cstdint>
#include <vector>

#include "ranker/feed_types.h"

namespace feedrank::ranker {

struct Candidate {
  PostId post = 0;
  UserId author = 0;
  TimestampMs created_at = 0;
  CandidateSource source = CandidateSource::kFollowing;  // the first source that found it
  std::uint8_t found_by = 0;                    // bit (1 << source) for every source that found it
  Visibility visibility = Visibility::kPublic;  // the post's, so the filters need no lookup
};

using Candidates = std::vector<Candidate>;

inline std::uint8_t source_bit(CandidateSource source) {
  return static_cast<std::uint8_t>(1u << static_cast<int>(source));
}

}  // namespace feedrank::ranker
