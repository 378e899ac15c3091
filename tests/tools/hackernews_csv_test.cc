// The Hacker News CSV reader on small files written by the test: RFC 4180 quoting, a byte-order
// mark, CRLF, and a quote inside a bare field.
#include "tools/datasets/hackernews_csv.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/support/temp_dir.h"

namespace feedrank::datasets {
namespace {

constexpr const char* kHeader = "id,title,url,num_points,num_comments,author,created_at\n";

absl::StatusOr<std::vector<HackerNewsPost>> read_text(const std::string& text) {
  testing::TempDir dir;
  const auto path = dir.path() / "posts.csv";
  std::ofstream(path, std::ios::binary) << text;
  return read_hackernews_csv(path);
}

TEST(HackerNewsCsv, ReadsQuotedFieldsDoubledQuotesABomAndCrlf) {
  const auto posts = read_text(std::string("\xEF\xBB\xBF") + kHeader +
                               "1,\"Commas, \"\"quotes\"\"\r\nand a newline\",,10,2,ann,9/1/2016 1:00\r\n"
                               "2,Plain,http://b,3,4,bob,9/26/2016 3:26\r\n");
  ASSERT_TRUE(posts.ok()) << posts.status();
  ASSERT_EQ(posts->size(), 2u);
  EXPECT_EQ((*posts)[0].title, "Commas, \"quotes\"\r\nand a newline");
  EXPECT_EQ((*posts)[0].url, "");
  EXPECT_EQ((*posts)[0].points, 10u);
  EXPECT_EQ((*posts)[1].author, "bob");
  EXPECT_EQ((*posts)[1].created_at, "9/26/2016 3:26");
}

// A quote inside a bare field is a character (inches, here), as Python's csv reads it. Read as
// the start of a quoted run, it swallowed the rest of the row and the next row, silently.
TEST(HackerNewsCsv, AQuoteInsideABareFieldIsACharacter) {
  const auto posts = read_text(std::string(kHeader) +
                               "1,Review: 5\" screen,http://a,1,2,ann,9/1/2016 1:00\n"
                               "2,The 7\" tablet,http://b,3,4,bob,9/1/2016 1:01\n");
  ASSERT_TRUE(posts.ok()) << posts.status();
  ASSERT_EQ(posts->size(), 2u);
  EXPECT_EQ((*posts)[0].title, "Review: 5\" screen");
  EXPECT_EQ((*posts)[0].author, "ann");
  EXPECT_EQ((*posts)[1].title, "The 7\" tablet");
  EXPECT_EQ((*posts)[1].id, 2u);
}

TEST(HackerNewsCsv, ARowWithoutSevenFieldsIsDataLossNamingIt) {
  const auto posts = read_text(std::string(kHeader) + "1,title,url,1,2,ann\n");
  ASSERT_FALSE(posts.ok());
  EXPECT_EQ(posts.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(posts.status().message().find("record 2 has 6 fields"), std::string::npos)
      << posts.status();
}

}  // namespace
}  // namespace feedrank::datasets
