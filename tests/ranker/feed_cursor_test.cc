#include "ranker/feed_cursor.h"

#include <gtest/gtest.h>

namespace feedrank::ranker {
namespace {

TEST(FeedCursor, RoundTripsEveryField) {
  const FeedCursor cursor{123456789012345ULL, FeedMode::kChronological, {-5, 987654321ULL}};
  auto decoded = decode_cursor(encode_cursor(cursor));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->viewer, cursor.viewer);
  EXPECT_EQ(decoded->mode, cursor.mode);
  EXPECT_EQ(decoded->last_shown, cursor.last_shown);
}

TEST(FeedCursor, IsUrlSafe) {
  const auto text = encode_cursor({~0ULL, FeedMode::kAlgorithmic, {~0LL >> 1, ~0ULL}});
  EXPECT_EQ(text.find_first_of("+/= "), std::string::npos) << text;
}

TEST(FeedCursor, RejectsGarbageNamingTheField) {
  for (const std::string garbage :
       {"x", "!!!!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not a cursor"}) {
    auto decoded = decode_cursor(garbage);
    ASSERT_FALSE(decoded.ok()) << garbage;
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(decoded.status().message()).rfind("cursor:", 0), 0u);
  }
}

TEST(FeedCursor, RejectsACursorWithOneCharacterChanged) {
  std::string text = encode_cursor({42, FeedMode::kChronological, {1000, 7}});
  text[5] = text[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(decode_cursor(text).ok());
}

}  // namespace
}  // namespace feedrank::ranker
