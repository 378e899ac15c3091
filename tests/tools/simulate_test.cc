// The traffic simulator: its world model alone (deterministic, position-biased), and whole
// simulations against a real server in process, where an A/B experiment must find the difference
// the model builds in and an A/A experiment must find none.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <numeric>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "api/server.h"
#include "tests/support/temp_dir.h"
#include "tools/cli/report_format.h"
#include "tools/simulate/engagement_model.h"
#include "tools/simulate/simulation.h"
#include "tools/simulate/simulation_summary.h"
#include "tools/simulate/world.h"

namespace feedrank::simulate {
namespace {

constexpr std::int64_t kStartMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

WorldOptions small_world(std::uint64_t seed) {
  return {.viewers = 600,
          .authors = 60,
          .topics = 8,
          .follows_per_viewer = 20,
          .history_days = 7,
          .posts_per_author_per_day = 2,
          .history_likes_per_viewer = 5,
          .seed = seed,
          .start_ms = kStartMs};
}

World make_world(const WorldOptions& options) {
  auto world = World::create(options);
  EXPECT_TRUE(world.ok()) << world.status();
  return std::move(*world);
}

// The likes every viewer gives the same page of the world's first posts, in round `round`.
std::vector<std::vector<std::uint64_t>> liked_pages(const World& world, std::uint64_t round) {
  std::vector<std::uint64_t> page;
  for (std::size_t i = 0; i < 20; ++i) page.push_back(world.posts()[i].id);
  LikedPosts liked(world.options().viewers);
  std::vector<std::vector<std::uint64_t>> pages;
  for (std::size_t viewer = 0; viewer < world.options().viewers; ++viewer) {
    auto random =
        SimulationRandom::stream(world.options().seed, RandomPurpose::kFeedLikes, round, viewer);
    std::vector<std::uint64_t> posts;
    for (const SimulatedLike& like : like_page(world, {}, viewer, page, kStartMs, liked, random)) {
      posts.push_back(like.post_id);
    }
    pages.push_back(std::move(posts));
  }
  return pages;
}

// Everything a world holds, as comparable values.
struct WorldFacts {
  std::vector<double> tastes;
  std::vector<std::uint32_t> followees;
  std::vector<std::tuple<std::uint64_t, std::uint32_t, std::int64_t, std::string>> posts;
  std::vector<std::tuple<std::uint64_t, std::uint64_t, std::int64_t>> history_likes;
  std::vector<std::vector<std::uint64_t>> liked_pages;
  bool operator==(const WorldFacts&) const = default;
};

WorldFacts facts(World world) {
  WorldFacts facts;
  for (std::size_t viewer = 0; viewer < world.options().viewers; ++viewer) {
    const auto taste = world.taste(viewer);
    facts.tastes.insert(facts.tastes.end(), taste.begin(), taste.end());
    const auto followees = world.followees(viewer);
    facts.followees.insert(facts.followees.end(), followees.begin(), followees.end());
  }
  world.publish(kStartMs, kStartMs + 4 * kHourMs, 0);
  for (const SimulatedPost& post : world.posts()) {
    facts.posts.emplace_back(post.id, post.topic, post.created_at_ms, post.text);
  }
  for (const SimulatedLike& like : world.history_likes()) {
    facts.history_likes.emplace_back(like.viewer_id, like.post_id, like.at_ms);
  }
  facts.liked_pages = liked_pages(world, 0);
  return facts;
}

TEST(SimulationWorld, SameSeedGivesTheSameTastesFollowsPostsAndDecisions) {
  const WorldFacts first = facts(make_world(small_world(7)));
  EXPECT_FALSE(first.posts.empty());
  EXPECT_FALSE(first.history_likes.empty());
  EXPECT_TRUE(first == facts(make_world(small_world(7))));
}

TEST(SimulationWorld, DifferentSeedGivesADifferentWorld) {
  const WorldFacts first = facts(make_world(small_world(7)));
  const WorldFacts second = facts(make_world(small_world(8)));
  EXPECT_NE(first.tastes, second.tastes);
  EXPECT_NE(first.followees, second.followees);
  EXPECT_NE(first.posts, second.posts);
  EXPECT_NE(first.liked_pages, second.liked_pages);
}

TEST(SimulationWorld, TastesAreConcentratedOnOneOrTwoTopics) {
  const World world = make_world(small_world(1));
  for (std::size_t viewer = 0; viewer < world.options().viewers; ++viewer) {
    std::vector<double> taste(world.taste(viewer).begin(), world.taste(viewer).end());
    EXPECT_NEAR(std::accumulate(taste.begin(), taste.end(), 0.0), 1.0, 1e-12);
    std::sort(taste.rbegin(), taste.rend());
    EXPECT_GE(taste[0] + taste[1], 0.9);
    EXPECT_GE(taste[0], 0.7);
  }
}

// Follows are not chosen by taste: about 1/T of them are on the viewer's favourite topic, so the
// chronological feed is mostly off-taste.
TEST(SimulationWorld, FollowsIgnoreTaste) {
  const World world = make_world(small_world(1));
  std::size_t on_favourite = 0;
  std::size_t follows = 0;
  for (std::size_t viewer = 0; viewer < world.options().viewers; ++viewer) {
    const auto taste = world.taste(viewer);
    const auto favourite = std::max_element(taste.begin(), taste.end()) - taste.begin();
    const auto followees = world.followees(viewer);
    EXPECT_TRUE(std::adjacent_find(followees.begin(), followees.end()) == followees.end())
        << "a repeated followee";
    for (const std::uint32_t author : followees) {
      ++follows;
      if (world.author_topic(author) == static_cast<std::uint32_t>(favourite)) ++on_favourite;
    }
  }
  const double share = static_cast<double>(on_favourite) / static_cast<double>(follows);
  EXPECT_NEAR(share, 1.0 / world.options().topics, 0.02);
}

TEST(SimulationWorld, KnowsTheTopicOfItsOwnPostsOnly) {
  const World world = make_world(small_world(1));
  const SimulatedPost& post = world.posts().back();
  EXPECT_EQ(world.topic_of(post.id), post.topic);
  EXPECT_EQ(world.topic_of(post.id + 1), std::nullopt);
  EXPECT_EQ(world.topic_of(world.options().id_base - 1), std::nullopt);
}

TEST(SimulationWorld, RejectsOptionsThatCannotMakeAWorldNamingTheFlag) {
  WorldOptions options = small_world(1);
  options.follows_per_viewer = 61;
  EXPECT_EQ(World::create(options).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(World::create(options).status().message().find("--follows-per-viewer"),
            std::string_view::npos);
  options = small_world(1);
  options.topics = 1;
  EXPECT_NE(World::create(options).status().message().find("--topics"), std::string_view::npos);
}

// Sizes that would overflow the arithmetic or run away are refused before anything is allocated
// (a world of 2^62 viewers cannot even be reserved), naming the flag.
TEST(SimulationWorld, RejectsSizesBeyondTheBoundsNamingTheFlag) {
  const auto refused_naming = [](const WorldOptions& options, const std::string& flag) {
    const auto world = World::create(options);
    EXPECT_EQ(world.status().code(), absl::StatusCode::kInvalidArgument) << flag;
    EXPECT_NE(world.status().message().find(flag), std::string_view::npos) << world.status();
  };
  WorldOptions options = small_world(1);
  options.history_days = 4'294'967'294;  // + 2 wraps to 0 in 32 bits
  refused_naming(options, "--history-days");
  options = small_world(1);
  options.history_days = kMaxHistoryDays + 1;
  refused_naming(options, "--history-days");
  options = small_world(1);
  options.viewers = 1ULL << 62;
  refused_naming(options, "--viewers");
  options = small_world(1);
  options.authors = 1ULL << 62;
  refused_naming(options, "--authors");
  options = small_world(1);
  options.authors = kMaxAuthors;
  options.posts_per_author_per_day = 1000;  // 7 days: 7e11 posts
  refused_naming(options, "--posts-per-author-per-day");
  options = small_world(1);
  options.history_likes_per_viewer = 4'000'000'000;
  refused_naming(options, "--history-likes");
  // The bounds themselves are allowed (checked without building: too large for a test).
  options = small_world(1);
  options.history_days = kMaxHistoryDays;
  options.posts_per_author_per_day = 0.01;  // 60 authors x 365 posts
  options.start_ms = (kMaxHistoryDays + 2LL) * kDayMs + 1;
  EXPECT_TRUE(validate_world_options(options).ok()) << validate_world_options(options);
  options.start_ms = (kMaxHistoryDays + 2LL) * kDayMs;
  EXPECT_NE(validate_world_options(options).message().find("--start-ms"), std::string_view::npos);
}

// The rounds' posts count with the history's: too many is refused before anything is sent.
TEST(Simulation, RefusesMorePostsThanTheBoundNamingTheFlags) {
  SimulationOptions options;
  options.server = "127.0.0.1:1";
  options.world = small_world(1);
  options.world.authors = 100'000;
  options.world.posts_per_author_per_day = 100;  // 7 history days: 7e7 posts, within the bound
  options.rounds = 10;
  options.round_hours = 24;  // 10 more days: 1.7e8 in all
  const auto result = run_simulation(options, kStartMs + 365 * kDayMs);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("--rounds x --round-hours"), std::string_view::npos)
      << result.status();
}

// Checked before anything is sent: no server is needed to see it refused.
TEST(Simulation, RefusesRoundsThatWouldRunAheadOfNow) {
  SimulationOptions options;
  options.server = "127.0.0.1:1";
  options.world = small_world(1);
  options.rounds = 3;
  options.round_hours = 4;
  const auto result = run_simulation(options, kStartMs + 11 * kHourMs);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("--start-ms"), std::string_view::npos)
      << result.status();
}

TEST(EngagementModel, ProbabilityFallsWithPosition) {
  const EngagementModel model;  // base 0.5, bias 1
  for (std::size_t position = 0; position + 1 < 20; ++position) {
    EXPECT_GT(engagement_probability(model, 0.7, position),
              engagement_probability(model, 0.7, position + 1));
  }
  EXPECT_DOUBLE_EQ(engagement_probability(model, 0.7, 0), 0.35);
  EXPECT_DOUBLE_EQ(engagement_probability(model, 0.7, 3), 0.35 / 4);
  EXPECT_DOUBLE_EQ(engagement_probability({.position_bias = 0}, 0.7, 9), 0.35);
  EXPECT_DOUBLE_EQ(engagement_probability({.base = 5}, 0.7, 0), 1.0);
}

// Over many viewers shown the same page, the top item gets more likes than the tenth.
TEST(EngagementModel, LikesFallWithPositionOnAPage) {
  const World world = make_world(small_world(1));
  std::vector<std::uint64_t> page;
  for (std::size_t i = 0; i < 10; ++i) page.push_back(world.posts()[i].id);
  std::vector<std::size_t> likes_at(page.size(), 0);
  for (const auto& liked : liked_pages(world, 0)) {
    for (const std::uint64_t post : liked) {
      ++likes_at[std::find(page.begin(), page.end(), post) - page.begin()];
    }
  }
  EXPECT_GT(likes_at[0], 2 * likes_at[9]) << likes_at[0] << " vs " << likes_at[9];
}

TEST(EngagementModel, NeverLikesUnknownPostsOrThePostsAlreadyLiked) {
  const World world = make_world(small_world(1));
  const std::uint64_t unknown = world.posts().back().id + 1;
  const std::uint64_t known = world.posts().front().id;
  const std::vector<std::uint64_t> page = {unknown, known};
  LikedPosts liked(world.options().viewers);
  const EngagementModel certain{.base = 1e9};  // every known post is liked
  SimulationRandom random(1);
  const auto first = like_page(world, certain, 0, page, kStartMs, liked, random);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].post_id, known);
  EXPECT_GT(first[0].at_ms, kStartMs);
  EXPECT_LE(first[0].at_ms, kStartMs + kMaxLikeDelayMs);
  EXPECT_TRUE(like_page(world, certain, 0, page, kStartMs, liked, random).empty());
}

