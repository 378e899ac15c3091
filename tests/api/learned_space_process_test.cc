// The real feedrank-server's vector-space flags: the start log names the space, the training
// flags reach the engine, and a restart reads the saved model back from the data directory.
#include <gmock/gmock.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/api/server_process.h"
#include "tests/api/status_matchers.h"
#include "tests/api/test_client.h"
#include "tests/api/test_records.h"
#include "tests/support/temp_dir.h"

namespace feedrank::api_test {
namespace {

using ::testing::HasSubstr;

class LearnedSpaceProcess : public ::testing::Test {
 protected:
  // Starts the server with `args` and a client to it.
  void start_server(const std::vector<std::string>& args) {
    server_ = std::make_unique<ServerProcess>("127.0.0.1:0", scratch_.path() / "data",
                                              scratch_.path(), args);
    const std::string address = server_->wait_until_listening();
    ASSERT_NE(address, "") << "feedrank-server did not start: " << server_->stderr_text();
    client_ = std::make_unique<TestClient>(address);
  }

  void stop_server() {
    client_.reset();
    const auto stopped = server_->stop(SIGTERM);
    ASSERT_TRUE(stopped.has_value());
    EXPECT_TRUE(stopped->exited && stopped->code == 0)
        << "exited " << stopped->exited << " code " << stopped->code << ": "
        << server_->stderr_text();
  }

  testing::TempDir scratch_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<TestClient> client_;
};

TEST_F(LearnedSpaceProcess, TheStartLogNamesTheTextSpaceByDefault) {
  start_server({});
  EXPECT_THAT(server_->startup_output(), HasSubstr("vector space text"));
  EXPECT_EQ(client_->stats().vector_space(), "text");
  stop_server();
}

TEST_F(LearnedSpaceProcess, TrainsWithTheFlagsAndARestartReadsTheModelBack) {
  const std::vector<std::string> flags = {
      "--vector-space",     "hybrid", "--hybrid-text-weight",  "0.3",
      "--train-iterations", "4",      "--embedding-dimension", "32"};
  std::vector<std::string> first = flags;
  first.push_back("--train-at-start=false");
  start_server(first);
  EXPECT_THAT(server_->startup_output(), HasSubstr("vector space hybrid"));

  // Within the last hour, as a live server's data.
  const std::int64_t start = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count() -
                             3'600'000;
  std::vector<v1::User> users;
  std::vector<v1::Post> posts;
  std::vector<v1::Engagement> likes;
  for (std::uint64_t id = 1; id <= 6; ++id) users.push_back(user(id));
  for (std::uint64_t id = 1; id <= 30; ++id) {
    posts.push_back(post(id, id % 6 + 1, start + static_cast<std::int64_t>(id)));
  }
  for (std::uint64_t u = 1; u <= 6; ++u) {
    for (std::uint64_t i = 0; i < 5; ++i) {
      likes.push_back(engagement(u, (u % 2) + 2 * i + 1, v1::ENGAGEMENT_KIND_LIKE, start + 1000));
    }
  }
  ASSERT_THAT(client_->upsert_users(users).status, IsOk());
  ASSERT_THAT(client_->create_posts(posts).status, IsOk());
  ASSERT_THAT(client_->record_engagements(likes).status, IsOk());
  auto trained = client_->train(/*wait=*/true);
  ASSERT_THAT(trained.status, IsOk());
  EXPECT_EQ(trained.response.learned().model().version(), 1u);
  EXPECT_EQ(trained.response.learned().model().users(), 6u);
  EXPECT_LE(trained.response.learned().model().iterations(), 4u);
  EXPECT_EQ(trained.response.learned().training().max_iterations(), 4u);
  stop_server();

  start_server(flags);
  EXPECT_THAT(server_->startup_output(), HasSubstr("read learned model v1"));
  EXPECT_THAT(server_->startup_output(), HasSubstr("learned-model"));
  const v1::GetStatsResponse stats = client_->stats();
  EXPECT_EQ(stats.vector_space(), "hybrid");
  EXPECT_EQ(stats.learned().model().version(), 1u);
  EXPECT_EQ(stats.learned().model().users(), 6u);
  EXPECT_EQ(stats.learned().training().finished(), 0u);
  stop_server();
}

}  // namespace
}  // namespace feedrank::api_test
