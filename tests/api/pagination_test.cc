// Cursor pagination of the chronological feed: walking every page gives the full feed in order,
// with no repeats and no skips, whatever the page size.
#include <gmock/gmock.h>

#include <algorithm>
#include <tuple>

#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

constexpr std::uint64_t kViewer = 1;

class Pagination : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ASSERT_THAT(client().upsert_users({user(kViewer), user(2), user(3), user(4), user(5)}).status,
                IsOk());
    ASSERT_THAT(client().follow({edge(kViewer, 2), edge(kViewer, 3), edge(kViewer, 4)}).status,
                IsOk());
  }

  // Posts by the viewer, its followees and a stranger, many sharing a timestamp; returns the
  // ids the viewer should see, in feed order.
  std::vector<std::uint64_t> create_mixed_posts() {
    std::vector<v1::Post> posts;
    std::vector<v1::Post> visible;
    for (std::uint64_t id = 1; id <= 120; ++id) {
      const std::uint64_t author = id % 5 + 1;  // 1..5, 5 is not followed
      const std::int64_t created_at = 1000 + static_cast<std::int64_t>(id / 4) * 10;
      const auto visibility = id % 3 == 0 ? v1::VISIBILITY_FOLLOWERS : v1::VISIBILITY_PUBLIC;
      posts.push_back(post(id, author, created_at, visibility));
      if (author != 5 && id % 11 != 0) visible.push_back(posts.back());
    }
    EXPECT_THAT(client().create_posts(posts).status, IsOk());
    std::vector<std::uint64_t> deleted;
    for (std::uint64_t id = 11; id <= 120; id += 11) deleted.push_back(id);
    EXPECT_THAT(client().delete_posts(deleted).status, IsOk());

    std::sort(visible.begin(), visible.end(), [](const v1::Post& a, const v1::Post& b) {
      return std::tuple(a.created_at_ms(), a.id()) > std::tuple(b.created_at_ms(), b.id());
    });
    std::vector<std::uint64_t> ids;
    for (const auto& p : visible) ids.push_back(p.id());
    return ids;
  }
};

TEST_F(Pagination, WalkingAllPagesGivesTheFullFeedInOrderForEveryPageSize) {
  const auto expected = create_mixed_posts();
  ASSERT_GT(expected.size(), 50u);
  for (int limit : {1, 7, 50, 500}) {
    SCOPED_TRACE("limit " + std::to_string(limit));
    EXPECT_THAT(post_ids(client().whole_feed(kViewer, limit)), ElementsAreArray(expected));
  }
}

TEST_F(Pagination, EachPageHoldsAtMostLimitItems) {
  const auto expected = create_mixed_posts();
  std::string cursor;
  std::size_t seen = 0;
  do {
    auto page = client().get_feed(kViewer, 7, cursor);
    ASSERT_THAT(page.status, IsOk());
    EXPECT_LE(page.response.items_size(), 7);
    seen += static_cast<std::size_t>(page.response.items_size());
    cursor = page.response.next_cursor();
  } while (!cursor.empty());
  EXPECT_EQ(seen, expected.size());
}

TEST_F(Pagination, TheLastFullPageHasNoCursor) {
  std::vector<v1::Post> posts;
  for (std::uint64_t id = 1; id <= 10; ++id) posts.push_back(post(id, 2, 1000 + id));
  ASSERT_THAT(client().create_posts(posts).status, IsOk());

  auto first = client().get_feed(kViewer, 5);
  ASSERT_THAT(first.status, IsOk());
  EXPECT_THAT(post_ids(first.response), ElementsAre(10, 9, 8, 7, 6));
  ASSERT_NE(first.response.next_cursor(), "");
  auto second = client().get_feed(kViewer, 5, first.response.next_cursor());
  ASSERT_THAT(second.status, IsOk());
  EXPECT_THAT(post_ids(second.response), ElementsAre(5, 4, 3, 2, 1));
  EXPECT_EQ(second.response.next_cursor(), "");
}

