#include "tools/cli/feed_printer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tools/cli/time_format.h"

namespace feedrank::cli {
namespace {

v1::GetFeedResponse sample_feed() {
  v1::GetFeedResponse feed;
  v1::FeedItem* item = feed.add_items();
  item->set_post_id(12345);
  item->set_author_id(7);
  item->set_created_at_ms(1704067200000 + 3723004);  // 2024-01-01 01:02:03.004 UTC
  item->set_text("line one\nline two " + std::string(100, 'x'));
  item->set_score(1.0);
  item->set_source(v1::CANDIDATE_SOURCE_FOLLOWING);
  feed.set_next_cursor("abc");
  return feed;
}

TEST(FormatIso8601Utc, FormatsWholeSecondsInUtc) {
  EXPECT_EQ(format_iso8601_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_iso8601_utc(1704067200000 + 3723004), "2024-01-01T01:02:03Z");
  EXPECT_EQ(format_iso8601_utc(951782400000), "2000-02-29T00:00:00Z");  // leap day
  EXPECT_EQ(format_iso8601_utc(-1), "1969-12-31T23:59:59Z");
}

TEST(FeedTable, ShowsOneLinePerItemAndTheCursor) {
  std::ostringstream out;
  print_feed_table(sample_feed(), out);
  const std::string table = out.str();
  std::istringstream lines(table);
  std::string header, row, cursor, extra;
  std::getline(lines, header);
  std::getline(lines, row);
  std::getline(lines, cursor);
  EXPECT_FALSE(std::getline(lines, extra)) << table;
  EXPECT_EQ(header.find("TIME"), 0u);
  EXPECT_NE(row.find("2024-01-01T01:02:03Z"), std::string::npos) << row;
  EXPECT_NE(row.find("12345"), std::string::npos);
  EXPECT_NE(row.find("following"), std::string::npos);
  EXPECT_NE(row.find("line one line two"), std::string::npos);
  EXPECT_TRUE(row.ends_with("...")) << row;
  EXPECT_LT(row.size(), 140u);
  EXPECT_EQ(cursor, "next_cursor: abc");
}

TEST(FeedTable, SaysWhenThereIsNoNextPage) {
  std::ostringstream out;
  print_feed_table(v1::GetFeedResponse(), out);
  EXPECT_NE(out.str().find("next_cursor: (none)"), std::string::npos);
}

TEST(FeedJson, IsOneObjectWithItemsAndCursor) {
  std::ostringstream out;
  print_feed_json(sample_feed(), out);
  const auto page = nlohmann::json::parse(out.str());
  ASSERT_EQ(page["items"].size(), 1u);
  const auto& item = page["items"][0];
  EXPECT_EQ(item["post_id"], 12345);
  EXPECT_EQ(item["author_id"], 7);
  EXPECT_EQ(item["created_at_ms"], 1704067200000 + 3723004);
  EXPECT_EQ(item["created_at"], "2024-01-01T01:02:03Z");
  EXPECT_EQ(item["text"], sample_feed().items(0).text());  // not truncated
  EXPECT_EQ(item["source"], "following");
  EXPECT_EQ(page["next_cursor"], "abc");
}

}  // namespace
}  // namespace feedrank::cli
