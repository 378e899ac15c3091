// `feedrank train` and the learned parts of `feedrank stats`: the printers alone, and the
// commands against a real server over gRPC (in process, learned and text spaces).
#include <gmock/gmock.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/server.h"
#include "ranker/wall_clock.h"
#include "tests/api/status_matchers.h"
#include "tests/api/test_client.h"
#include "tests/api/test_records.h"
#include "tests/support/temp_dir.h"
#include "tools/cli/commands.h"
#include "tools/cli/learned_printer.h"

namespace feedrank::cli {
namespace {

using ::feedrank::api_test::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

v1::LearnedModelInfo sample_model() {
  v1::LearnedModelInfo model;
  model.set_version(2);
  model.set_trained_at_ms(1704067200000);  // 2024-01-01T00:00:00Z
  model.set_trained_through(812);
  model.set_users(40);
  model.set_posts(236);
  model.set_engagement_pairs(320);
  model.set_iterations(15);
  model.set_converged(true);
  model.set_final_loss(0.0125);
  model.set_train_seconds(0.42);
  model.set_backend("cpu (cblas)");
  return model;
}

TEST(LearnedPrinter, SummarisesTheModelOnOneLine) {
  EXPECT_EQ(model_summary(sample_model()),
            "v2: 40 users, 236 posts, 320 engagement pairs; 15 iterations, converged, loss "
            "0.0125; 0.4 s on cpu (cblas); trained at 2024-01-01T00:00:00Z through sequence 812");
}

TEST(LearnedPrinter, ProgressLinesShowTheIterationWhileTrainingElseThePhase) {
  v1::TrainingProgress training;
  training.set_running(true);
  training.set_phase("training");
  training.set_iteration(3);
  training.set_max_iterations(15);
  training.set_loss(0.0123);
  EXPECT_EQ(progress_line(training), "iteration 3/15 loss 0.0123");
  EXPECT_EQ(training_summary(training),
            "running (training, iteration 3/15, loss 0.0123); 0 finished since start");
  training.set_loss(std::numeric_limits<double>::quiet_NaN());  // no loss computed
  EXPECT_EQ(progress_line(training), "iteration 3/15 loss -");
  training.set_phase("indexing");
  EXPECT_EQ(progress_line(training), "indexing");
  training.set_running(false);
  training.set_phase("done");
  training.set_finished(2);
  EXPECT_EQ(training_summary(training), "idle (last: done); 2 finished since start");
  EXPECT_EQ(training_summary(v1::TrainingProgress()), "none since start");
}

TEST(LearnedPrinter, JsonHasTheModelOrNull) {
  v1::LearnedSpaceStatus learned;
  learned.set_index("cpu-exact");
  learned.set_training_backend("cpu (cblas)");
  EXPECT_TRUE(learned_json(learned)["model"].is_null());
  *learned.mutable_model() = sample_model();
  learned.set_index_lag(3);
  const nlohmann::ordered_json json = learned_json(learned);
  EXPECT_EQ(json["model"]["version"], 2);
  EXPECT_EQ(json["model"]["engagement_pairs"], 320);
  EXPECT_EQ(json["index_lag"], 3);
  EXPECT_EQ(json["training"]["finished"], 0);
  EXPECT_EQ(json["training_backend"], "cpu (cblas)");
}

// Runs `feedrank ARGS` as main() would; what it printed in `out` and `err`.
int run_cli(const std::string& args, std::string& out, std::string& err) {
  CLI::App app;
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  app.add_option("--server", global.server);
  const std::vector<Subcommand> commands = {add_train_command(app, global),
                                            add_stats_command(app, global)};
  app.parse(args, /*program_name_included=*/false);
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int status = 1;
  for (const Subcommand& command : commands) {
    if (command.app->parsed()) status = command.run();
  }
  out = ::testing::internal::GetCapturedStdout();
  err = ::testing::internal::GetCapturedStderr();
  return status;
}

class TrainCommand : public ::testing::Test {
 protected:
  void start(ranker::VectorSpace space) {
    api::ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = data_dir_.path().string();
    options.embedding_dimension = 32;
    options.algorithmic.vector_space = space;
    options.algorithmic.train_at_start = false;
    auto server = api::FeedServer::start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  // Users 1..6 like five posts each of 30, within the last hour (as a live server's data).
  void write_world() {
    const std::int64_t start = ranker::wall_clock_ms() - 3'600'000;
    api_test::TestClient client(server_->address());
    std::vector<v1::User> users;
    std::vector<v1::Post> posts;
    std::vector<v1::Engagement> likes;
    for (std::uint64_t id = 1; id <= 6; ++id) users.push_back(api_test::user(id));
    for (std::uint64_t id = 1; id <= 30; ++id) {
      posts.push_back(api_test::post(id, id % 6 + 1, start + static_cast<std::int64_t>(id)));
    }
    for (std::uint64_t u = 1; u <= 6; ++u) {
      for (std::uint64_t i = 0; i < 5; ++i) {
        likes.push_back(
            api_test::engagement(u, (u % 2) + 2 * i + 1, v1::ENGAGEMENT_KIND_LIKE, start + 1000));
      }
    }
    ASSERT_THAT(client.upsert_users(users).status, IsOk());
    ASSERT_THAT(client.create_posts(posts).status, IsOk());
    ASSERT_THAT(client.record_engagements(likes).status, IsOk());
  }

  std::string server_flag() const { return " --server " + server_->address(); }

  testing::TempDir data_dir_;
  std::unique_ptr<api::FeedServer> server_;
};

TEST_F(TrainCommand, WaitPrintsTheNewModelAndStatsShowIt) {
  start(ranker::VectorSpace::kLearned);
  write_world();
  std::string out, err;
  ASSERT_EQ(run_cli("train --wait" + server_flag(), out, err), 0) << err;
  EXPECT_THAT(out, HasSubstr("model v1: 6 users"));

  ASSERT_EQ(run_cli("stats" + server_flag(), out, err), 0) << err;
  EXPECT_THAT(out, HasSubstr("vector space: learned\n"));
  EXPECT_THAT(out, HasSubstr("learned model: v1: 6 users"));
  EXPECT_THAT(out, HasSubstr("learned index: "));
  EXPECT_THAT(out, HasSubstr("training: idle (last: done); 1 finished since start; on "));

  ASSERT_EQ(run_cli("stats --json" + server_flag(), out, err), 0) << err;
  const auto json = nlohmann::json::parse(out);
  EXPECT_EQ(json["vector_space"], "learned");
  EXPECT_EQ(json["learned"]["model"]["version"], 1);
  EXPECT_EQ(json["learned"]["training"]["finished"], 1);

  // Without --wait: says it started, and which model serves meanwhile.
  ASSERT_EQ(run_cli("train" + server_flag(), out, err), 0) << err;
  EXPECT_THAT(out, HasSubstr("training started; model v1 serves until it ends"));
}

TEST_F(TrainCommand, TheTextSpaceRefusesWithTheServersReason) {
  start(ranker::VectorSpace::kText);
  std::string out, err;
  EXPECT_EQ(run_cli("train --wait" + server_flag(), out, err), 1);
  EXPECT_THAT(err, HasSubstr("error: FAILED_PRECONDITION: the vector space is text"));
  ASSERT_EQ(run_cli("stats" + server_flag(), out, err), 0) << err;
  EXPECT_THAT(out, HasSubstr("vector space: text\n"));
  EXPECT_THAT(out, Not(HasSubstr("learned model")));
}

// Not training, but the same server and world: stats say how far the user-vector checkpoints
// reach (none saved yet at 60 records, below the 100,000 between checkpoints).
TEST_F(TrainCommand, StatsSayHowFarTheCheckpointsReach) {
  start(ranker::VectorSpace::kText);
  write_world();  // 30 posts and 30 engagements: records 1..60
  std::string out, err;
  ASSERT_EQ(run_cli("stats" + server_flag(), out, err), 0) << err;
  EXPECT_THAT(out, HasSubstr("user-vector checkpoints: through record 0 of 60 (60 to replay at a "
                             "start); 0 saved, 0 failed since start\n"));
  ASSERT_EQ(run_cli("stats --json" + server_flag(), out, err), 0) << err;
  const auto json = nlohmann::json::parse(out);
  EXPECT_EQ(json["checkpoints"]["through_record"], 0);
  EXPECT_EQ(json["checkpoints"]["last_record"], 60);
  EXPECT_EQ(json["checkpoints"]["failed"], 0);
  EXPECT_EQ(json["checkpoints"]["last_error"], "");
}

}  // namespace
}  // namespace feedrank::cli
