// Random inputs and result checks shared by the GPU index test and the kernel emulation test.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kernels/search_checks.h"
#include "kernels/vector_index.h"
#include "tests/kernels/reference_topk.h"

namespace feedrank::kernels::testing {

// A caller-owned matrix as the ranker would hold it: values uniform in [-1, 1], unique random
// ids, some rows tombstoned.
struct Corpus {
  int dimension = 0;
  std::vector<float> data;
  std::vector<VectorId> ids;
  std::vector<std::uint64_t> tombstones;

  std::size_t size() const { return ids.size(); }
  // The first n rows, as sync() and search() see them.
  VectorRows rows(std::size_t n) const {
    return VectorRows{data.data(), n, dimension, ids.data(), tombstones.data()};
  }
  VectorRows rows() const { return rows(size()); }
  void tombstone(std::size_t r) { tombstones[r / 64] |= std::uint64_t{1} << (r % 64); }
};

inline Corpus random_corpus(std::size_t rows, int dimension, std::uint64_t seed,
                            double tombstone_fraction = 0.05) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::bernoulli_distribution dead(tombstone_fraction);
  Corpus c;
  c.dimension = dimension;
  c.data.resize(rows * dimension);
  for (float& v : c.data) v = value(rng);
  std::unordered_set<VectorId> seen;
  while (c.ids.size() < rows) {
    const VectorId id = rng();
    if (seen.insert(id).second) c.ids.push_back(id);
  }
  c.tombstones.assign((rows + 63) / 64 + 1, 0);
  for (std::size_t r = 0; r < rows; ++r) {
    if (dead(rng)) c.tombstone(r);
  }
  return c;
}

// f rounded to the nearest fp16 value (ties to even, subnormals included), as a float.
inline float round_to_fp16(float f) {
  if (!std::isfinite(f) || f == 0.0f) return f;
  const float a = std::fabs(f);
  if (a >= 65520.0f) return std::copysign(std::numeric_limits<float>::infinity(), f);
  int e = 0;
  std::frexp(a, &e);                                          // a = m * 2^e, m in [0.5, 1)
  const float quantum = std::ldexp(1.0f, std::max(e - 1, -14) - 10);  // 10 mantissa bits
  return std::copysign(std::nearbyint(a / quantum) * quantum, f);
}

// The matrix an fp16 index stores: every value rounded to fp16. Reference results on it
// differ from the index's only by the index's own arithmetic.
inline Corpus fp16_rounded(Corpus c) {
  for (float& v : c.data) v = round_to_fp16(v);
  return c;
}

inline std::vector<float> random_queries(std::size_t count, int dimension, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::vector<float> q(count * dimension);
  for (float& v : q) v = value(rng);
  return q;
}

// Per query: `per_query` ids of the first `rows` rows (live or not), plus an id that is not in
// the corpus and a duplicate.
inline std::vector<std::vector<VectorId>> random_excludes(const Corpus& c, std::size_t rows,
                                                          std::size_t count,
                                                          std::size_t per_query,
                                                          std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> row(0, rows - 1);
  std::vector<std::vector<VectorId>> ex(count);
  for (auto& list : ex) {
    for (std::size_t i = 0; i < per_query; ++i) list.push_back(c.ids[row(rng)]);
    list.push_back(rng());
    if (!list.empty()) list.push_back(list.front());
  }
  return ex;
}

namespace detail {

inline double exact_score(const VectorRows& rows, std::size_t r, const float* query) {
  double s = 0.0;
  for (int i = 0; i < rows.dimension; ++i) {
    s += double{query[i]} * rows.data[r * rows.dimension + i];
  }
  return s;
}

inline std::unordered_map<VectorId, std::size_t> row_of(const VectorRows& rows) {
  std::unordered_map<VectorId, std::size_t> m;
  for (std::size_t r = 0; r < rows.rows; ++r) m.emplace(rows.ids[r], r);
  return m;
}

// Checks that hold for every backend and precision: result order, no duplicates, only live
// and non-excluded rows, each score within `tolerance` of the exact dot product.
inline ::testing::AssertionResult check_list(const std::vector<Neighbor>& got,
                                             const VectorRows& rows,
                                             const std::unordered_map<VectorId, std::size_t>& row,
                                             const float* query,
                                             const std::vector<VectorId>* exclude,
                                             double tolerance) {
  std::unordered_set<VectorId> seen;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const Neighbor& n = got[i];
    if (i > 0 && !ranks_before(got[i - 1], n)) {
      return ::testing::AssertionFailure() << "entry " << i << " out of order";
    }
    if (!seen.insert(n.id).second) {
      return ::testing::AssertionFailure() << "id " << n.id << " twice";
    }
    const auto it = row.find(n.id);
    if (it == row.end()) return ::testing::AssertionFailure() << "unknown id " << n.id;
    if (is_tombstoned(rows, it->second)) {
      return ::testing::AssertionFailure() << "tombstoned row " << it->second;
    }
    if (exclude != nullptr && std::find(exclude->begin(), exclude->end(), n.id) != exclude->end()) {
      return ::testing::AssertionFailure() << "excluded id " << n.id;
    }
    const double exact = exact_score(rows, it->second, query);
    if (!(std::fabs(exact - n.score) <= tolerance)) {
      return ::testing::AssertionFailure()
             << "row " << it->second << " score " << n.score << ", exact " << exact;
    }
  }
  return ::testing::AssertionSuccess();
}

