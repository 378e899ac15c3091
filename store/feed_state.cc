#include "store/feed_state.h"

namespace feedrank::store {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

}  // namespace

void FeedState::apply(StoreMutation mutation) {
  std::visit(
      Overloaded{
          [&](User& user) { users.insert_or_assign(user.id, std::move(user)); },
          [&](StoredPost& stored) { posts.put(std::move(stored.post), stored.deleted); },
          [&](Follow& follow) { graph.add(follow.follower, follow.followee); },
          [&](Unfollow& unfollow) { graph.remove(unfollow.follower, unfollow.followee); },
          [&](Engagement& engagement) { posts.count_engagement(engagement.post, engagement.kind); },
      },
      mutation);
}

}  // namespace feedrank::store
