#include "tools/datasets/text_encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace feedrank::datasets {
namespace {

TEST(Latin1ToUtf8, MapsEveryByteToTheSameCodePoint) {
  for (int byte = 1; byte < 256; ++byte) {
    const std::string utf8 = latin1_to_utf8(std::string(1, static_cast<char>(byte)));
    EXPECT_EQ(repair_utf8(utf8), utf8) << "byte " << byte;
    const auto b0 = static_cast<unsigned char>(utf8[0]);
    const int code_point =
        utf8.size() == 1 ? b0 : ((b0 & 0x1F) << 6) | (static_cast<unsigned char>(utf8[1]) & 0x3F);
    EXPECT_EQ(code_point, byte);
  }
  EXPECT_EQ(latin1_to_utf8("caf\xE9"), "caf\xC3\xA9");
}

TEST(RepairUtf8, KeepsValidText) {
  const std::string valid = "ascii \xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x8E\xB5";
  EXPECT_EQ(repair_utf8(valid), valid);
}

TEST(RepairUtf8, ReplacesEachInvalidSequence) {
  const std::string kReplacement = "\xEF\xBF\xBD";
  EXPECT_EQ(repair_utf8("a\x80"
                        "b"),
            "a" + kReplacement + "b");                                    // lone continuation
  EXPECT_EQ(repair_utf8("\xC0\x80"), kReplacement + kReplacement);        // overlong NUL
  EXPECT_EQ(repair_utf8("\xED\xA0\x80").substr(0, 3), kReplacement);      // surrogate
  EXPECT_EQ(repair_utf8("\xF5\x80\x80\x80").substr(0, 3), kReplacement);  // above U+10FFFF
  EXPECT_EQ(repair_utf8("ok\xE2\x9C"), "ok" + kReplacement);  // cut at the end: one part
}

TEST(TruncateUtf8, NeverSplitsACharacter) {
  const std::string text = "a\xC3\xA9\xE2\x9C\x93";  // a é ✓ : 1 + 2 + 3 bytes
  EXPECT_EQ(truncate_utf8(text, 100), text);
  EXPECT_EQ(truncate_utf8(text, 6), text);
  EXPECT_EQ(truncate_utf8(text, 5), "a\xC3\xA9");
  EXPECT_EQ(truncate_utf8(text, 3), "a\xC3\xA9");
  EXPECT_EQ(truncate_utf8(text, 2), "a");
  EXPECT_EQ(truncate_utf8(text, 0), "");
}

}  // namespace
}  // namespace feedrank::datasets
