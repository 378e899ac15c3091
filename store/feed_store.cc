#include "store/feed_store.h"

namespace feedrank::store {
namespace {

class StateRebuilder final : public StoreVisitor {
 public:
  explicit StateRebuilder(FeedState& state) : state_(state) {}
  void on_user(User user) override { state_.apply(std::move(user)); }
  void on_post(StoredPost post) override { state_.apply(std::move(post)); }
  void on_follow(const Follow& follow) override { state_.apply(follow); }
  void on_engagement(const Engagement& engagement) override { state_.apply(engagement); }

 private:
  FeedState& state_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<FeedStore>> FeedStore::open(std::unique_ptr<DurableStore> durable) {
  std::unique_ptr<FeedStore> store(new FeedStore(std::move(durable)));
  StateRebuilder rebuilder(store->state_);
  if (auto status = store->durable_->replay(rebuilder); !status.ok()) return status;
  return store;
}

absl::StatusOr<WriteSummary> FeedStore::write(std::span<const WriteOp> ops,
                                              const ItemNamer& item_name) {
  std::lock_guard writer(writer_mutex_);
  // Only writers change state_, and we are the only writer: reading it unlocked is safe here.
  auto plan = plan_writes(state_, *durable_, ops, item_name);
  if (!plan.ok()) return plan.status();
  if (plan->mutations.empty()) return plan->summary;
  if (auto status = durable_->commit(plan->mutations); !status.ok()) return status;
  std::unique_lock readers_wait(state_mutex_);
  for (auto& mutation : plan->mutations) state_.apply(std::move(mutation));
  return plan->summary;
}

StoreCounts FeedStore::counts() const {
  auto snap = snapshot();
  const FeedState& state = snap.state();
  return StoreCounts{state.users.size(), state.posts.live_count(), state.graph.edge_count(),
                     state.posts.engagement_count()};
}

}  // namespace feedrank::store
