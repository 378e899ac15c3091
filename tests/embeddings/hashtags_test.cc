#include "embeddings/hashtags.h"

#include <gtest/gtest.h>

namespace feedrank::embeddings {
namespace {

using Tags = std::vector<std::string>;

TEST(ExtractHashtags, LowerCasesAndDropsTheHash) {
  EXPECT_EQ(extract_hashtags("New #Release of #CPP20 today"), (Tags{"release", "cpp20"}));
}

TEST(ExtractHashtags, KeepsFirstOccurrenceOrderWithoutRepeats) {
  EXPECT_EQ(extract_hashtags("#b #a #B #a"), (Tags{"b", "a"}));
}

TEST(ExtractHashtags, IgnoresHashInsideWordsAndBareHashes) {
  EXPECT_EQ(extract_hashtags("C# and # alone and x#y"), Tags{});
}

TEST(ExtractHashtags, StopsAtPunctuationAndKeepsUnicodeLetters) {
  EXPECT_EQ(extract_hashtags("#rock, #café! (#hip_hop)"), (Tags{"rock", "café", "hip_hop"}));
}

}  // namespace
}  // namespace feedrank::embeddings