// The JSON summary carries every interleaving figure the text one prints.
TEST(SimulationSummary, JsonHasEveryInterleavingFieldTheTextHas) {
  SimulationResult result;
  result.world = small_world(1);
  v1::GetExperimentReportResponse& report = result.reports.emplace_back();
  report.set_experiment("interleaved");
  v1::InterleavingResult& interleaving = *report.add_interleaving();
  interleaving.set_arm("mixed");
  interleaving.set_team_a("chronological");
  interleaving.set_team_b("algorithmic");
  interleaving.set_viewers(123);
  interleaving.set_wins_a(11);
  interleaving.set_wins_b(77);
  interleaving.set_ties(35);
  interleaving.set_engagements_a(19);
  interleaving.set_engagements_b(140);
  interleaving.set_p_value(0.25);

  const std::string text = summary_text(result);
  for (std::string_view figure : {"(chronological)", "(algorithmic)", "123 viewers", "A 19",
                                  "B 140", "11 wins", "77 wins", "35 ties"}) {
    EXPECT_NE(text.find(figure), std::string::npos) << figure << "\n" << text;
  }
  const std::string json = summary_json(result);
  const std::size_t at = json.find("\"interleaving\"");
  ASSERT_NE(at, std::string::npos) << json;
  const std::string part = json.substr(at);  // the last array of the last report
  for (std::string_view field :
       {"\"arm\": \"mixed\"", "\"team_a\": \"chronological\"", "\"team_b\": \"algorithmic\"",
        "\"viewers\": 123", "\"wins_a\": 11", "\"wins_b\": 77", "\"ties\": 35",
        "\"engagements_a\": 19", "\"engagements_b\": 140", "\"p_value\": 0.25"}) {
    EXPECT_NE(part.find(field), std::string::npos) << field << "\n" << json;
  }
}

