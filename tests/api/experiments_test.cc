// Experiments over gRPC: assignment named in every response, the arm's variant served, forced
// arms, reloads while calls are in flight, interleaved pages, and the report's attribution.
#include <gmock/gmock.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <limits>
#include <set>
#include <thread>
#include <utility>

#include "ranker/experiments/arm_assignment.h"
#include "ranker/feed_cursor.h"
#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::uint64_t kAuthor = 100;
constexpr std::uint64_t kViewers = 40;

// Half the viewers in "ab" (a quarter per arm); "il" has ended, so only a forced arm reaches it.
constexpr char kConfig[] = R"({"experiments": [
  {"id": "ab", "salt": "s1", "attribution_window_hours": 1, "arms": [
    {"name": "chrono", "share": 0.25, "mode": "chronological"},
    {"name": "algo", "share": 0.25, "mode": "algorithmic",
     "ranking_config": {"version": "arm-algo-1"}}]},
  {"id": "il", "salt": "s2", "start_ms": 1, "end_ms": 2, "arms": [
    {"name": "team-draft", "share": 0.9, "mode": "interleaved"},
    {"name": "two-configs", "share": 0.1, "mode": "interleaved", "interleave": [
      {"mode": "algorithmic", "ranking_config": {"version": "recent",
                                                 "weights": {"recency": 5, "similarity": 0}}},
      {"mode": "algorithmic", "ranking_config": {"version": "old-first",
                                                 "weights": {"recency": -5, "similarity": 0}}}]}]}]})";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

class Experiments : public ApiTest {
 protected:
  void SetUp() override {
    write_file(config_path(), kConfig);
    ApiTest::SetUp();
    std::vector<v1::User> users{user(kAuthor)};
    std::vector<v1::FollowEdge> edges;
    for (std::uint64_t viewer = 1; viewer <= kViewers; ++viewer) {
      users.push_back(user(viewer));
      edges.push_back(edge(viewer, kAuthor));
    }
    ASSERT_THAT(client().upsert_users(users).status, IsOk());
    ASSERT_THAT(client().follow(edges).status, IsOk());
    std::vector<v1::Post> posts;
    const std::int64_t start = now_ms() - 3600 * 1000;
    for (std::uint64_t id = 1000; id < 1030; ++id) {
      posts.push_back(post(id, kAuthor, start + static_cast<std::int64_t>(id - 1000) * 1000));
    }
    ASSERT_THAT(client().create_posts(posts).status, IsOk());
  }

  void configure(api::ServerOptions& options) override { options.experiments_path = config_path(); }
  std::string config_path() const { return config_dir_.sub("experiments.json"); }

  Reply<v1::GetFeedResponse> feed(std::uint64_t viewer, v1::FeedMode mode, int limit = 5,
                                  const std::string& cursor = "",
                                  const std::string& experiment = "", const std::string& arm = "") {
    v1::GetFeedRequest request;
    request.set_user_id(viewer);
    request.set_mode(mode);
    request.set_limit(limit);
    request.set_cursor(cursor);
    request.set_force_experiment(experiment);
    request.set_force_arm(arm);
    return client().call(request);
  }

  testing::TempDir config_dir_;
};

TEST_F(Experiments, EveryResponseNamesItsArmAndTheArmDecidesTheMode) {
  std::set<std::string> arms;
  std::set<std::string> request_ids;
  int outside = 0;
  for (std::uint64_t viewer = 1; viewer <= kViewers; ++viewer) {
    auto reply = feed(viewer, v1::FEED_MODE_ALGORITHMIC);
    ASSERT_THAT(reply.status, IsOk());
    const v1::GetFeedResponse& page = reply.response;
    EXPECT_EQ(page.request_id().size(), 16u);
    request_ids.insert(page.request_id());
    if (page.experiment().empty()) {
      // In no experiment: the mode asked for, on the server's ranking config.
      ++outside;
      EXPECT_EQ(page.arm(), "");
      EXPECT_EQ(page.mode(), v1::FEED_MODE_ALGORITHMIC);
      EXPECT_EQ(page.ranking_config_version(), "default-2");
      continue;
    }
    EXPECT_EQ(page.experiment(), "ab");
    arms.insert(page.arm());
    if (page.arm() == "chrono") {
      EXPECT_EQ(page.mode(), v1::FEED_MODE_CHRONOLOGICAL);
      EXPECT_EQ(page.ranking_config_version(), "");
    } else {
      EXPECT_EQ(page.arm(), "algo");
      EXPECT_EQ(page.mode(), v1::FEED_MODE_ALGORITHMIC);
      EXPECT_EQ(page.ranking_config_version(), "arm-algo-1");
    }
    // Assignment is stable: the same viewer gets the same arm again.
    auto again = feed(viewer, v1::FEED_MODE_CHRONOLOGICAL);
    ASSERT_THAT(again.status, IsOk());
    EXPECT_EQ(again.response.arm(), page.arm());
    request_ids.insert(again.response.request_id());
  }
  EXPECT_EQ(arms, (std::set<std::string>{"chrono", "algo"}));
  EXPECT_GT(outside, 0);
  EXPECT_EQ(request_ids.size(), kViewers + (kViewers - outside));
}