TEST_F(Pagination, ACursorStillWorksAfterThePostItEndedOnIsDeleted) {
  std::vector<v1::Post> posts;
  for (std::uint64_t id = 1; id <= 6; ++id) posts.push_back(post(id, 2, 1000 + id));
  ASSERT_THAT(client().create_posts(posts).status, IsOk());
  auto first = client().get_feed(kViewer, 3);
  ASSERT_THAT(first.status, IsOk());
  ASSERT_THAT(post_ids(first.response), ElementsAre(6, 5, 4));

  ASSERT_THAT(client().delete_posts({4, 3}).status, IsOk());
  auto second = client().get_feed(kViewer, 3, first.response.next_cursor());
  ASSERT_THAT(second.status, IsOk());
  EXPECT_THAT(post_ids(second.response), ElementsAre(2, 1));
}

TEST_F(Pagination, NewerPostsDoNotShiftLaterPages) {
  std::vector<v1::Post> posts;
  for (std::uint64_t id = 1; id <= 6; ++id) posts.push_back(post(id, 2, 1000 + id));
  ASSERT_THAT(client().create_posts(posts).status, IsOk());
  auto first = client().get_feed(kViewer, 3);
  ASSERT_THAT(first.status, IsOk());

  ASSERT_THAT(client().create_posts({post(100, 3, 5000), post(101, 4, 6000)}).status, IsOk());
  auto second = client().get_feed(kViewer, 3, first.response.next_cursor());
  ASSERT_THAT(second.status, IsOk());
  EXPECT_THAT(post_ids(second.response), ElementsAre(3, 2, 1));
  EXPECT_THAT(post_ids(client().get_feed(kViewer, 2).response), ElementsAre(101, 100));
}

// as_of_ms holds on every page: a later page asked as of a time before the last item shown
// starts below that time, still in (created_at, post id) order.
TEST_F(Pagination, ALaterPageAsOfAnEarlierTimeShowsNothingCreatedAfterIt) {
  std::vector<v1::Post> posts;
  for (std::uint64_t id = 1; id <= 10; ++id) posts.push_back(post(id, 2, 1000 + id));
  ASSERT_THAT(client().create_posts(posts).status, IsOk());
  auto first = client().get_feed(kViewer, 3);
  ASSERT_THAT(first.status, IsOk());
  ASSERT_THAT(post_ids(first.response), ElementsAre(10, 9, 8));

  constexpr std::int64_t kAsOf = 1005;  // before post 8, the last shown
  std::vector<std::uint64_t> later;
  std::string cursor = first.response.next_cursor();
  while (!cursor.empty()) {
    v1::GetFeedRequest request;
    request.set_user_id(kViewer);
    request.set_mode(v1::FEED_MODE_CHRONOLOGICAL);
    request.set_limit(3);
    request.set_cursor(cursor);
    request.set_as_of_ms(kAsOf);
    auto page = client().call(request);
    ASSERT_THAT(page.status, IsOk());
    for (const v1::FeedItem& item : page.response.items()) {
      EXPECT_LE(item.created_at_ms(), kAsOf) << "post " << item.post_id();
      later.push_back(item.post_id());
    }
    cursor = page.response.next_cursor();
  }
  EXPECT_THAT(later, ElementsAre(5, 4, 3, 2, 1));
}

TEST_F(Pagination, APageAfterTheEndIsEmpty) {
  ASSERT_THAT(client().create_posts({post(1, 2, 1000), post(2, 2, 2000)}).status, IsOk());
  auto first = client().get_feed(kViewer, 1);
  ASSERT_THAT(first.status, IsOk());
  ASSERT_THAT(client().delete_posts({1}).status, IsOk());
  auto second = client().get_feed(kViewer, 1, first.response.next_cursor());
  ASSERT_THAT(second.status, IsOk());
  EXPECT_THAT(second.response.items(), IsEmpty());
  EXPECT_EQ(second.response.next_cursor(), "");
}

}  // namespace
}  // namespace feedrank::api_test
