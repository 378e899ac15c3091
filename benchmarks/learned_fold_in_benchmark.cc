// The fold-in of a viewer who engaged since the learned model was trained (LearnedModel::fold_in,
// what LearnedSpace runs once per viewer and engagement count): its cost per call and per
// engagement, by the viewer's number of engagements, at the server's 128 dimensions. The model
// is trained (briefly: the cost does not depend on its quality) on a generated store state of
// 20,000 users and 200,000 posts with about 1M engagements in interest groups.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <random>
#include <string>

#include "embeddings/learned/learned_model.h"

namespace feedrank {
namespace {

constexpr int kDimension = 128;
constexpr int kUsers = 20'000;
constexpr int kPosts = 200'000;
constexpr int kGroups = 50;
constexpr TimestampMs kHour = 3600 * 1000;
// Every user engages 50 times before training; users 0, 1, 2 then this many times more: the
// benchmark's arguments.
constexpr int kEngagementsSince[] = {10, 100, 1000};
constexpr int kEngagementsBefore = 50;

struct Fixture {
  store::FeedState state;
  embeddings::EmbeddingTable text{kDimension};
  std::shared_ptr<const embeddings::LearnedModel> model;
  std::unique_ptr<kernels::AlsSolver> solver = kernels::make_cpu_als_solver();
  TimestampMs now = 0;

  Fixture() {
    std::mt19937_64 random(1);
    store::Sequence sequence = 0;
    for (int u = 0; u < kUsers; ++u) state.apply(User{static_cast<UserId>(u), "u" + std::to_string(u), 0});
    std::normal_distribution<float> normal;
    std::vector<float> vector(kDimension);
    for (int p = 0; p < kPosts; ++p) {
      Post post;
      post.id = static_cast<PostId>(p);
      post.author = static_cast<UserId>(p % kUsers);
      post.created_at = p;
      state.apply(store::StoredPost{post, false, ++sequence});
      for (float& v : vector) v = normal(random);
      text.upsert(post.id, vector);
    }
    const auto engage = [&](UserId user, int count) {
      std::uniform_int_distribution<int> in_group(0, kPosts / kGroups - 1);
      for (int i = 0; i < count; ++i) {
        const PostId post = static_cast<PostId>(in_group(random) * kGroups + user % kGroups);
        state.apply(store::StoredEngagement{
            Engagement{user, post, EngagementKind::kLike, kPosts + i * kHour}, ++sequence});
      }
    };
    for (int u = 0; u < kUsers; ++u) engage(static_cast<UserId>(u), kEngagementsBefore);
    now = kPosts + 2000 * kHour;
    embeddings::LearnedModelOptions options;
    options.als.factors = kDimension;
    options.als.max_iterations = 2;
    options.als.tolerance = 0;
    auto trained = embeddings::LearnedModel::train(
        *solver, embeddings::gather_training_input(state, text, now, options.weights), options, 1);
    if (!trained.ok()) {
      std::fprintf(stderr, "training failed: %s\n", std::string(trained.status().message()).c_str());
      std::abort();
    }
    model = std::move(*trained);
    // Users 0, 1, 2 engage more after training: the fold-in reads all of their engagements.
    for (std::size_t i = 0; i < std::size(kEngagementsSince); ++i) {
      engage(static_cast<UserId>(i), kEngagementsSince[i]);
    }
  }
};

const Fixture& fixture() {
  static const Fixture* f = new Fixture();
  return *f;
}

void BM_FoldIn(benchmark::State& state) {
  const Fixture& f = fixture();
  const auto user = static_cast<UserId>(state.range(0));
  const int engagements = kEngagementsBefore + kEngagementsSince[state.range(0)];
  for (auto _ : state) {
    auto folded = f.model->fold_in(*f.solver, f.state, user, f.now);
    if (!folded.ok()) state.SkipWithError(std::string(folded.status().message()).c_str());
    benchmark::DoNotOptimize(folded);
  }
  state.counters["engagements"] = engagements;  // all of the user's, read by the fold-in
  state.counters["us_per_engagement"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * engagements,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert, benchmark::Counter::OneK::kIs1000);
  state.counters["cg_steps"] = f.model->options().fold_in_cg_steps;
}
BENCHMARK(BM_FoldIn)->ArgName("user")->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace feedrank

BENCHMARK_MAIN();
