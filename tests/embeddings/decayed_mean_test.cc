#include "embeddings/decayed_mean.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <span>
#include <vector>

namespace feedrank::embeddings {
namespace {

constexpr int kDim = 16;
constexpr TimestampMs kHalfLife = 1000;

struct Event {
  std::vector<float> vector;
  double weight;
  TimestampMs at;
};

std::vector<Event> random_events(std::mt19937& rng, int count) {
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<double> weight(0.1, 3.0);
  std::uniform_int_distribution<TimestampMs> time(0, 5000);
  std::vector<Event> events;
  for (int i = 0; i < count; ++i) {
    Event e{std::vector<float>(kDim), weight(rng), time(rng)};
    for (float& x : e.vector) x = normal(rng);
    events.push_back(std::move(e));
  }
  return events;
}

// The closed form, computed independently: sum_i w_i 2^(-(T - t_i)/h) v_i / sum_i w_i 2^(...).
std::vector<double> closed_form_mean(const std::vector<Event>& events, TimestampMs at) {
  std::vector<double> sum(kDim, 0.0);
  double total = 0.0;
  for (const Event& e : events) {
    const double w = e.weight * std::pow(0.5, static_cast<double>(at - e.at) / kHalfLife);
    total += w;
    for (int j = 0; j < kDim; ++j) sum[j] += w * e.vector[j];
  }
  for (double& x : sum) x /= total;
  return sum;
}

void expect_near(std::span<const float> actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t j = 0; j < expected.size(); ++j) {
    EXPECT_NEAR(actual[j], expected[j], 1e-4 * (1 + std::abs(expected[j]))) << "component " << j;
  }
}

TEST(DecayedMean, EmptyMeanIsZeros) {
  DecayedMean mean;
  std::vector<float> out(kDim, 7.0f);
  EXPECT_TRUE(mean.empty());
  EXPECT_FALSE(mean.mean(out));
  for (float x : out) EXPECT_EQ(x, 0.0f);
}

TEST(DecayedMean, EqualsTheClosedFormWeightedMeanForSortedEvents) {
  std::mt19937 rng(11);
  auto events = random_events(rng, 50);
  std::sort(events.begin(), events.end(), [](auto& a, auto& b) { return a.at < b.at; });
  DecayedMean mean;
  for (const Event& e : events) mean.add(e.vector, e.weight, e.at, kHalfLife);
  std::vector<float> out(kDim);
  ASSERT_TRUE(mean.mean(out));
  expect_near(out, closed_form_mean(events, events.back().at));
  EXPECT_EQ(mean.as_of(), events.back().at);
}

TEST(DecayedMean, OutOfOrderEventsGiveTheSameMean) {
  std::mt19937 rng(12);
  const auto events = random_events(rng, 50);  // unsorted
  DecayedMean mean;
  TimestampMs latest = 0;
  for (const Event& e : events) {
    mean.add(e.vector, e.weight, e.at, kHalfLife);
    latest = std::max(latest, e.at);
  }
  std::vector<float> out(kDim);
  ASSERT_TRUE(mean.mean(out));
  expect_near(out, closed_form_mean(events, latest));
  EXPECT_EQ(mean.as_of(), latest);
}

TEST(DecayedMean, WeightHalvesEveryHalfLife) {
  DecayedMean mean;
  const std::vector<float> v(kDim, 1.0f);
  mean.add(v, 2.0, 100, kHalfLife);
  EXPECT_DOUBLE_EQ(mean.weight_at(100, kHalfLife), 2.0);
  EXPECT_NEAR(mean.weight_at(100 + kHalfLife, kHalfLife), 1.0, 1e-12);
  EXPECT_NEAR(mean.weight_at(100 + 3 * kHalfLife, kHalfLife), 0.25, 1e-12);
  EXPECT_DOUBLE_EQ(mean.weight_at(50, kHalfLife), 2.0) << "no growth before as_of";
}

TEST(DecayedMean, AccumulateAtAddsTheDecayedSum) {
  DecayedMean mean;
  std::vector<float> v(kDim);
  for (int j = 0; j < kDim; ++j) v[j] = static_cast<float>(j);
  mean.add(v, 4.0, 0, kHalfLife);
  std::vector<float> out(kDim, 1.0f);
  const double w = mean.accumulate_at(2 * kHalfLife, kHalfLife, out);
  EXPECT_NEAR(w, 1.0, 1e-12);
  for (int j = 0; j < kDim; ++j) EXPECT_NEAR(out[j], 1.0f + j, 1e-5);
}

TEST(DecayedMean, VeryOldSumIsDroppedRatherThanLeftDenormal) {
  DecayedMean mean;
  mean.add(std::vector<float>(kDim, 1.0f), 1.0, 0, kHalfLife);
  const std::vector<float> fresh(kDim, -2.0f);
  mean.add(fresh, 1.0, 500 * kHalfLife, kHalfLife);
  std::vector<float> out(kDim);
  ASSERT_TRUE(mean.mean(out));
  for (float x : out) EXPECT_EQ(x, -2.0f);
}

}  // namespace
}  // namespace feedrank::embeddings
