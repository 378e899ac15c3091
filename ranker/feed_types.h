// What a feed request asks for and what a page holds, in domain terms (no protobuf).
#pragma once

#include <string>
#include <vector>

#include "store/records.h"

namespace feedrank::ranker {

enum class FeedMode { kChronological, kAlgorithmic };

enum class CandidateSource { kSelf, kFollowing, kOutOfNetwork };

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

struct FeedRequest {
  UserId viewer = 0;
  FeedMode mode = FeedMode::kChronological;
  int limit = kDefaultPageSize;
  std::string cursor;  // opaque; empty for the first page
};

struct FeedItem {
  PostId post = 0;
  UserId author = 0;
  TimestampMs created_at = 0;
  std::string text;
  double score = 0;
  CandidateSource source = CandidateSource::kFollowing;
};

struct FeedPage {
  std::vector<FeedItem> items;
  std::string next_cursor;  // empty: no more items now
};

// Posts nearest a query vector by inner product: the viewer's vector (their own posts left out),
// a post's vector (the post left out) or a caller's vector.
enum class NearestTo { kUser, kPost, kVector };

struct NearestPostsRequest {
  NearestTo to = NearestTo::kUser;
  std::uint64_t id = 0;       // the user or post, for kUser and kPost
  std::vector<float> vector;  // kVector: the embedding dimension's floats
  int k = 10;                 // 1..kernels::kMaxTopK
  TimestampMs now = 0;        // the time the user's vector is decayed to
};

struct ScoredPost {
  PostId post = 0;
  UserId author = 0;
  float score = 0;
};

}  // namespace feedrank::ranker
