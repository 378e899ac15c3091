#include "tools/datasets/lastfm_dataset.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tools/datasets/text_encoding.h"

namespace feedrank::datasets {
namespace {

namespace fs = std::filesystem;

struct Emitted {
  std::vector<v1::IngestRecord> records;
  absl::StatusOr<LastfmCounts> counts;
};

Emitted read(const fs::path& dir, const LastfmOptions& options = {}) {
  Emitted emitted;
  emitted.counts = read_lastfm_dataset(
      dir, [&](const v1::IngestRecord& record) { emitted.records.push_back(record); }, options);
  return emitted;
}

std::int64_t day_ms(int year, unsigned month, unsigned day) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(
             sys_days(std::chrono::year(year) / std::chrono::month(month) / std::chrono::day(day))
                 .time_since_epoch())
      .count();
}

// Checks what every emitted stream must satisfy, whatever the input: users first, then follows,
// then posts by time, then engagements by time, each referring only to what came before.
void expect_valid_order(const std::vector<v1::IngestRecord>& records) {
  std::set<std::uint64_t> users;
  std::map<std::uint64_t, std::int64_t> post_times;
  int phase = 0;
  std::int64_t last_time = INT64_MIN;
  for (const auto& record : records) {
    switch (record.record_case()) {
      case v1::IngestRecord::kUser:
        ASSERT_EQ(phase, 0) << "user after other records";
        EXPECT_TRUE(users.insert(record.user().id()).second);
        EXPECT_GT(record.user().created_at_ms(), 0);
        break;
      case v1::IngestRecord::kFollow:
        ASSERT_LE(phase, 1) << "follow after posts";
        phase = 1;
        EXPECT_TRUE(users.contains(record.follow().follower_id()));
        EXPECT_TRUE(users.contains(record.follow().followee_id()));
        EXPECT_NE(record.follow().follower_id(), record.follow().followee_id());
        break;
      case v1::IngestRecord::kPost: {
        ASSERT_LE(phase, 2) << "post after engagements";
        if (phase < 2) last_time = INT64_MIN;
        phase = 2;
        const v1::Post& post = record.post();
        EXPECT_TRUE(users.contains(post.author_id()));
        EXPECT_EQ(post.id(), post_times.size() + 1) << "ids are 1, 2, ...";
        EXPECT_GE(post.created_at_ms(), last_time) << "posts by time";
        last_time = post.created_at_ms();
        post_times[post.id()] = post.created_at_ms();
        EXPECT_FALSE(post.text().empty());
        EXPECT_LE(post.text().size(), 4096u);
        EXPECT_EQ(repair_utf8(post.text()), post.text()) << "invalid UTF-8";
        break;
      }
      case v1::IngestRecord::kEngagement: {
        if (phase < 3) last_time = INT64_MIN;
        phase = 3;
        const v1::Engagement& engagement = record.engagement();
        EXPECT_TRUE(users.contains(engagement.user_id()));
        ASSERT_TRUE(post_times.contains(engagement.post_id()));
        EXPECT_GT(engagement.at_ms(), post_times[engagement.post_id()]);
        EXPECT_GE(engagement.at_ms(), last_time) << "engagements by time";
        last_time = engagement.at_ms();
        EXPECT_EQ(engagement.kind(), v1::ENGAGEMENT_KIND_LIKE);
        break;
      }
      default:
        ADD_FAILURE() << "unexpected record " << record.DebugString();
    }
  }
}

// A Last.fm folder written from string literals (tags.dat bytes are ISO-8859-1).
class HandcraftedLastfm : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) /
           ("lastfm_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& contents) {
    std::ofstream(dir_ / name, std::ios::binary) << contents;
  }

  void write_folder(const std::string& friends, const std::string& tagged) {
    write("artists.dat",
          "id\tname\turl\tpictureURL\n"
          "10\tM\xC3\xB6tley Cr\xC3\xBC"
          "e\thttp://a\thttp://b\n"
          "11\tAphex Twin\thttp://a\thttp://b\n"
          "not an artist row\n");
    write("tags.dat",
          "tagID\ttagValue\n"
          "1\trock fran\xE7"
          "ais\n"
          "2\tHip-Hop\n"
          "3\t80's\n");
    write("user_friends.dat", "userID\tfriendID\n" + friends);
    write("user_taggedartists.dat", "userID\tartistID\ttagID\tday\tmonth\tyear\n" + tagged);
  }

  fs::path dir_;
};

