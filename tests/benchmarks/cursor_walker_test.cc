#include "benchmarks/load/cursor_walker.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "benchmarks/load/viewer_picker.h"

namespace feedrank::load {
namespace {

TEST(CursorWalker, KeptCursorsAreContinuedOldestFirstPerMode) {
  CursorWalker walker(/*follow_share=*/1.0);
  walker.page_served(false, 5, "c5", 0.0);
  walker.page_served(true, 6, "a6", 0.0);
  walker.page_served(false, 7, "c7", 0.0);
  auto page = walker.next_page(false);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->viewer, 5u);
  EXPECT_EQ(page->cursor, "c5");
  EXPECT_EQ(walker.next_page(false)->viewer, 7u);
  EXPECT_FALSE(walker.next_page(false));
  EXPECT_EQ(walker.next_page(true)->cursor, "a6");
}

TEST(CursorWalker, LastPagesAndUnluckyDrawsAreNotFollowed) {
  CursorWalker walker(0.3);
  walker.page_served(false, 1, "", 0.0);     // no next page
  walker.page_served(false, 2, "c2", 0.3);   // draw at the share: stops reading
  walker.page_served(false, 3, "c3", 0.29);  // reads on
  EXPECT_EQ(walker.kept(false), 1u);
  EXPECT_EQ(walker.next_page(false)->viewer, 3u);
}

TEST(CursorWalker, ForgetsTheOldestPastCapacity) {
  CursorWalker walker(1.0, /*capacity=*/2);
  for (std::uint64_t v = 1; v <= 3; ++v) walker.page_served(true, v, "c", 0.0);
  EXPECT_EQ(walker.kept(true), 2u);
  EXPECT_EQ(walker.next_page(true)->viewer, 2u);
}

TEST(CursorWalker, AboutTheFollowShareOfCallsAreNextPages) {
  // Every call is served a page with a next cursor; count how many calls continue one.
  CursorWalker walker(0.25);
  std::mt19937_64 random(1);
  std::uniform_real_distribution<double> u(0, 1);
  int continued = 0;
  const int calls = 100'000;
  for (int i = 0; i < calls; ++i) {
    auto page = walker.next_page(false);
    if (page) ++continued;
    walker.page_served(false, page ? page->viewer : 1, "next", u(random));
  }
  EXPECT_NEAR(static_cast<double>(continued) / calls, 0.25, 0.01);
}

TEST(ViewerPicker, ParsesEachFormAndStaysInRange) {
  std::mt19937_64 random(2);
  auto uniform = ViewerPicker::parse("uniform", 100);
  ASSERT_TRUE(uniform.ok());
  auto zipf = ViewerPicker::parse("zipf:1.1", 100);
  ASSERT_TRUE(zipf.ok()) << zipf.status();
  int zipf_first = 0, uniform_first = 0;
  for (int i = 0; i < 20'000; ++i) {
    const auto a = uniform->pick(random);
    const auto b = zipf->pick(random);
    ASSERT_GE(a, 1u);
    ASSERT_LE(a, 100u);
    ASSERT_GE(b, 1u);
    ASSERT_LE(b, 100u);
    uniform_first += a == 1;
    zipf_first += b == 1;
  }
  // Zipf 1.1 over 100 ranks: rank 1 has 1 / sum(k^-1.1) of the draws (about 23%); uniform 1%.
  double harmonic = 0;
  for (int k = 1; k <= 100; ++k) harmonic += std::pow(k, -1.1);
  EXPECT_NEAR(zipf_first / 20'000.0, 1.0 / harmonic, 0.015);
  EXPECT_NEAR(uniform_first / 20'000.0, 0.01, 0.005);
  auto fixed = ViewerPicker::parse("fixed:42", 100);
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(fixed->pick(random), 42u);
}

TEST(ViewerPicker, BadTextIsRefusedNamingTheFlag) {
  for (const char* text :
       {"zipf", "zipf:0", "zipf:x", "fixed:", "fixed:0", "random", "uniform:3"}) {
    auto picker = ViewerPicker::parse(text, 100);
    ASSERT_FALSE(picker.ok()) << text;
    EXPECT_TRUE(std::string(picker.status().message()).starts_with("--viewers: ")) << text;
  }
}

}  // namespace
}  // namespace feedrank::load
