// A store state with planted interest groups, and text vectors that name each post's group:
// the data the learned-embedding tests train on.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "embeddings/embedding_table.h"
#include "store/feed_state.h"

namespace feedrank::testing {

inline constexpr TimestampMs kHour = 3600 * 1000;
inline constexpr int kPlantedDimension = 32;  // the smallest the text vectors allow

class PlantedState {
 public:
  // `groups` interest groups of users and posts; user u is in group u % groups, post p in group
  // p % groups; each user likes about 40% of its group's posts. Post p is written by user
  // p % authors + 1000 (authors outside the engaging users).
  PlantedState(int users, int posts, int groups, int authors = 10) : groups_(groups) {
    for (int a = 0; a < authors; ++a) add_user(1000 + a);
    for (int u = 0; u < users; ++u) add_user(u);
    for (int p = 0; p < posts; ++p) add_post(p, 1000 + p % authors, p % groups, p * kHour);
    std::mt19937 random(3);
    for (int u = 0; u < users; ++u) {
      for (int p = u % groups; p < posts; p += groups) {
        if (std::uniform_real_distribution<double>(0, 1)(random) < 0.4) {
          engage(u, p, EngagementKind::kLike, (posts + u) * kHour);
        }
      }
    }
  }

  void add_user(UserId id) { state.apply(User{id, "u" + std::to_string(id), 0}); }
  void delete_post(PostId id) {
    Post post;
    post.id = id;
    post.author = state.posts.find(id)->author;
    state.apply(store::StoredPost{post, true, ++sequence_});
    text.remove(id);
  }
  void add_post(PostId id, UserId author, int group, TimestampMs at) {
    Post post;
    post.id = id;
    post.author = author;
    post.created_at = at;
    post.text = "group" + std::to_string(group);
    state.apply(store::StoredPost{post, false, ++sequence_});
    // A text vector per group: one-hot on the group's coordinate.
    std::vector<float> vector(kPlantedDimension, 0.0f);
    vector[group % kPlantedDimension] = 1.0f;
    text.upsert(id, vector);
  }
  void engage(UserId user, PostId post, EngagementKind kind, TimestampMs at) {
    state.apply(store::StoredEngagement{Engagement{user, post, kind, at}, ++sequence_});
  }
  int group_of(PostId post) const { return static_cast<int>(post % groups_); }

  store::FeedState state;
  embeddings::EmbeddingTable text{kPlantedDimension};

 private:
  int groups_;
  store::Sequence sequence_ = 0;
};

}  // namespace feedrank::testing