TEST_F(Experiments, AForcedArmIsServedAndAnUnknownOneIsRefusedNamingTheField) {
  for (std::uint64_t viewer = 1; viewer <= 6; ++viewer) {
    auto reply = feed(viewer, v1::FEED_MODE_CHRONOLOGICAL, 5, "", "ab", "algo");
    ASSERT_THAT(reply.status, IsOk());
    EXPECT_EQ(reply.response.arm(), "algo");
    EXPECT_EQ(reply.response.mode(), v1::FEED_MODE_ALGORITHMIC);
  }
  auto unknown_arm = feed(1, v1::FEED_MODE_CHRONOLOGICAL, 5, "", "ab", "nope");
  EXPECT_EQ(unknown_arm.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(unknown_arm.status.error_message(), StartsWith("force_arm"));
  auto unknown_experiment = feed(1, v1::FEED_MODE_CHRONOLOGICAL, 5, "", "zz", "algo");
  EXPECT_EQ(unknown_experiment.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(unknown_experiment.status.error_message(), StartsWith("force_experiment"));
  auto half = feed(1, v1::FEED_MODE_CHRONOLOGICAL, 5, "", "ab", "");
  EXPECT_EQ(half.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(half.status.error_message(), StartsWith("force_arm"));
  // Longer than any experiment id or arm name: refused, not quoted whole in a NOT_FOUND.
  auto long_experiment = feed(1, v1::FEED_MODE_CHRONOLOGICAL, 5, "", std::string(9000, 'x'), "a");
  EXPECT_EQ(long_experiment.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(long_experiment.status.error_message(), StartsWith("force_experiment: too long"));
  auto long_arm = feed(1, v1::FEED_MODE_CHRONOLOGICAL, 5, "", "ab", std::string(65, 'a'));
  EXPECT_EQ(long_arm.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(long_arm.status.error_message(), StartsWith("force_arm: too long"));
}

TEST_F(Experiments, InterleavedPagesCreditEveryItemAndNeverRepeat) {
  std::vector<std::uint64_t> seen;
  std::string cursor;
  int team_a = 0;
  int team_b = 0;
  std::int64_t last_team_a_time = std::numeric_limits<std::int64_t>::max();
  do {
    auto reply = feed(1, v1::FEED_MODE_CHRONOLOGICAL, 4, cursor, "il", "team-draft");
    ASSERT_THAT(reply.status, IsOk());
    EXPECT_EQ(reply.response.mode(), v1::FEED_MODE_INTERLEAVED);
    for (const v1::FeedItem& item : reply.response.items()) {
      seen.push_back(item.post_id());
      ASSERT_NE(item.team(), v1::INTERLEAVING_TEAM_UNSPECIFIED);
      if (item.team() == v1::INTERLEAVING_TEAM_A) {
        ++team_a;
        // Team A is the chronological list: its picks come newest first.
        EXPECT_LT(item.created_at_ms(), last_team_a_time);
        last_team_a_time = item.created_at_ms();
      } else {
        ++team_b;
      }
    }
    cursor = reply.response.next_cursor();
  } while (!cursor.empty());
  EXPECT_EQ(std::set<std::uint64_t>(seen.begin(), seen.end()).size(), seen.size()) << "repeats";
  EXPECT_GT(team_a, 0);
  EXPECT_GT(team_b, 0);
  EXPECT_EQ(seen.size(), 30u) << "both lists hold the author's 30 posts here";
}

TEST_F(Experiments, TwoRankingConfigsInterleaveEachItemExplainedByItsOwnTeamsConfig) {
  v1::GetFeedRequest request;
  request.set_user_id(2);
  request.set_limit(10);
  request.set_explain(true);
  request.set_force_experiment("il");
  request.set_force_arm("two-configs");
  auto reply = client().call(request);
  ASSERT_THAT(reply.status, IsOk());
  const v1::GetFeedResponse& page = reply.response;
  EXPECT_EQ(page.mode(), v1::FEED_MODE_INTERLEAVED);
  EXPECT_EQ(page.ranking_config_version(), "team A: recent, team B: old-first");
  ASSERT_EQ(page.items_size(), 10);
  // Team A's config favours new posts and team B's old ones: the first pick of each shows it,
  // and each item's recency term carries its own team's weight (+5 or -5).
  std::int64_t first_a = 0;
  std::int64_t first_b = 0;
  for (const v1::FeedItem& item : page.items()) {
    const bool a = item.team() == v1::INTERLEAVING_TEAM_A;
    if (a && first_a == 0) first_a = item.created_at_ms();
    if (!a && first_b == 0) first_b = item.created_at_ms();
    int recency_terms = 0;
    for (const v1::ScoreTerm& term : item.explanation()) {
      if (term.name() != "recency") continue;
      ++recency_terms;
      EXPECT_NEAR(term.contribution(), (a ? 5 : -5) * term.value(), 1e-6) << item.post_id();
    }
    EXPECT_EQ(recency_terms, 1) << item.post_id();
  }
  ASSERT_NE(first_a, 0);
  ASSERT_NE(first_b, 0);
  EXPECT_GT(first_a, first_b);
}

TEST_F(Experiments, AReloadTakesEffectWithoutFailingCallsInFlightAndABadFileChangesNothing) {
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int> calls{0};
  std::thread reader([&] {
    while (!stop) {
      auto reply = feed(1 + calls % kViewers, v1::FEED_MODE_ALGORITHMIC);
      if (!reply.status.ok()) ++failures;
      ++calls;
    }
  });
  for (int round = 0; round < 10; ++round) {
    const std::string id = "round" + std::to_string(round);
    write_file(config_path(), R"({"experiments": [{"id": ")" + id +
                                  R"(", "salt": "x", "arms": [{"name": "all", "share": 1,
                                  "mode": "chronological"}]}]})");
    auto reloaded = client().call(v1::ReloadExperimentsRequest());
    ASSERT_THAT(reloaded.status, IsOk());
    ASSERT_EQ(reloaded.response.experiments_size(), 1);
    EXPECT_EQ(reloaded.response.experiments(0), id);
    auto after = feed(3, v1::FEED_MODE_ALGORITHMIC);
    ASSERT_THAT(after.status, IsOk());
    EXPECT_EQ(after.response.experiment(), id);
    EXPECT_EQ(after.response.mode(), v1::FEED_MODE_CHRONOLOGICAL);
  }
  stop = true;
  reader.join();
  EXPECT_EQ(failures, 0) << "of " << calls << " calls during the reloads";
  EXPECT_GT(calls, 0);

  write_file(config_path(), R"({"experiments": [{"id": "bad", "salt": "x", "arms": [
      {"name": "a", "share": 1.5, "mode": "chronological"}]}]})");
  auto refused = client().call(v1::ReloadExperimentsRequest());
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.status.error_message(), HasSubstr("experiments[0].arms[0].share"));
  const auto stats = client().stats();
  ASSERT_EQ(stats.experiments_size(), 1);
  EXPECT_EQ(stats.experiments(0), "round9");
}