TEST_F(HandcraftedLastfm, MapsUsersFriendsTagsAndLaterTagsToRecords) {
  write_folder(
      "2\t3\n3\t2\n2\t4\n"  // 4 -> 2 not listed: a friendship follows both ways
      "5\t5\n"   // self: skipped
      "2\t3\n"   // repeated: skipped
      "x\t1\n"   // malformed: skipped
      "0\t2\n",  // user 0 is not a valid id: skipped
      "2\t10\t1\t1\t4\t2009\n"
      "2\t10\t2\t1\t4\t2009\n"  // same post as the line above
      "2\t10\t1\t1\t4\t2009\n"  // repeated tag: one hashtag
      "3\t10\t3\t1\t6\t2009\n"  // later: user 3 likes user 2's post
      "4\t11\t1\t1\t5\t2009\n"
      "4\t10\t1\t1\t6\t2009\n"   // same day as user 3: likes only user 2's post
      "6\t10\t1\t1\t1\t1979\n"   // out of range: skipped, but user 6 exists
      "2\t11\t1\t1\t13\t2009\n"  // month 13: skipped
      "2\t11\t1\t31\t4\t2009\n"  // 31 April: skipped
      "2\t99\t9\t1\t7\t2010\n"   // unknown artist and tag
      "2\t10\t1\t1\t4\n");       // malformed: skipped
  const Emitted emitted = read(dir_);
  ASSERT_TRUE(emitted.counts.ok()) << emitted.counts.status();
  const LastfmCounts& counts = *emitted.counts;
  EXPECT_EQ(counts.users, 5u);  // 2, 3, 4, 5, 6
  EXPECT_EQ(counts.follows, 4u);
  EXPECT_EQ(counts.posts, 5u);
  EXPECT_EQ(counts.engagements, 2u);
  EXPECT_EQ(counts.skipped_rows, 9u);  // 1 artist, 4 friend, 4 tag rows
  std::set<std::pair<std::uint64_t, std::uint64_t>> follows;
  for (const auto& record : emitted.records) {
    if (record.has_follow()) follows.emplace(record.follow().follower_id(), record.follow().followee_id());
  }
  EXPECT_EQ(follows, (std::set<std::pair<std::uint64_t, std::uint64_t>>{{2, 3}, {2, 4}, {3, 2}, {4, 2}}));
  EXPECT_EQ(emitted.records.size(),
            counts.users + counts.follows + counts.posts + counts.engagements);
  expect_valid_order(emitted.records);

  std::map<std::uint64_t, v1::User> users;
  std::vector<v1::Post> posts;
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::int64_t>> likes;
  for (const auto& record : emitted.records) {
    if (record.has_user()) users[record.user().id()] = record.user();
    if (record.has_post()) posts.push_back(record.post());
    if (record.has_engagement()) {
      likes.emplace(record.engagement().user_id(), record.engagement().post_id(),
                    record.engagement().at_ms());
    }
  }
  EXPECT_EQ(users.at(6).handle(), "lastfm_6");
  EXPECT_EQ(users.at(3).created_at_ms(), day_ms(2009, 6, 1));  // first post
  EXPECT_EQ(users.at(5).created_at_ms(), day_ms(2009, 4, 1));  // no post: the earliest day
  ASSERT_EQ(posts.size(), 5u);
  EXPECT_EQ(posts[0].author_id(), 2u);
  EXPECT_EQ(posts[0].created_at_ms(), day_ms(2009, 4, 1));
  EXPECT_EQ(posts[0].text(),
            "M\xC3\xB6tley Cr\xC3\xBC"
            "e #rock_fran\xC3\xA7"
            "ais #hip_hop");
  EXPECT_EQ(posts[1].author_id(), 4u);
  EXPECT_EQ(posts[1].text(),
            "Aphex Twin #rock_fran\xC3\xA7"
            "ais");
  EXPECT_EQ(posts[2].author_id(), 3u);
  EXPECT_EQ(posts[2].text(),
            "M\xC3\xB6tley Cr\xC3\xBC"
            "e #80s");
  EXPECT_EQ(posts[3].author_id(), 4u);
  EXPECT_EQ(posts[4].text(), "artist 99");
  EXPECT_EQ(likes, (std::set<std::tuple<std::uint64_t, std::uint64_t, std::int64_t>>{
                       {3, 1, day_ms(2009, 6, 1)}, {4, 1, day_ms(2009, 6, 1)}}));
}

TEST_F(HandcraftedLastfm, LikesTheMostRecentEarlierPostsUpToTheCapPerArtist) {
  write_folder("",
               "2\t10\t1\t1\t1\t2008\n"
               "3\t10\t1\t1\t2\t2008\n"
               "4\t10\t1\t1\t3\t2008\n"
               "5\t10\t1\t1\t4\t2008\n"  // likes the posts of 4 and 3, not 2's
               "6\t10\t1\t2\t4\t2008\n"
               "5\t10\t2\t1\t5\t2008\n");  // the cap is spent: not 6's post either
  LastfmOptions options;
  options.max_likes_per_artist = 2;
  const Emitted emitted = read(dir_, options);
  ASSERT_TRUE(emitted.counts.ok()) << emitted.counts.status();
  expect_valid_order(emitted.records);
  std::multiset<std::pair<std::uint64_t, std::uint64_t>> user5_likes;
  for (const auto& record : emitted.records) {
    if (record.has_engagement() && record.engagement().user_id() == 5) {
      user5_likes.emplace(record.engagement().post_id(), record.engagement().at_ms());
    }
  }
  // Posts are numbered by time: 1 by user 2, 2 by 3, 3 by 4.
  EXPECT_EQ(user5_likes, (std::multiset<std::pair<std::uint64_t, std::uint64_t>>{
                             {2, day_ms(2008, 4, 1)}, {3, day_ms(2008, 4, 1)}}));
}

