// "Writes ... survive a restart" (DESIGN.md): a new server on the same data directory holds
// the same data and serves the same feeds, pages and cursors included.
#include <gmock/gmock.h>

#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::ElementsAreArray;

constexpr std::uint64_t kUsers = 6;

class Restart : public ApiTest {
 protected:
  // A small world with every kind of write, including ones that undo others.
  void write_world() {
    std::vector<v1::User> users;
    for (std::uint64_t id = 1; id <= kUsers; ++id) users.push_back(user(id));
    ASSERT_THAT(client().upsert_users(users).status, IsOk());
    v1::User renamed = user(6);
    renamed.set_handle("renamed");
    ASSERT_THAT(client().upsert_users({renamed}).status, IsOk());

    std::vector<v1::Post> posts;
    for (std::uint64_t id = 1; id <= 60; ++id) {
      const auto visibility = id % 4 == 0 ? v1::VISIBILITY_FOLLOWERS : v1::VISIBILITY_PUBLIC;
      posts.push_back(
          post(id, id % kUsers + 1, 1000 + static_cast<std::int64_t>(id / 3), visibility));
    }
    ASSERT_THAT(client().create_posts(posts).status, IsOk());
    ASSERT_THAT(client()
                    .follow({edge(1, 2), edge(1, 3), edge(2, 1), edge(3, 4), edge(4, 5), edge(5, 6),
                             edge(6, 1)})
                    .status,
                IsOk());
    ASSERT_THAT(client().unfollow({edge(1, 3)}).status, IsOk());
    ASSERT_THAT(client().delete_posts({2, 9, 33}).status, IsOk());
    ASSERT_THAT(
        client()
            .record_engagements({engagement(1, 1), engagement(2, 3, v1::ENGAGEMENT_KIND_SHARE),
                                 engagement(3, 5, v1::ENGAGEMENT_KIND_VIEW, 7)})
            .status,
        IsOk());
    ASSERT_THAT(
        client()
            .ingest({chunk({user_record(7), post_record(post(70, 7, 5000)), follow_record(1, 7)})})
            .status,
        IsOk());
  }

  std::vector<std::vector<std::uint64_t>> all_feeds() {
    std::vector<std::vector<std::uint64_t>> feeds;
    for (std::uint64_t viewer = 1; viewer <= kUsers + 1; ++viewer) {
      feeds.push_back(post_ids(client().whole_feed(viewer, 4)));
    }
    return feeds;
  }
};

TEST_F(Restart, ANewServerOnTheSameDirectoryHoldsTheSameDataAndFeeds) {
  write_world();
  const auto feeds_before = all_feeds();
  const auto stats_before = client().stats();
  ASSERT_EQ(stats_before.users(), kUsers + 1);
  ASSERT_GT(stats_before.impressions(), 0u) << "the feeds above were logged";

  restart_server();

  // Everything, the impression log's count included, is as before.
  EXPECT_EQ(stored_stats_of(client().stats()), stored_stats_of(stats_before));
  EXPECT_THAT(all_feeds(), ElementsAreArray(feeds_before));
}

TEST_F(Restart, ACursorIssuedBeforeARestartContinuesAfterIt) {
  write_world();
  auto first = client().get_feed(1, 5);
  ASSERT_THAT(first.status, IsOk());
  ASSERT_NE(first.response.next_cursor(), "");
  const auto rest_before = client().get_feed(1, 500, first.response.next_cursor());

  restart_server();

  auto rest_after = client().get_feed(1, 500, first.response.next_cursor());
  ASSERT_THAT(rest_after.status, IsOk());
  // The same page under another request id (each page served gets its own).
  EXPECT_NE(rest_after.response.request_id(), rest_before.response.request_id());
  rest_after.response.clear_request_id();
  auto expected = rest_before.response;
  expected.clear_request_id();
  EXPECT_EQ(text_of(rest_after.response), text_of(expected));
}

TEST_F(Restart, RetriedWritesAfterARestartAreStillRecognised) {
  write_world();
  restart_server();
  auto posts = client().create_posts({post(1, 2, 1000), post(2, 3, 1000)});
  ASSERT_THAT(posts.status, IsOk());
  EXPECT_EQ(posts.response.already_existed(), 2u);  // post 2 is a tombstone
  auto engagements = client().record_engagements({engagement(1, 1)});
  ASSERT_THAT(engagements.status, IsOk());
  EXPECT_EQ(engagements.response.duplicates(), 1u);
  auto follows = client().follow({edge(1, 2)});
  ASSERT_THAT(follows.status, IsOk());
  EXPECT_EQ(follows.response.already_following(), 1u);
  auto users = client().upsert_users({user(1)});
  ASSERT_THAT(users.status, IsOk());
  EXPECT_EQ(users.response.created() + users.response.updated(), 0u);
}

}  // namespace
}  // namespace feedrank::api_test