// Everyone in "first" (algorithmic) unless an experiment listed before it takes them.
std::string config_taking_everyone(const std::string& before_first) {
  return R"({"experiments": [)" + before_first +
         R"({"id": "first", "salt": "f", "arms": [
             {"name": "algo", "share": 1, "mode": "algorithmic"}]}]})";
}

TEST_F(Experiments, ALaterPageContinuesTheArmOfItsFirstPageWhateverTheAssignmentSaysNow) {
  write_file(config_path(), config_taking_everyone(""));
  ASSERT_THAT(client().call(v1::ReloadExperimentsRequest()).status, IsOk());
  auto first = feed(1, v1::FEED_MODE_CHRONOLOGICAL, 5);
  ASSERT_THAT(first.status, IsOk());
  ASSERT_EQ(first.response.arm(), "algo");
  ASSERT_FALSE(first.response.next_cursor().empty());

  // A reload puts the viewer in another experiment of the same mode: the second page comes from
  // the first page's list, so it is named, and logged, under the first page's arm.
  write_file(config_path(), config_taking_everyone(R"({"id": "second", "salt": "s", "arms": [
                 {"name": "other-algo", "share": 1, "mode": "algorithmic"}]},)"));
  ASSERT_THAT(client().call(v1::ReloadExperimentsRequest()).status, IsOk());
  auto second = feed(1, v1::FEED_MODE_CHRONOLOGICAL, 5, first.response.next_cursor());
  ASSERT_THAT(second.status, IsOk());
  EXPECT_EQ(second.response.experiment(), "first");
  EXPECT_EQ(second.response.arm(), "algo");
  EXPECT_EQ(second.response.mode(), v1::FEED_MODE_ALGORITHMIC);

  // Now into a chronological one: the algorithmic feed still continues.
  write_file(config_path(), config_taking_everyone(R"({"id": "third", "salt": "t", "arms": [
                 {"name": "chrono", "share": 1, "mode": "chronological"}]},)"));
  ASSERT_THAT(client().call(v1::ReloadExperimentsRequest()).status, IsOk());
  auto third = feed(1, v1::FEED_MODE_CHRONOLOGICAL, 5, second.response.next_cursor());
  ASSERT_THAT(third.status, IsOk());
  EXPECT_EQ(third.response.experiment(), "first");
  EXPECT_EQ(third.response.arm(), "algo");
  std::set<std::uint64_t> seen;
  for (const auto* page : {&first, &second, &third}) {
    for (const v1::FeedItem& item : page->response.items()) {
      EXPECT_TRUE(seen.insert(item.post_id()).second) << "repeated " << item.post_id();
    }
  }
  v1::GetExperimentReportRequest request;
  request.set_experiment_id("first");
  auto report = client().call(request);
  ASSERT_THAT(report.status, IsOk());
  ASSERT_EQ(report.response.arms_size(), 1);
  EXPECT_EQ(report.response.arms(0).pages(), 3u);
  EXPECT_EQ(report.response.arms(0).impressions(), seen.size());
  request.set_experiment_id("second");
  EXPECT_EQ(client().call(request).status.error_code(), grpc::StatusCode::NOT_FOUND)
      << "nothing was served under \"second\"";

  // Once the first page's arm is gone from the config, the feed starts again from its first page.
  write_file(config_path(), R"({"experiments": []})");
  ASSERT_THAT(client().call(v1::ReloadExperimentsRequest()).status, IsOk());
  auto gone = feed(1, v1::FEED_MODE_CHRONOLOGICAL, 5, third.response.next_cursor());
  EXPECT_EQ(gone.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(gone.status.error_message(), StartsWith("cursor"));
}

