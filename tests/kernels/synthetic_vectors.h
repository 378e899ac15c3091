// Synthetic matrices for the retrieval tests and benchmarks: a caller-owned matrix with ids and
// tombstones, filled with either independent Gaussian rows or clustered unit vectors.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "kernels/vector_index.h"

namespace feedrank::kernels::testing {

// What the ranker's embedding table is to an index: rows, their ids (row r has id 7r + 3, so
// ids differ from row numbers) and tombstone words. Grows by append.
struct SyntheticMatrix {
  explicit SyntheticMatrix(int dimension) : dimension(dimension) {}

  int dimension;
  std::vector<float> data;
  std::vector<VectorId> ids;
  std::vector<std::uint64_t> tombstones;

  std::size_t rows() const { return ids.size(); }
  static VectorId id_of(std::size_t row) { return 7 * row + 3; }
  static std::size_t row_of(VectorId id) { return (id - 3) / 7; }

  void append(std::vector<float> values) {
    if (data.empty()) {
      data = std::move(values);  // no second copy of a 5 GB benchmark corpus
    } else {
      data.insert(data.end(), values.begin(), values.end());
    }
    while (ids.size() * dimension < data.size()) ids.push_back(id_of(ids.size()));
    tombstones.resize((ids.size() + 63) / 64, 0);
  }
  void tombstone(std::size_t row) { tombstones[row / 64] |= std::uint64_t{1} << (row % 64); }

  VectorRows view() const {
    return {data.data(), rows(), dimension, ids.data(), tombstones.data()};
  }
};

// count x dimension standard normal values.
inline std::vector<float> gaussian_vectors(std::size_t count, int dimension, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> out(count * dimension);
  for (float& x : out) x = normal(rng);
  return out;
}

// Unit vectors around `clusters` random centres, spread along a shared 32-dimensional subspace
// plus a little isotropic noise: low intrinsic dimension, like real embeddings, where an ANN
// index can reach high recall (isotropic 128-d noise would make every neighbour equally far).
// The same `clusters` gives the same centres, so rows and queries made with different seeds come
// from one distribution.
inline std::vector<float> clustered_vectors(std::size_t count, int dimension, int clusters,
                                            std::uint32_t seed) {
  constexpr int kSubspace = 32;
  constexpr float kSpread = 0.5f;
  constexpr float kNoise = 0.1f;
  const auto d = static_cast<std::size_t>(dimension);
  auto centres = gaussian_vectors(clusters, dimension, 7);
  auto basis = gaussian_vectors(d, kSubspace, 8);
  for (float& x : basis) x /= std::sqrt(float{kSubspace});
  for (int c = 0; c < clusters; ++c) {
    float norm = 0.0f;
    for (std::size_t i = 0; i < d; ++i) norm += centres[c * d + i] * centres[c * d + i];
    for (std::size_t i = 0; i < d; ++i) centres[c * d + i] /= std::sqrt(norm);
  }
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::uniform_int_distribution<int> pick(0, clusters - 1);
  std::vector<float> out(count * d);
  float z[kSubspace];
  for (std::size_t p = 0; p < count; ++p) {
    const float* centre = centres.data() + pick(rng) * d;
    for (float& x : z) x = normal(rng);
    float* v = out.data() + p * d;
    float norm = 0.0f;
    for (std::size_t i = 0; i < d; ++i) {
      float along = 0.0f;
      for (int j = 0; j < kSubspace; ++j) along += basis[i * kSubspace + j] * z[j];
      v[i] = centre[i] + kSpread * along + kNoise * normal(rng) / std::sqrt(float(d));
      norm += v[i] * v[i];
    }
    for (std::size_t i = 0; i < d; ++i) v[i] /= std::sqrt(norm);
  }
  return out;
}

// Fraction of `expected`'s ids (per query, its first k) that `actual` found.
inline double recall(const SearchResults& actual, const SearchResults& expected) {
  std::size_t found = 0, total = 0;
  for (std::size_t q = 0; q < expected.size(); ++q) {
    for (const Neighbor& e : expected[q]) {
      ++total;
      for (const Neighbor& a : actual[q]) found += a.id == e.id ? 1 : 0;
    }
  }
  return total == 0 ? 1.0 : static_cast<double>(found) / static_cast<double>(total);
}

}  // namespace feedrank::kernels::testing
