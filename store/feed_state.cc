#include "store/feed_state.h"

#include <algorithm>

#include "common/grow_aside.h"

namespace feedrank::store {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
// Clang 14 (the fuzz build) does not deduce an aggregate's template arguments without a guide.
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

FeedState::Room FeedState::make_room(std::span<const StoreMutation> batch) const {
  std::size_t new_users = 0, new_posts = 0;
  for (const StoreMutation& mutation : batch) {
    new_users += std::holds_alternative<User>(mutation) ? 1 : 0;
    new_posts += std::holds_alternative<StoredPost>(mutation) ? 1 : 0;
  }
  return Room{.users = grown_copy(users, new_users), .posts = posts.make_room(new_posts)};
}

void FeedState::take_room(Room& room) {
  take_grown(users, room.users);
  posts.take_room(room.posts);
}

void FeedState::apply(StoreMutation mutation) {
  std::visit(
      Overloaded{
          [&](User& user) {
            const auto existing = users.find(user.id);
            handles.rename(user.id, existing != users.end() ? existing->second.handle : "",
                           user.handle);
            users.insert_or_assign(user.id, std::move(user));
          },
          [&](StoredPost& stored) {
            last_sequence = std::max(last_sequence, stored.sequence);
            if (stored.deleted) engagements.forget_trending(stored.post.id);
            posts.put(stored);
          },
          [&](Follow& follow) { graph.add(follow.follower, follow.followee); },
          [&](Unfollow& unfollow) { graph.remove(unfollow.follower, unfollow.followee); },
          [&](StoredEngagement& stored) {
            last_sequence = std::max(last_sequence, stored.sequence);
            const Engagement& engagement = stored.engagement;
            posts.count_engagement(engagement.post, engagement.kind);
            const PostView* view = posts.find(engagement.post);
            engagements.add(engagement, view != nullptr ? view->author : 0);
          },
      },
      mutation);
}

void FeedState::prefetch(const StoreMutation& mutation, PrefetchStep step) const {
  if (const auto* stored = std::get_if<StoredPost>(&mutation)) {
    if (stored->deleted) {
      posts.prefetch_existing(stored->post.id, step);
    } else {
      posts.prefetch_new(stored->post.id, stored->post.author, step);
    }
  } else if (const auto* stored = std::get_if<StoredEngagement>(&mutation)) {
    posts.prefetch_existing(stored->engagement.post, step);
    engagements.prefetch(stored->engagement, step);
  } else if (const auto* follow = std::get_if<Follow>(&mutation)) {
    graph.prefetch(follow->follower, follow->followee, step);
  } else if (const auto* unfollow = std::get_if<Unfollow>(&mutation)) {
    graph.prefetch(unfollow->follower, unfollow->followee, step);
  }
}

}  // namespace feedrank::store