// The cursor's checksum is no signature: a chronological feed's cursor edited to name an
// algorithmic or interleaved arm would have its pages logged, and credited in reports, to that
// arm. A chronological page keeps no ranked list for the engine to check the arm against.
TEST_F(Experiments, AChronologicalCursorEditedToNameAnArmOfAnotherModeIsRefused) {
  auto first = feed(1, v1::FEED_MODE_CHRONOLOGICAL, 5, "", "ab", "chrono");
  ASSERT_THAT(first.status, IsOk());
  ASSERT_EQ(first.response.mode(), v1::FEED_MODE_CHRONOLOGICAL);
  ASSERT_FALSE(first.response.next_cursor().empty());
  const std::pair<const char*, const char*> other_modes[] = {{"ab", "algo"},
                                                             {"il", "team-draft"}};
  for (const auto& [experiment, arm] : other_modes) {
    auto cursor = ranker::decode_cursor(first.response.next_cursor());
    ASSERT_TRUE(cursor.ok()) << cursor.status();
    cursor->arm_tag = ranker::arm_tag(experiment, arm);  // the checksum is recomputed
    auto forged = feed(1, v1::FEED_MODE_CHRONOLOGICAL, 5, ranker::encode_cursor(*cursor));
    EXPECT_THAT(forged.status,
                StatusIs(grpc::StatusCode::FAILED_PRECONDITION, StartsWith("cursor")))
        << experiment << "/" << arm;
  }
  v1::GetExperimentReportRequest report;
  report.set_experiment_id("ab");
  auto logged = client().call(report);
  ASSERT_THAT(logged.status, IsOk());
  for (const auto& arm : logged.response.arms()) {
    EXPECT_EQ(arm.pages(), arm.arm() == "chrono" ? 1u : 0u) << arm.arm();
  }

  auto second = feed(1, v1::FEED_MODE_CHRONOLOGICAL, 5, first.response.next_cursor());
  ASSERT_THAT(second.status, IsOk()) << "the cursor as issued";
  EXPECT_EQ(second.response.arm(), "chrono");
}

