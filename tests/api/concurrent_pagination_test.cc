// Pagination while followees keep posting: "pages never repeat or skip a post, also while new
// posts arrive" (feedrank.proto, GetFeedResponse.next_cursor).
#include <gmock/gmock.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

constexpr std::uint64_t kViewer = 1;
constexpr std::uint64_t kFollowees[] = {2, 3, 4};
constexpr std::uint64_t kInitialPosts = 150;
constexpr std::int64_t kInitialStart = 100'000;  // initial posts are at 100'000.. 10 ms apart
constexpr std::uint64_t kFirstNewId = 1'000'000;
constexpr int kPageSize = 7;
// Only reached if the writer thread stops making progress.
constexpr auto kWriterStallLimit = std::chrono::seconds(30);

// Keeps creating posts by the followees until stopped, one or two per call: newer than
// everything, backfilled below everything, in between, and tied with an existing timestamp.
class BackgroundPoster {
 public:
  explicit BackgroundPoster(const std::string& address) : client_(address) {
    thread_ = std::thread([this] { run(); });
  }
  ~BackgroundPoster() { stop(); }

  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // Blocks until at least `count` calls have been acknowledged; false if the writer failed or
  // stalled.
  bool wait_for_calls(int count) {
    std::unique_lock lock(mutex_);
    return progress_.wait_for(lock, kWriterStallLimit, [&] {
      return failed_ || calls_ >= count;
    }) && !failed_;
  }

  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::string error() {
    std::lock_guard lock(mutex_);
    return error_;
  }

 private:
  void run() {
    std::uint64_t next_id = kFirstNewId;
    for (int n = 0; !stopping_; ++n) {
      const std::uint64_t author = kFollowees[n % 3];
      std::int64_t created_at = 0;
      switch (n % 4) {
        case 0:
          created_at = 10'000'000 + n;
          break;  // newest
        case 1:
          created_at = 1 + n;
          break;  // backfilled
        case 2:
          created_at = kInitialStart + (n * 37) % 1500;
          break;  // in between
        case 3:
          created_at = kInitialStart + 10 * ((n * 13) % kInitialPosts);
          break;  // tied
      }
      std::vector<v1::Post> posts = {post(next_id++, author, created_at)};
      if (n % 2 == 0) posts.push_back(post(next_id++, kFollowees[(n + 1) % 3], created_at + 3));
      auto reply = client_.create_posts(posts);
      std::lock_guard lock(mutex_);
      if (!reply.status.ok()) {
        failed_ = true;
        error_ = reply.status.error_message();
        progress_.notify_all();
        return;
      }
      ++calls_;
      progress_.notify_all();
    }
  }

  TestClient client_;
  std::atomic<bool> stopping_ = false;
  std::mutex mutex_;
  std::condition_variable progress_;
  int calls_ = 0;
  bool failed_ = false;
  std::string error_;
  std::thread thread_;
};

class ConcurrentPagination : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ASSERT_THAT(client().upsert_users({user(kViewer), user(2), user(3), user(4)}).status, IsOk());
    ASSERT_THAT(client().follow({edge(kViewer, 2), edge(kViewer, 3), edge(kViewer, 4)}).status,
                IsOk());
    std::vector<v1::Post> posts;
    for (std::uint64_t id = 1; id <= kInitialPosts; ++id) {
      const auto created_at = kInitialStart + static_cast<std::int64_t>(id / 2) * 10;  // ties
      posts.push_back(post(id, kFollowees[id % 3], created_at));
    }
    ASSERT_THAT(client().create_posts(posts).status, IsOk());
  }
};

TEST_F(ConcurrentPagination, PagesNeverRepeatOrSkipAPostWhileFolloweesKeepPosting) {
  BackgroundPoster poster(address());
  std::map<std::uint64_t, int> times_shown;
  std::vector<std::tuple<std::int64_t, std::uint64_t>> order;
  std::string cursor;
  int pages = 0;
  do {
    // At least one write lands between consecutive pages, so every page sees new posts.
    ASSERT_TRUE(poster.wait_for_calls(pages + 1)) << "writer: " << poster.error();
    auto page = client().get_feed(kViewer, kPageSize, cursor);
    ASSERT_THAT(page.status, IsOk()) << "page " << pages;
    for (const auto& item : page.response.items()) {
      ++times_shown[item.post_id()];
      order.emplace_back(item.created_at_ms(), item.post_id());
    }
    cursor = page.response.next_cursor();
    ++pages;
  } while (!cursor.empty());
  poster.stop();
  ASSERT_GE(poster.calls(), pages);

  for (const auto& [id, count] : times_shown) EXPECT_EQ(count, 1) << "post " << id << " repeated";
  for (std::uint64_t id = 1; id <= kInitialPosts; ++id) {
    EXPECT_TRUE(times_shown.contains(id))
        << "post " << id << " existed before the walk but was skipped";
  }
  EXPECT_TRUE(std::is_sorted(order.rbegin(), order.rend())) << "pages are not newest first";
  // Backfilled and in-between posts written during the walk land below the cursor: the walk
  // must have met some, or it did not test pagination under writes at all.
  const auto new_shown =
      std::count_if(times_shown.begin(), times_shown.end(),
                    [](const auto& entry) { return entry.first >= kFirstNewId; });
  EXPECT_GT(new_shown, 0);
  RecordProperty("pages", pages);
  RecordProperty("new_posts_shown", static_cast<int>(new_shown));
}

}  // namespace
}  // namespace feedrank::api_test
