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

}  // namespace feedrank::ranker
