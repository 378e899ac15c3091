// Against a running server the load generator engages with the generated corpus's posts only:
// the highest id of 1..N found by probing, past posts that look missing (deleted,
// followers-only) and past the ids earlier runs created, which the server's count includes.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>

#include "benchmarks/load/request_factory.h"

namespace feedrank::load {
namespace {

// Ids 1..corpus exist except `hidden`; `upper` stands in for a count that includes posts created
// with far larger ids.
std::uint64_t found(std::uint64_t corpus, std::uint64_t upper,
                    const std::set<std::uint64_t>& hidden, int* probes = nullptr) {
  auto visible = [&](std::uint64_t id) -> absl::StatusOr<bool> {
    if (probes != nullptr) ++*probes;
    return id <= corpus && !hidden.contains(id);
  };
  absl::StatusOr<std::uint64_t> highest = highest_corpus_post_id(upper, visible);
  EXPECT_TRUE(highest.ok()) << highest.status();
  return highest.value_or(~std::uint64_t{0});
}

TEST(CorpusPostIds, FindsTheCorpusEndBelowACountInflatedByCreatedPosts) {
  int probes = 0;
  EXPECT_EQ(found(2000, 2600, {}, &probes), 2000u);
  EXPECT_LT(probes, 200);  // a bisection, not a scan
  EXPECT_EQ(found(2000, 2000, {}), 2000u);
  EXPECT_EQ(found(1, 5, {}), 1u);
}

TEST(CorpusPostIds, HiddenPostsAtTheProbesDoNotCutTheRangeShort) {
  std::set<std::uint64_t> hidden;
  for (std::uint64_t id = 1000; id < 1012; ++id) hidden.insert(id);  // a run of hidden posts
  hidden.insert(1500);
  hidden.insert(1250);
  EXPECT_EQ(found(2000, 2600, hidden), 2000u);
  EXPECT_EQ(found(2000, 2600, {2000, 1999}), 1998u);  // the highest visible one
}

TEST(CorpusPostIds, NoVisiblePostIsZeroAndAProbeErrorIsReturned) {
  EXPECT_EQ(found(0, 100, {}), 0u);
  EXPECT_EQ(found(0, 0, {}), 0u);
  auto failing = [](std::uint64_t) -> absl::StatusOr<bool> {
    return absl::UnavailableError("GetPost: connection refused");
  };
  EXPECT_EQ(highest_corpus_post_id(100, failing).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace feedrank::load
