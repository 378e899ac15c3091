// The fit's window (cut and label end, by quantile or given), what is dropped at the label end,
// and the split of viewers into train, validation and test.
#include "tools/fit/fit_window.h"

#include <gtest/gtest.h>

#include "tests/tools/replay_test_records.h"
#include "tools/fit/viewer_split.h"

namespace feedrank::fit {
namespace {

using namespace replay::testing;

// Engagements at 10, 20, ..., 100 with one post.
std::vector<v1::IngestRecord> ten_engagements() {
  std::vector<v1::IngestRecord> records = {user(1, 1), user(2, 1), post(5, 1, 5)};
  for (int at = 10; at <= 100; at += 10) records.push_back(engage(2, 5, at));
  return records;
}

TEST(FitWindow, QuantilesOfTheEngagementTimes) {
  auto window = choose_fit_window(ten_engagements(), WindowChoice{});
  ASSERT_TRUE(window.ok()) << window.status();
  EXPECT_EQ(window->cut, 70);        // rank floor(0.7 * 9) = 6
  EXPECT_EQ(window->label_end, 80);  // rank floor(0.8 * 9) = 7: the replay's default cut
}

TEST(FitWindow, GivenTimesWin) {
  WindowChoice choice;
  choice.cut_ms = 25;
  choice.label_end_ms = 1000;
  auto window = choose_fit_window(ten_engagements(), choice);
  ASSERT_TRUE(window.ok()) << window.status();
  EXPECT_EQ(window->cut, 25);
  EXPECT_EQ(window->label_end, 1000);
}

TEST(FitWindow, ACutQuantileOfTheEngagementsBeforeAGivenLabelEnd) {
  WindowChoice choice;
  choice.label_end_ms = 60;  // engagements at 10..50 before it
  choice.cut_quantile_before_label_end = 0.5;
  auto window = choose_fit_window(ten_engagements(), choice);
  ASSERT_TRUE(window.ok()) << window.status();
  EXPECT_EQ(window->cut, 30);  // rank floor(0.5 * 4) = 2 of 10..50
  EXPECT_EQ(window->label_end, 60);
  EXPECT_NE(window->rule.find("quantile 0.5 of the engagement times before the label end"),
            std::string::npos)
      << window->rule;
}

TEST(FitWindow, TheLabelEndMustBeAfterTheCut) {
  WindowChoice choice;
  choice.cut_quantile = 0.8;
  choice.label_end_quantile = 0.8;
  EXPECT_TRUE(absl::IsInvalidArgument(choose_fit_window(ten_engagements(), choice).status()));
  choice.label_end_ms = 10;
  EXPECT_TRUE(absl::IsInvalidArgument(choose_fit_window(ten_engagements(), choice).status()));
}

TEST(RecordsBefore, DropsPostsEngagementsAndFollowsAtOrAfterTheLabelEnd) {
  const std::vector<v1::IngestRecord> records = {
      user(1, 500),     post(5, 1, 79),   post(6, 1, 80),   follow(2, 1),    follow(3, 1, 80),
      engage(2, 5, 79), engage(2, 5, 80), delete_post(6),   unfollow(2, 1), unfollow(2, 1, 80),
      unfollow(2, 1, 79)};
  const std::vector<v1::IngestRecord> kept = records_before(records, 80);
  ASSERT_EQ(kept.size(), 7u);
  // Users (whenever created), deletes and undated unfollows are not dated events of the window:
  // they stay; a follow or unfollow made at the label end or later did not exist in the window.
  EXPECT_EQ(kept[0].user().id(), 1u);
  EXPECT_EQ(kept[1].post().id(), 5u);
  EXPECT_TRUE(kept[2].has_follow());
  EXPECT_EQ(kept[3].engagement().at_ms(), 79);
  EXPECT_EQ(kept[4].delete_post_id(), 6u);
  EXPECT_EQ(kept[5].unfollow().created_at_ms(), 0);
  EXPECT_EQ(kept[6].unfollow().created_at_ms(), 79);
}

bool is_held_out(UserId viewer, std::uint64_t seed, double fraction) {
  return viewer_role(viewer, seed, fraction) != ViewerRole::kTrain;
}

TEST(ViewerSplit, HoldsOutAboutTheFractionDeterministically) {
  int held_out = 0, differs_by_seed = 0;
  for (UserId viewer = 1; viewer <= 10'000; ++viewer) {
    held_out += is_held_out(viewer, 1, 0.2);
    EXPECT_EQ(is_held_out(viewer, 1, 0.2), is_held_out(viewer, 1, 0.2));
    differs_by_seed += is_held_out(viewer, 1, 0.2) != is_held_out(viewer, 2, 0.2);
    EXPECT_FALSE(is_held_out(viewer, 1, 0.0));
  }
  EXPECT_NEAR(held_out, 2'000, 150);  // binomial sd 40
  EXPECT_GT(differs_by_seed, 1'000);
}

TEST(ViewerSplit, SplitsTheHeldOutViewersIntoValidationAndTestHalves) {
  int validation = 0, test = 0;
  for (UserId viewer = 1; viewer <= 10'000; ++viewer) {
    const ViewerRole role = viewer_role(viewer, 1, 0.2);
    EXPECT_TRUE(role == viewer_role(viewer, 1, 0.2));
    EXPECT_TRUE(viewer_role(viewer, 1, 0.0) == ViewerRole::kTrain);
    validation += role == ViewerRole::kValidation;
    test += role == ViewerRole::kTest;
  }
  EXPECT_NEAR(validation, 1'000, 100);  // binomial sd 30
  EXPECT_NEAR(test, 1'000, 100);
}

}  // namespace
}  // namespace feedrank::fit
