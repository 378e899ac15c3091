// The request of each kind of call: whose feed (ViewerPicker, or a kept cursor), which posts a
// write creates (fresh ids) or engages with (the corpus's posts), stamped with the LoadClock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <random>

#include "benchmarks/load/cursor_walker.h"
#include "benchmarks/load/load_clock.h"
#include "absl/status/statusor.h"
#include "benchmarks/load/viewer_picker.h"
#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::load {

struct RequestShape {
  std::uint64_t users = 0;  // users are 1..users
  std::uint64_t posts = 0;  // the corpus's posts are 1..posts (what engagements pick from)
  int feed_limit = 20;      // items per feed page
  int nearest_k = 10;
  // > 0: GetNearestPosts asks for a random unit vector of this many floats (the server's
  // embedding dimension) instead of a viewer's nearest posts.
  int nearest_vector_dimension = 0;
  int write_batch = 1;  // posts or engagements per write call
};

// Virtual so that tests can stand in requests slow to build (what a large write batch is).
class RequestFactory {
 public:
  // `next_post_id` is shared by every client thread, so created posts never collide.
  RequestFactory(const RequestShape& shape, const ViewerPicker& viewers, const LoadClock& clock,
                 std::atomic<std::uint64_t>& next_post_id);
  virtual ~RequestFactory() = default;

  // A first page for a picked viewer, or the next page of a kept cursor.
  virtual v1::GetFeedRequest feed(bool algorithmic, CursorWalker& cursors,
                                  std::mt19937_64& random) const;
  virtual v1::GetNearestPostsRequest nearest(std::mt19937_64& random) const;
  virtual v1::CreatePostsRequest create_posts(std::mt19937_64& random) const;
  virtual v1::RecordEngagementsRequest record_engagements(std::mt19937_64& random) const;

 private:
  RequestShape shape_;
  const ViewerPicker& viewers_;
  const LoadClock& clock_;
  std::atomic<std::uint64_t>& next_post_id_;
};

// Ids for posts a run creates: above any corpus id and distinct per run (from the start time),
// so that reruns on one data directory write new posts rather than idempotent repeats.
std::uint64_t first_created_post_id();

// The highest post id in 1..upper for which `visible` holds, by bisection over a corpus whose
// ids are 1..N (a generated one), 0 when none. A running server's count of live posts also
// counts the posts earlier runs created (ids from first_created_post_id()), so the count alone
// would send engagements to ids that name no post. A deleted or followers-only post looks
// missing to a probe, so each step looks at a run of ids and takes any visible one.
absl::StatusOr<std::uint64_t> highest_corpus_post_id(
    std::uint64_t upper, const std::function<absl::StatusOr<bool>(std::uint64_t)>& visible);

}  // namespace feedrank::load
