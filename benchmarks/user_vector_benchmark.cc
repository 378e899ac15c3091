// Costs of the vector side of embeddings/: one user-vector update per engagement or post (target
// under 2 us at dimension 128), reading a user vector with many followees, and the embedding
// table's upsert rate and memory per post (target within 10% of dimension x 4 bytes plus the id
// map). Users are many and picked at random so that updates miss the caches as in production.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "embeddings/embedding_table.h"
#include "embeddings/user_vectors.h"

namespace feedrank::embeddings {
namespace {

constexpr int kUsers = 100'000;
// Post vectors are drawn from a pool (4 MiB at d=256) rather than made per event.
constexpr int kPostPool = 4096;
constexpr int kSchedule = 1 << 16;  // precomputed random user ids, cycled
constexpr TimestampMs kStart = 1'700'000'000'000;

std::vector<float> random_vectors(int count, int dimension, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> out(static_cast<std::size_t>(count) * dimension);
  for (float& x : out) x = normal(rng);
  return out;
}

std::vector<UserId> random_users(int count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<UserId> user(1, kUsers);
  std::vector<UserId> out(count);
  for (UserId& u : out) u = user(rng);
  return out;
}

UserVectorModel make_model(int dimension) {
  UserVectorOptions options;
  options.dimension = dimension;
  return *UserVectorModel::create(options);
}

std::span<const float> pool_row(const std::vector<float>& pool, int dimension, std::size_t i) {
  return std::span<const float>(pool).subspan((i % kPostPool) * dimension, dimension);
}

// Every user already has state, so the loop measures updates, not first-touch allocation.
template <typename Record>
void run_updates(benchmark::State& state, Record record) {
  const int dimension = static_cast<int>(state.range(0));
  UserVectorModel model = make_model(dimension);
  const auto pool = random_vectors(kPostPool, dimension, 1);
  for (UserId u = 1; u <= kUsers; ++u) record(model, u, pool_row(pool, dimension, u), kStart);
  const auto users = random_users(kSchedule, 2);
  std::size_t i = 0;
  TimestampMs now = kStart;
  for (auto _ : state) {
    now += 1000;
    record(model, users[i % kSchedule], pool_row(pool, dimension, i * 7), now);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["users"] = static_cast<double>(model.user_count());
}

void BM_RecordEngagement(benchmark::State& state) {
  run_updates(state, [](UserVectorModel& m, UserId u, std::span<const float> v, TimestampMs at) {
    m.record_engagement(u, EngagementKind::kLike, v, at);
  });
}
BENCHMARK(BM_RecordEngagement)->ArgName("dimension")->Arg(64)->Arg(128)->Arg(256);

void BM_RecordPost(benchmark::State& state) {
  run_updates(state, [](UserVectorModel& m, UserId u, std::span<const float> v, TimestampMs at) {
    m.record_post(u, v, at);
  });
}
BENCHMARK(BM_RecordPost)->ArgName("dimension")->Arg(64)->Arg(128)->Arg(256);

void BM_UserVector(benchmark::State& state) {
  const int dimension = static_cast<int>(state.range(0));
  const int followee_count = static_cast<int>(state.range(1));
  UserVectorModel model = make_model(dimension);
  const auto pool = random_vectors(kPostPool, dimension, 3);
  for (UserId u = 1; u <= kUsers; ++u) {
    model.record_post(u, pool_row(pool, dimension, u), kStart + static_cast<TimestampMs>(u));
    model.record_engagement(u, EngagementKind::kLike, pool_row(pool, dimension, u * 3), kStart);
  }
  // 64 different viewers, each with their own random followees, read in turn.
  constexpr int kViewers = 64;
  const auto followees = random_users(kViewers * followee_count, 4);
  std::vector<float> out(dimension);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t viewer = i++ % kViewers;
    model.user_vector(
        viewer + 1,
        std::span<const UserId>(followees).subspan(viewer * followee_count, followee_count),
        kStart + 86'400'000, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UserVector)
    ->ArgNames({"dimension", "followees"})
    ->Args({128, 10})
    ->Args({128, 100})
    ->Args({128, 1000})
    ->Unit(benchmark::kMicrosecond);

// Builds a table of `posts` rows and reports its memory per post. The id map is row_ids (8 bytes
// a row) plus the PostId -> row Swiss table (16-byte slot + 1 control byte per bucket, load
// factor 7/16..7/8). posts:1048577 is the worst case for doubling: one row past a power of two.
void BM_EmbeddingTableUpsert(benchmark::State& state) {
  const int dimension = static_cast<int>(state.range(0));
  const auto posts = static_cast<std::size_t>(state.range(1));
  const bool reserve = state.range(2) != 0;
  const auto pool = random_vectors(kPostPool, dimension, 5);
  std::size_t memory = 0;
  std::size_t id_map = 0;
  for (auto _ : state) {
    EmbeddingTable table(dimension);
    if (reserve) table.reserve(posts);
    for (std::size_t p = 0; p < posts; ++p) {
      table.upsert(p * 2654435761u, pool_row(pool, dimension, p));
    }
    memory = table.memory_bytes();
    id_map = table.id_map_bytes();
    state.PauseTiming();  // freeing half a gigabyte is not part of the upsert rate
    { EmbeddingTable discard = std::move(table); }
    state.ResumeTiming();
  }
  const double n = static_cast<double>(posts);
  const double matrix_per_post = dimension * sizeof(float);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(posts));
  state.counters["bytes_per_post"] = static_cast<double>(memory) / n;
  state.counters["id_map_per_post"] = static_cast<double>(id_map) / n;
  state.counters["vs_d4_plus_id_map"] =
      static_cast<double>(memory) / (n * matrix_per_post + id_map);
}
BENCHMARK(BM_EmbeddingTableUpsert)
    ->ArgNames({"dimension", "posts", "reserve"})
    ->Args({128, 1'000'000, 0})
    ->Args({128, 1'000'000, 1})
    ->Args({128, 1'048'577, 0})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace feedrank::embeddings

BENCHMARK_MAIN();