// The checks both comparisons make of query q: as many results as the reference, and
// got's list valid (see check_list). The caller has checked that both have as many lists.
inline ::testing::AssertionResult check_query(
    const SearchResults& got, const SearchResults& want, const VectorRows& rows,
    const std::unordered_map<VectorId, std::size_t>& row, const SearchRequest& request,
    std::size_t q, double tolerance) {
  if (got[q].size() != want[q].size()) {
    return ::testing::AssertionFailure()
           << "query " << q << ": " << got[q].size() << " results, want " << want[q].size();
  }
  const float* query = request.queries.data() + q * rows.dimension;
  const auto* ex = request.exclude.empty() ? nullptr : &request.exclude[q];
  if (auto r = check_list(got[q], rows, row, query, ex, tolerance); !r) {
    return r << " (query " << q << ")";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace detail

// Score tolerances of the GPU backend against the fp64 reference. fp32: 1e-5 relative to the
// largest possible |score| for values in [-1, 1] (the dimension), halved. fp16 storage: a few
// fp16 roundings of the terms (see gpu_index.h).
inline double fp32_tolerance(int d) { return 0.5e-5 * d; }
inline double fp16_tolerance(int d) { return 2e-3 * std::sqrt(static_cast<double>(d)); }

// Same ids as the reference up to ties: per position the scores agree within `tolerance`, and
// an id of the reference that is missing must score within 2 x tolerance of the last one.
inline ::testing::AssertionResult same_topk(const SearchResults& got, const SearchResults& want,
                                            const VectorRows& rows, const SearchRequest& request,
                                            double tolerance) {
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure() << got.size() << " lists, want " << want.size();
  }
  const auto row = detail::row_of(rows);
  for (std::size_t q = 0; q < got.size(); ++q) {
    if (auto r = detail::check_query(got, want, rows, row, request, q, tolerance); !r) return r;
    std::unordered_set<VectorId> ids;
    for (const Neighbor& n : got[q]) ids.insert(n.id);
    for (std::size_t i = 0; i < want[q].size(); ++i) {
      if (std::fabs(double{got[q][i].score} - want[q][i].score) > tolerance) {
        return ::testing::AssertionFailure() << "query " << q << " position " << i << ": score "
                                             << got[q][i].score << ", want " << want[q][i].score;
      }
      if (!ids.count(want[q][i].id) &&
          std::fabs(double{want[q][i].score} - want[q].back().score) > 2 * tolerance) {
        return ::testing::AssertionFailure()
               << "query " << q << ": missing id " << want[q][i].id << " (position " << i << ")";
      }
    }
  }
  return ::testing::AssertionSuccess();
}

// For reduced precision (fp16 storage): valid lists with scores within `tolerance` of the exact
// dot product on `rows`, and recall of `want`'s ids (best computed on the fp16-rounded matrix)
// at least min_recall over all queries.
inline ::testing::AssertionResult close_topk(const SearchResults& got, const SearchResults& want,
                                             const VectorRows& rows,
                                             const SearchRequest& request, double tolerance,
                                             double min_recall) {
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure() << got.size() << " lists, want " << want.size();
  }
  const auto row = detail::row_of(rows);
  std::size_t found = 0, total = 0;
  for (std::size_t q = 0; q < got.size(); ++q) {
    if (auto r = detail::check_query(got, want, rows, row, request, q, tolerance); !r) return r;
    std::unordered_set<VectorId> ids;
    for (const Neighbor& n : got[q]) ids.insert(n.id);
    for (const Neighbor& n : want[q]) found += ids.count(n.id);
    total += want[q].size();
  }
  const double recall = total == 0 ? 1.0 : static_cast<double>(found) / total;
  if (recall < min_recall) {
    return ::testing::AssertionFailure() << "recall " << recall << " < " << min_recall;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace feedrank::kernels::testing
