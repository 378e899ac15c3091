// A deterministic synthetic social network for demos, load tests and tests that must always run.
// The same options give the same records, in the same order, on every machine.
//
// Shape: users 1..N, each with one or two favourite topics (synthetic_topics()); a power-law
// follow graph (each user follows 3 to ~300 accounts, picked by a Zipf popularity, half of them
// within a favourite topic); posts 1..M by authors of Zipf-like activity, 6-20 words mostly from
// one of the author's topics plus 1-3 of its hashtags, spread over 30 days and mostly in id
// order, 10% followers-only; engagements by each user with posts of followees, of a favourite
// topic or anything, never their own, never a followers-only post they cannot see.
#pragma once

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::datasets {

struct SyntheticCorpusOptions {
  std::uint64_t users = 1000;
  std::uint64_t posts = 10000;
  std::uint64_t seed = 1;
  std::uint32_t engagements_per_user = 20;
};

struct SyntheticCorpusCounts {
  std::uint64_t users = 0;
  std::uint64_t follows = 0;
  std::uint64_t posts = 0;
  std::uint64_t engagements = 0;
};

// Receives each record with its topic (an index into synthetic_topics()): the post's topic for
// posts, the first favourite topic for users, -1 for follows and engagements.
using SyntheticRecordSink = std::function<void(const v1::IngestRecord& record, int topic)>;

// Emits users, then follows, then posts (by id), then engagements (by time). INVALID_ARGUMENT
// when posts are asked for without users.
absl::StatusOr<SyntheticCorpusCounts> generate_synthetic_corpus(
    const SyntheticCorpusOptions& options, const SyntheticRecordSink& sink);

}  // namespace feedrank::datasets