TEST_F(Experiments, ALaterPageOfAFeedBegunOutsideEveryExperimentStaysOutside) {
  write_file(config_path(), R"({"experiments": []})");
  ASSERT_THAT(client().call(v1::ReloadExperimentsRequest()).status, IsOk());
  auto first = feed(1, v1::FEED_MODE_ALGORITHMIC, 5);
  ASSERT_THAT(first.status, IsOk());
  ASSERT_EQ(first.response.experiment(), "");
  ASSERT_FALSE(first.response.next_cursor().empty());
  write_file(config_path(), config_taking_everyone(""));
  ASSERT_THAT(client().call(v1::ReloadExperimentsRequest()).status, IsOk());
  auto second = feed(1, v1::FEED_MODE_ALGORITHMIC, 5, first.response.next_cursor());
  ASSERT_THAT(second.status, IsOk());
  EXPECT_EQ(second.response.experiment(), "");
  EXPECT_EQ(second.response.arm(), "");
  v1::GetExperimentReportRequest request;
  request.set_experiment_id("first");
  EXPECT_EQ(client().call(request).status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(Experiments, TheReportCreditsEngagementsToWhatWasShownAndCountsTheRestApart) {
  const std::uint64_t viewer = 7;
  auto page = feed(viewer, v1::FEED_MODE_CHRONOLOGICAL, 5, "", "ab", "chrono");
  ASSERT_THAT(page.status, IsOk());
  ASSERT_EQ(page.response.items_size(), 5);
  const std::uint64_t shown = page.response.items(2).post_id();  // position 3 (1-based)
  std::uint64_t not_shown = 0;
  for (std::uint64_t id = 1000; id < 1030; ++id) {
    bool on_page = false;
    for (const auto& item : page.response.items()) on_page |= item.post_id() == id;
    if (!on_page) not_shown = id;
  }
  const std::int64_t later = now_ms() + 1000;
  ASSERT_THAT(
      client()
          .record_engagements({engagement(viewer, shown, v1::ENGAGEMENT_KIND_LIKE, later),
                               engagement(viewer, not_shown, v1::ENGAGEMENT_KIND_LIKE, later)})
          .status,
      IsOk());

  v1::GetExperimentReportRequest request;
  request.set_experiment_id("ab");
  auto report = client().call(request);
  ASSERT_THAT(report.status, IsOk());
  EXPECT_EQ(report.response.attribution_window_ms(), 3600 * 1000);
  EXPECT_EQ(report.response.attributed_engagements(), 1u);
  EXPECT_EQ(report.response.unattributed_engagements(), 1u);
  ASSERT_GE(report.response.arms_size(), 1);
  const v1::ArmReport& chrono = report.response.arms(0);
  EXPECT_EQ(chrono.arm(), "chrono");
  EXPECT_EQ(chrono.variant(), "chronological");
  EXPECT_EQ(chrono.viewers(), 1u);
  EXPECT_EQ(chrono.impressions(), 5u);
  EXPECT_EQ(chrono.likes(), 1u);
  EXPECT_EQ(chrono.unattributed(), 1u);
  int checked = 0;
  for (const v1::ArmMetric& metric : chrono.metrics()) {
    if (metric.name() == "engaged_position") {
      EXPECT_DOUBLE_EQ(metric.estimate().value(), 3.0);
      ++checked;
    }
    if (metric.name() == "like_rate") {
      EXPECT_DOUBLE_EQ(metric.estimate().value(), 0.2);
      ++checked;
    }
    if (metric.name() == "in_network_share") {
      EXPECT_DOUBLE_EQ(metric.estimate().value(), 1.0);  // every item is the followed author's
      ++checked;
    }
  }
  EXPECT_EQ(checked, 3);
  EXPECT_FALSE(report.response.method().empty());

  request.set_experiment_id("nothing-logged");
  EXPECT_EQ(client().call(request).status.error_code(), grpc::StatusCode::NOT_FOUND);
  request.set_experiment_id("");
  auto empty = client().call(request);
  EXPECT_EQ(empty.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(empty.status.error_message(), StartsWith("experiment_id"));
  // Longer than any experiment's id (or the log's key) can be: the request's own field is named.
  for (std::size_t length : {65, 300}) {
    request.set_experiment_id(std::string(length, 'x'));
    auto too_long = client().call(request);
    EXPECT_EQ(too_long.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << length;
    EXPECT_THAT(too_long.status.error_message(), StartsWith("experiment_id: ")) << length;
  }
}

TEST_F(Experiments, StatsCountEveryItemServed) {
  std::uint64_t served = 0;
  for (std::uint64_t viewer = 1; viewer <= 10; ++viewer) {
    auto reply = feed(viewer, v1::FEED_MODE_CHRONOLOGICAL, 3);
    ASSERT_THAT(reply.status, IsOk());
    served += static_cast<std::uint64_t>(reply.response.items_size());
  }
  EXPECT_EQ(client().stats().impressions(), served);
}

}  // namespace
}  // namespace feedrank::api_test