// A server in process with an experiments file, and the simulator against it.
class SimulatedExperiment : public ::testing::Test {
 protected:
  SimulationResult simulate_against(const std::string& experiments_file) {
    api::ServerOptions server_options;
    server_options.listen_address = "127.0.0.1:0";
    server_options.data_dir = data_dir_.path().string();
    server_options.experiments_path =
        std::string(FEEDRANK_SOURCE_DIR) + "/tools/examples/" + experiments_file;
    server_options.impression_log = true;
    auto server = api::FeedServer::start(server_options);
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) return {};

    SimulationOptions options;
    options.server = (*server)->address();
    options.world = small_world(1);
    options.world.start_ms = 0;  // two days ago: the server refuses engagements far ahead of it
    options.rounds = 2;
    options.page_size = 10;
    options.concurrency = 4;
    options.progress = [](std::string_view line) { std::cerr << line << "\n"; };
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    auto result =
        run_simulation(options, std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) return {};
    std::cout << summary_text(*result);
    return *result;
  }

  testing::TempDir data_dir_;
};

const v1::ArmReport* find_arm(const v1::GetExperimentReportResponse& report,
                              const std::string& name) {
  for (const v1::ArmReport& arm : report.arms()) {
    if (arm.arm() == name) return &arm;
  }
  return nullptr;
}

