#include "tools/datasets/lastfm_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace feedrank::datasets {
namespace {

TEST(LastfmHashtag, LowerCasesAndJoinsWordsWithUnderscores) {
  EXPECT_EQ(lastfm_hashtag("metal"), "metal");
  EXPECT_EQ(lastfm_hashtag("Alternative Metal"), "alternative_metal");
  EXPECT_EQ(lastfm_hashtag("Hip-Hop"), "hip_hop");
  EXPECT_EQ(lastfm_hashtag("hard rock - metal"), "hard_rock_metal");
  EXPECT_EQ(lastfm_hashtag("  spaced   out  "), "spaced_out");
}

TEST(LastfmHashtag, DropsApostrophesAndPunctuation) {
  EXPECT_EQ(lastfm_hashtag("80's"), "80s");
  EXPECT_EQ(lastfm_hashtag("clicks'n'cuts"), "clicksncuts");
  EXPECT_EQ(lastfm_hashtag("#1"), "1");
  EXPECT_EQ(lastfm_hashtag("<3"), "3");
  EXPECT_EQ(lastfm_hashtag("!!!"), "");
}

TEST(LastfmHashtag, ConvertsLatin1LettersToLowerCaseUtf8) {
  EXPECT_EQ(lastfm_hashtag("rock fran\xE7"
                           "ais"),
            "rock_fran\xC3\xA7"
            "ais");
  EXPECT_EQ(lastfm_hashtag("\xC9LECTRO"), "\xC3\xA9lectro");  // ÉLECTRO
  EXPECT_EQ(lastfm_hashtag("fu\xDF"
                           "ball"),
            "fu\xC3\x9F"
            "ball");  // ß stays
  EXPECT_EQ(lastfm_hashtag("a\xD7"
                           "b"),
            "a_b");                                  // × separates
  EXPECT_EQ(lastfm_hashtag("\xA9 label"), "label");  // © separates
}

TEST(LastfmPostText, PutsHashtagsAfterTheArtist) {
  EXPECT_EQ(lastfm_post_text("Bj\xC3\xB6rk", {"electronic", "", "icelandic"}),
            "Bj\xC3\xB6rk #electronic #icelandic");
  EXPECT_EQ(lastfm_post_text("Muse", {}), "Muse");
}

TEST(LastfmPostText, CutsAnOverlongNameAtACharacterBoundary) {
  std::string name;
  while (name.size() < kMaxPostTextBytes + 10) name += "\xC3\xA9";  // é, 2 bytes
  name = "x" + name;  // so the limit falls inside a character
  const std::string text = lastfm_post_text(name, {"tag"});
  EXPECT_EQ(text.size(), kMaxPostTextBytes - 1);
  EXPECT_EQ(text.substr(0, 3), "x\xC3\xA9");
  EXPECT_EQ(text.back(), '\xA9');
}

TEST(LastfmPostText, LeavesOutHashtagsThatDoNotFit) {
  const std::string name(kMaxPostTextBytes - 6, 'n');
  EXPECT_EQ(lastfm_post_text(name, {"toolong", "ok"}), name + " #ok");
}

}  // namespace
}  // namespace feedrank::datasets
