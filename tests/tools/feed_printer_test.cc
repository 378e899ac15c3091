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

// An interleaved page served under an experiment arm: team A's item, then team B's.
v1::GetFeedResponse interleaved_feed() {
  v1::GetFeedResponse feed = sample_feed();
  feed.mutable_items(0)->set_team(v1::INTERLEAVING_TEAM_A);
  v1::FeedItem* second = feed.add_items();
  *second = feed.items(0);
  second->set_post_id(12346);
  second->set_team(v1::INTERLEAVING_TEAM_B);
  feed.set_mode(v1::FEED_MODE_INTERLEAVED);
  feed.set_experiment("ranking-v2");
  feed.set_arm("mixed");
  feed.set_request_id("00112233445566ff");
  return feed;
}

TEST(FeedTable, SaysHowThePageWasServed) {
  std::ostringstream out;
  print_feed_table(interleaved_feed(), out);
  EXPECT_NE(out.str().find("mode: interleaved; experiment: ranking-v2; arm: mixed; "
                           "request_id: 00112233445566ff\nnext_cursor: abc\n"),
            std::string::npos)
      << out.str();
}

TEST(FeedTable, ShowsEachItemsTeamOnInterleavedPagesOnly) {
  std::ostringstream interleaved;
  print_feed_table(interleaved_feed(), interleaved);
  std::istringstream lines(interleaved.str());
  std::string header, first, second;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_NE(header.find("SOURCE              TEAM "), std::string::npos) << header;
  EXPECT_NE(first.find("following           A    "), std::string::npos) << first;
  EXPECT_NE(second.find("following           B    "), std::string::npos) << second;

  v1::GetFeedResponse algorithmic = sample_feed();
  algorithmic.set_mode(v1::FEED_MODE_ALGORITHMIC);
  algorithmic.set_request_id("0000000000000001");
  std::ostringstream out;
  print_feed_table(algorithmic, out);
  EXPECT_EQ(out.str().find("TEAM"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("\nmode: algorithmic; request_id: 0000000000000001\n"),
            std::string::npos)
      << out.str();
}

TEST(FeedTable, AnExplainedRankingShowsItsCountsAndTimesInMilliseconds) {
  v1::GetFeedResponse feed = sample_feed();
  feed.set_ranking_config_version("default-2");
  feed.set_backend("scoring cpu-fma");
  v1::SourceCount* count = feed.add_candidate_counts();
  count->set_source(v1::CANDIDATE_SOURCE_OUT_OF_NETWORK);
  count->set_candidates(300);
  count->set_seconds(0.0015);
  v1::FilterCount* removed = feed.add_removed_counts();
  removed->set_filter("duplicate");
  removed->set_removed(4);
  v1::StageTime* features = feed.add_stage_times();
  features->set_stage("features");
  features->set_seconds(0.0005);
  std::ostringstream out;
  print_feed_table(feed, out);
  const std::string table = out.str();
  EXPECT_NE(table.find("\ncandidates: out_of_network=300\nremoved: duplicate=4\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("\ntime ms: features=0.500 out_of_network=1.500\n"), std::string::npos)
      << table;

  feed.clear_stage_times();
  std::ostringstream untimed;
  print_feed_table(feed, untimed);
  EXPECT_EQ(untimed.str().find("time ms:"), std::string::npos) << "an older server sends none";
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
  EXPECT_FALSE(item.contains("team"));  // not an interleaved page
}

TEST(FeedJson, SaysHowThePageWasServedAndEachItemsTeam) {
  std::ostringstream out;
  print_feed_json(interleaved_feed(), out);
  const auto page = nlohmann::json::parse(out.str());
  EXPECT_EQ(page["request_id"], "00112233445566ff");
  EXPECT_EQ(page["experiment"], "ranking-v2");
  EXPECT_EQ(page["arm"], "mixed");
  EXPECT_EQ(page["mode"], "interleaved");
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["team"], "A");
  EXPECT_EQ(page["items"][1]["team"], "B");
}

}  // namespace
}  // namespace feedrank::cli
