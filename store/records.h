// Domain records shared by the store, the ranker and the API conversion layer. Plain structs:
// no protobuf, no storage encoding.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace feedrank {

using UserId = std::uint64_t;
using PostId = std::uint64_t;
using TimestampMs = std::int64_t;

enum class Visibility : std::uint8_t { kPublic = 0, kFollowers = 1 };

enum class EngagementKind : std::uint8_t { kView = 0, kLike = 1, kComment = 2, kShare = 3 };
inline constexpr int kEngagementKindCount = 4;

struct User {
  UserId id = 0;
  std::string handle;
  TimestampMs created_at = 0;
};

struct Post {
  PostId id = 0;
  UserId author = 0;
  std::string text;
  TimestampMs created_at = 0;
  Visibility visibility = Visibility::kPublic;
  std::vector<float> embedding;       // empty unless the caller supplied one
  // The caller supplied `embedding`: a re-embedding keeps it (text-derived vectors are redone).
  bool embedding_supplied = false;
  std::vector<std::string> hashtags;  // parsed from text, lower-case, without '#'
};

struct Follow {
  UserId follower = 0;
  UserId followee = 0;
  TimestampMs created_at = 0;
};

struct Unfollow {
  UserId follower = 0;
  UserId followee = 0;
};

struct DeletePost {
  PostId id = 0;
};

struct Engagement {
  UserId user = 0;
  PostId post = 0;
  EngagementKind kind = EngagementKind::kView;
  TimestampMs at = 0;
};

// One write, applied in order within a batch.
using WriteOp = std::variant<User, Post, Follow, Unfollow, DeletePost, Engagement>;

}  // namespace feedrank
