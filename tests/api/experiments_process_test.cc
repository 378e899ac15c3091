// The real feedrank-server with an experiments config: acknowledged pages stay in the impression
// log through SIGKILL, and SIGHUP reloads the config while it serves.
#include <gmock/gmock.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/api/server_process.h"
#include "tests/api/status_matchers.h"
#include "tests/api/test_client.h"
#include "tests/api/test_records.h"
#include "tests/support/temp_dir.h"

namespace feedrank::api_test {
namespace {

std::string one_arm_config(const std::string& id) {
  return R"({"experiments": [{"id": ")" + id +
         R"(", "salt": "s", "arms": [{"name": "all", "share": 1, "mode": "chronological"}]}]})";
}

class ExperimentsProcess : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(config_path()) << one_arm_config("first"); }

  void start_server() {
    server_ =
        std::make_unique<ServerProcess>("127.0.0.1:0", scratch_.path() / "data", scratch_.path(),
                                        std::vector<std::string>{"--experiments", config_path()});
    const std::string address = server_->wait_until_listening();
    ASSERT_NE(address, "") << "feedrank-server did not start: " << server_->stderr_text();
    client_ = std::make_unique<TestClient>(address);
  }
  std::string config_path() const { return scratch_.sub("experiments.json"); }

  testing::TempDir scratch_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<TestClient> client_;
};

TEST_F(ExperimentsProcess, EveryAcknowledgedPageIsInTheImpressionLogAfterSigkill) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  ASSERT_THAT(client_->upsert_users({user(1), user(2), user(3)}).status, IsOk());
  ASSERT_THAT(client_->follow({edge(1, 3), edge(2, 3)}).status, IsOk());
  std::vector<v1::Post> posts;
  for (std::uint64_t id = 10; id < 40; ++id) posts.push_back(post(id, 3, 1000 + id));
  ASSERT_THAT(client_->create_posts(posts).status, IsOk());

  std::uint64_t acknowledged = 0;
  for (int call = 0; call < 40; ++call) {
    auto page = client_->get_feed(1 + call % 2, 1 + call % 7);
    ASSERT_THAT(page.status, IsOk());
    EXPECT_EQ(page.response.experiment(), "first");
    acknowledged += static_cast<std::uint64_t>(page.response.items_size());
  }
  server_->kill_hard();

  ASSERT_NO_FATAL_FAILURE(start_server());
  EXPECT_EQ(client_->stats().impressions(), acknowledged);
  v1::GetExperimentReportRequest request;
  request.set_experiment_id("first");
  auto report = client_->call(request);
  ASSERT_THAT(report.status, IsOk());
  ASSERT_EQ(report.response.arms_size(), 1);
  EXPECT_EQ(report.response.arms(0).impressions(), acknowledged);
  EXPECT_EQ(report.response.arms(0).pages(), 40u);
  EXPECT_EQ(report.response.arms(0).viewers(), 2u);
}

TEST_F(ExperimentsProcess, SighupReloadsTheConfigAndABadFileKeepsTheOldOne) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  ASSERT_THAT(client_->upsert_users({user(1)}).status, IsOk());
  auto experiment_now = [&] {
    auto page = client_->get_feed(1);
    EXPECT_THAT(page.status, IsOk());
    return page.response.experiment();
  };
  // The handler reloads on its own thread: poll for the change.
  auto wait_for = [&](const std::string& id) {
    for (int attempt = 0; attempt < 100 && experiment_now() != id; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return experiment_now();
  };
  EXPECT_EQ(experiment_now(), "first");

  std::ofstream(config_path(), std::ios::trunc) << one_arm_config("second");
  ASSERT_EQ(kill(server_->process().pid(), SIGHUP), 0);
  EXPECT_EQ(wait_for("second"), "second");

  std::ofstream(config_path(), std::ios::trunc) << "{\"experiments\": 3}";
  ASSERT_EQ(kill(server_->process().pid(), SIGHUP), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(experiment_now(), "second");
  const auto stopped = server_->stop(SIGTERM);
  ASSERT_TRUE(stopped.has_value());
  EXPECT_TRUE(stopped->exited && stopped->code == 0)
      << "exited " << stopped->exited << " code " << stopped->code << ": "
      << server_->stderr_text();
}

}  // namespace
}  // namespace feedrank::api_test
