// Checks a batch of writes against the current state (and against the earlier writes of the
// same batch, and of the batch before it while that one is still being committed) and turns it
// into the mutations that actually change something. Nothing is written here: a batch with one
// bad item yields an error and no plan.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "store/durable_store.h"
#include "store/feed_state.h"

namespace feedrank::store {

// Names an item of the caller's request for error messages, e.g. (3, "author_id") ->
// "posts[3].author_id"; an empty field names the item itself (a delete's post id).
using ItemNamer = std::function<std::string(std::size_t index, std::string_view field)>;

// What a batch changed; repeats of existing state count as unchanged.
struct WriteSummary {
  std::uint64_t users_created = 0;
  std::uint64_t users_updated = 0;
  std::uint64_t posts_created = 0;
  std::uint64_t posts_deleted = 0;
  std::uint64_t follows_created = 0;
  std::uint64_t follows_removed = 0;
  std::uint64_t engagements_recorded = 0;
  std::uint64_t unchanged = 0;

  WriteSummary& operator+=(const WriteSummary& other);
};

// What a planned batch changes (users, posts, follow edges, engagements, sequences), so that the
// next batch can be planned before this one is applied (FeedStore's write pipeline).
class PlannedFacts;

struct WritePlan {
  std::vector<StoreMutation> mutations;
  WriteSummary summary;
  std::shared_ptr<const PlannedFacts> facts;
};

// `earlier`: the facts of writes planned before this one and not yet applied to `state` (or
// already applied: then they agree with it), newest first; empty when every earlier write is
// applied. Each lookup walks the list: fold the facts of many writes into one (fold_facts).
absl::StatusOr<WritePlan> plan_writes(const FeedState& state, const DurableStore& durable,
                                      std::span<const WriteOp> ops, const ItemNamer& item_name,
                                      std::span<const PlannedFacts* const> earlier = {});

// Facts of no write yet, and the facts of `newer` added to `into` (where both know a user, post
// or edge, newer's wins): a batch of several writes planned in order, as one `earlier` entry.
std::shared_ptr<PlannedFacts> empty_facts();
void fold_facts(PlannedFacts& into, const PlannedFacts& newer);

}  // namespace feedrank::store
