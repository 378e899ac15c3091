#include "ranker/feed_cursor.h"

#include <gtest/gtest.h>

#include <optional>

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

TEST(FeedCursor, AlgorithmicCursorsRoundTripTheRankedListAndOffset) {
  FeedCursor cursor;
  cursor.viewer = 987654321ULL;
  cursor.mode = FeedMode::kAlgorithmic;
  cursor.ranked_list = 0xfedcba9876543210ULL;
  cursor.offset = 150;
  auto decoded = decode_cursor(encode_cursor(cursor));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->viewer, cursor.viewer);
  EXPECT_EQ(decoded->mode, FeedMode::kAlgorithmic);
  EXPECT_EQ(decoded->ranked_list, cursor.ranked_list);
  EXPECT_EQ(decoded->offset, cursor.offset);
}

TEST(FeedCursor, AlgorithmicCursorsRoundTripExtremeValues) {
  for (std::uint64_t value : {std::uint64_t{0}, std::uint64_t{1}, ~std::uint64_t{0}}) {
    FeedCursor cursor;
    cursor.viewer = value;
    cursor.mode = FeedMode::kAlgorithmic;
    cursor.ranked_list = ~value;
    cursor.offset = value;
    auto decoded = decode_cursor(encode_cursor(cursor));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->viewer, value);
    EXPECT_EQ(decoded->ranked_list, ~value);
    EXPECT_EQ(decoded->offset, value);
  }
}

// A cursor's bytes as feed_cursor.cc lays them out (version, mode, viewer, two words, the items
// shown and the arm tag in version 3, FNV-1a checksum), in unpadded URL-safe base64: what a client
// could forge.
std::string forged_cursor(std::uint8_t version, std::uint8_t mode, std::uint64_t viewer,
                          std::uint64_t first, std::uint64_t second,
                          std::optional<std::uint64_t> shown = std::nullopt,
                          std::uint64_t arm_tag = 0) {
  std::string bytes;
  bytes.push_back(static_cast<char>(version));
  bytes.push_back(static_cast<char>(mode));
  auto put = [&](std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(v >> shift));
  };
  put(viewer);
  put(first);
  put(second);
  if (shown) {
    put(*shown);
    put(arm_tag);
  }
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) hash = (hash ^ c) * 0x100000001b3ULL;
  put(hash);
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string text;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t chunk = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 2]);
    const std::size_t remaining = bytes.size() - i;
    const std::size_t chars = remaining >= 3 ? 4 : remaining + 1;
    for (std::size_t c = 0; c < chars; ++c) text.push_back(kAlphabet[(chunk >> (18 - 6 * c)) & 63]);
  }
  return text;
}

TEST(FeedCursor, TheForgingHelperMatchesTheEncoder) {
  FeedCursor cursor;
  cursor.viewer = 42;
  cursor.mode = FeedMode::kAlgorithmic;
  cursor.ranked_list = 77;
  cursor.offset = 5;
  cursor.shown = 4;
  cursor.arm_tag = 0xfeedULL;
  EXPECT_EQ(forged_cursor(3, 1, 42, 77, 5, 4, 0xfeedULL), encode_cursor(cursor));
  EXPECT_EQ(forged_cursor(3, 0, 42, 1000, 7, 0),
            encode_cursor({42, FeedMode::kChronological, {1000, 7}}));
}

TEST(FeedCursor, ReadsCursorsOfVersionsOneAndTwoWithNothingShown) {
  auto keyset = decode_cursor(forged_cursor(1, 0, 42, 1000, 7));
  ASSERT_TRUE(keyset.ok()) << keyset.status();
  EXPECT_EQ(keyset->last_shown.created_at, 1000);
  EXPECT_EQ(keyset->last_shown.id, 7u);
  EXPECT_EQ(keyset->shown, 0u);
  auto ranked = decode_cursor(forged_cursor(2, 1, 42, 77, 5));
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  EXPECT_EQ(ranked->ranked_list, 77u);
  EXPECT_EQ(ranked->offset, 5u);
}

TEST(FeedCursor, AnInterleavedCursorKeepsItsListOffsetAndItemsShown) {
  FeedCursor cursor;
  cursor.viewer = 9;
  cursor.mode = FeedMode::kInterleaved;
  cursor.ranked_list = 123;
  cursor.offset = 31;
  cursor.shown = 30;
  auto decoded = decode_cursor(encode_cursor(cursor));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->mode, FeedMode::kInterleaved);
  EXPECT_EQ(decoded->ranked_list, 123u);
  EXPECT_EQ(decoded->offset, 31u);
  EXPECT_EQ(decoded->shown, 30u);
}

TEST(FeedCursor, CarriesTheExperimentArmOfTheFirstPage) {
  for (FeedMode mode : {FeedMode::kChronological, FeedMode::kAlgorithmic}) {
    FeedCursor cursor;
    cursor.viewer = 9;
    cursor.mode = mode;
    cursor.arm_tag = ~std::uint64_t{0} - 1;
    auto decoded = decode_cursor(encode_cursor(cursor));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->arm_tag, cursor.arm_tag);
  }
  auto old = decode_cursor(forged_cursor(2, 1, 42, 77, 5));
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->arm_tag, 0u) << "a cursor from before experiments is in no arm";
}

TEST(FeedCursor, RejectsAVersionTwoCursorWithAChronologicalModeByte) {
  auto decoded = decode_cursor(forged_cursor(2, 0, 42, 77, 5));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(decoded.status().message()).rfind("cursor:", 0), 0u);
}

TEST(FeedCursor, RejectsAVersionOneCursorWithAnAlgorithmicModeByte) {
  auto decoded = decode_cursor(forged_cursor(1, 1, 42, 1000, 7));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FeedCursor, RejectsUnknownVersionsAndModes) {
  EXPECT_FALSE(decode_cursor(forged_cursor(3, 1, 42, 77, 5)).ok());  // v3 needs `shown`, arm
  EXPECT_FALSE(decode_cursor(forged_cursor(4, 1, 42, 77, 5, 0)).ok());
  EXPECT_FALSE(decode_cursor(forged_cursor(0, 0, 42, 77, 5)).ok());
  EXPECT_FALSE(decode_cursor(forged_cursor(2, 2, 42, 77, 5)).ok());  // v2 predates interleaving
  EXPECT_FALSE(decode_cursor(forged_cursor(3, 3, 42, 77, 5, 0)).ok());
}

}  // namespace
}  // namespace feedrank::ranker