TEST_F(HandcraftedLastfm, KeepsOnlyWholeHashtagsWithin4096Bytes) {
  std::string tags = "tagID\ttagValue\n";
  std::string tagged;
  for (int tag = 1; tag <= 400; ++tag) {
    tags += std::to_string(tag) + "\tlong tag number " + std::to_string(tag) + "\n";
    tagged += "2\t10\t" + std::to_string(tag) + "\t1\t1\t2010\n";
  }
  write_folder("", tagged);
  write("tags.dat", tags);
  const Emitted emitted = read(dir_);
  ASSERT_TRUE(emitted.counts.ok()) << emitted.counts.status();
  ASSERT_EQ(emitted.counts->posts, 1u);
  expect_valid_order(emitted.records);
  for (const auto& record : emitted.records) {
    if (!record.has_post()) continue;
    const std::string& text = record.post().text();
    EXPECT_GT(text.size(), 4000u);
    // The last token is a whole tag, e.g. "#long_tag_number_213".
    const std::string last = text.substr(text.rfind(' ') + 1);
    EXPECT_TRUE(last.starts_with("#long_tag_number_")) << last;
    EXPECT_GT(last.size(), std::string("#long_tag_number_").size());
  }
}

TEST_F(HandcraftedLastfm, MissingFileIsNotFoundAndEmitsNothing) {
  write_folder("2\t3\n3\t2\n", "2\t10\t1\t1\t1\t2008\n");
  fs::remove(dir_ / "user_taggedartists.dat");
  const Emitted emitted = read(dir_);
  EXPECT_EQ(emitted.counts.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(emitted.counts.status().message().find("user_taggedartists.dat"), std::string::npos);
  EXPECT_TRUE(emitted.records.empty());
}

// The real data set, when present: counts are computed here from the files, independently of
// the reader.
class RealLastfm : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(FEEDRANK_SHARED_DATA_DIR) / "lastfm-2k";
    if (!fs::exists(dir_ / "user_taggedartists.dat")) {
      GTEST_SKIP() << "Last.fm data set not found at " << dir_ << "; skipping";
    }
  }

  // Rows after the header, split on tabs.
  std::vector<std::vector<std::string>> rows(const std::string& name) const {
    std::ifstream in(dir_ / name, std::ios::binary);
    std::vector<std::vector<std::string>> result;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::vector<std::string> fields;
      std::istringstream split(line);
      for (std::string field; std::getline(split, field, '\t');) fields.push_back(field);
      result.push_back(fields);
    }
    return result;
  }

  fs::path dir_;
};

TEST_F(RealLastfm, CountsMatchTheFiles) {
  const LastfmOptions options;
  const auto friends = rows("user_friends.dat");
  const auto tagged = rows("user_taggedartists.dat");
  std::set<std::string> users;
  for (const auto& row : friends) users.insert({row.at(0), row.at(1)});
  std::set<std::vector<std::string>> groups;  // (user, artist, day, month, year)
  std::uint64_t out_of_range = 0;
  bool saw_1979 = false;
  for (const auto& row : tagged) {
    users.insert(row.at(0));
    const int year = std::stoi(row.at(5));
    saw_1979 |= year == 1979;
    if (year < options.first_year || year > options.last_year) {
      ++out_of_range;
      continue;
    }
    groups.insert({row.at(0), row.at(1), row.at(3), row.at(4), row.at(5)});
  }
  ASSERT_TRUE(saw_1979) << "the data set's documented 1979 outlier is missing";

  const Emitted emitted = read(dir_, options);
  ASSERT_TRUE(emitted.counts.ok()) << emitted.counts.status();
  const LastfmCounts& counts = *emitted.counts;
  EXPECT_EQ(counts.users, users.size());
  EXPECT_EQ(counts.follows, friends.size());
  EXPECT_EQ(counts.posts, groups.size());
  EXPECT_EQ(counts.skipped_rows, out_of_range);  // the files have no other bad rows
  EXPECT_GT(counts.engagements, 0u);
  EXPECT_EQ(emitted.records.size(),
            counts.users + counts.follows + counts.posts + counts.engagements);
  expect_valid_order(emitted.records);
  for (const auto& record : emitted.records) {
    if (record.has_post()) {
      ASSERT_GE(record.post().created_at_ms(), day_ms(options.first_year, 1, 1));
    }
  }
}

}  // namespace
}  // namespace feedrank::datasets
