// The request context every stage of the algorithmic pipeline reads: the viewer, the clock, the
// deadline, the config, and what is known of the viewer, computed once per request.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "embeddings/embedding_table.h"
#include "ranker/scoring/ranking_config.h"
#include "ranker/vectors/learned_space.h"
#include "store/feed_state.h"

namespace feedrank::ranker {

// Derived from the viewer's and their followees' engagements (viewer_signals.h).
struct ViewerSignals {
  absl::flat_hash_set<PostId> engaged;                  // posts the viewer engaged with
  absl::flat_hash_map<UserId, double> author_affinity;  // decayed, kind-weighted engagements
  absl::flat_hash_map<PostId, std::uint32_t> followee_engagements;  // followees who engaged
  // Post -> sum of the similarities of the nearest users (by engagement sets) who engaged with it.
  absl::flat_hash_map<PostId, float> collaborative;
};

struct FeedQuery {
  UserId viewer = 0;
  TimestampMs now = 0;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  const store::FeedState* state = nullptr;
  const RankingConfig* config = nullptr;
  std::span<const float> viewer_vector;  // empty: nothing is known of the viewer yet
  // The learned or hybrid space (null in the text space, or before a model exists): the model
  // snapshot the whole request reads, the viewer's factor and their query in that space.
  std::shared_ptr<const LearnedSnapshot> learned;
  std::span<const float> learned_factor;
  std::span<const float> space_vector;  // empty: retrieval searches the text space
  // state->posts.deletes_applied() when the query was made: while it is unchanged, no post the
  // sources found can have been deleted since (none for a query made by hand: always re-checked,
  // even on a state that never applied a delete).
  std::optional<std::uint64_t> deletes_when_made;
  absl::flat_hash_set<UserId> muted_authors;
  ViewerSignals signals;
  // Runs a search on a pin of the post table without the request's readers' lock
  // (ReadView::unlocked): `state` may change across the call, so hold no reference into it.
  // Set by FeedEngine::make_query; stages tested alone get a NearestPublicPosts that needs none.
  std::function<void(absl::FunctionRef<void(const embeddings::EmbeddingTable::Pinned&)>)> unlocked;

  bool past_deadline() const { return std::chrono::steady_clock::now() > deadline; }
};

}  // namespace feedrank::ranker