TEST_F(SimulatedExperiment, AlgorithmicArmEngagesMoreThanChronologicalAndSignificantly) {
  const SimulationResult result = simulate_against("experiments-ab.json");
  ASSERT_EQ(result.reports.size(), 1u);
  const auto& report = result.reports[0];
  EXPECT_EQ(report.experiment(), "chrono-vs-algo");
  const v1::ArmReport* chronological = find_arm(report, "chronological");
  const v1::ArmReport* algorithmic = find_arm(report, "algorithmic");
  ASSERT_NE(chronological, nullptr);
  ASSERT_NE(algorithmic, nullptr);
  EXPECT_GT(chronological->viewers(), 200u);
  EXPECT_GT(algorithmic->viewers(), 200u);
  const v1::Estimate* control = cli::find_estimate(*chronological, "engagement_rate");
  const v1::Estimate* treatment = cli::find_estimate(*algorithmic, "engagement_rate");
  ASSERT_NE(control, nullptr);
  ASSERT_NE(treatment, nullptr);
  EXPECT_GT(treatment->value(), control->value());

  const auto comparison = std::find_if(
      report.comparisons().begin(), report.comparisons().end(), [](const auto& candidate) {
        return candidate.metric() == "engagement_rate" && candidate.arm() == "algorithmic" &&
               candidate.baseline() == "chronological";
      });
  ASSERT_NE(comparison, report.comparisons().end());
  EXPECT_GT(comparison->difference(), 0);
  EXPECT_TRUE(comparison->significant()) << "p " << comparison->p_value();
  // Organic likes reach the report as unattributed engagements.
  EXPECT_GT(report.unattributed_engagements(), 0u);
}

TEST_F(SimulatedExperiment, AaExperimentFindsNoSignificantDifferenceInAnyMetric) {
  const SimulationResult result = simulate_against("experiments-aa.json");
  ASSERT_EQ(result.reports.size(), 1u);
  const auto& report = result.reports[0];
  EXPECT_EQ(report.experiment(), "aa");
  ASSERT_EQ(report.arms_size(), 2);
  for (const v1::ArmReport& arm : report.arms()) {
    EXPECT_GT(arm.viewers(), 200u) << arm.arm();
    const v1::Estimate* rate = cli::find_estimate(arm, "engagement_rate");
    ASSERT_NE(rate, nullptr);
    EXPECT_GT(rate->value(), 0) << arm.arm() << ": nothing to compare";
  }
  int engagement_rates = 0;
  for (const v1::MetricComparison& comparison : report.comparisons()) {
    EXPECT_FALSE(comparison.significant())
        << comparison.metric() << ": " << comparison.arm() << " vs " << comparison.baseline()
        << ": p " << comparison.p_value();
    if (comparison.metric() != "engagement_rate") continue;
    ++engagement_rates;
    EXPECT_TRUE(comparison.defined());
  }
  EXPECT_EQ(engagement_rates, 1);
}

}  // namespace
}  // namespace feedrank::simulate
