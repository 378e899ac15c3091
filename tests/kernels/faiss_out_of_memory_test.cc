// Out of memory inside a FAISS add: the sync fails with RESOURCE_EXHAUSTED and leaves the index as
// it was, so that the next sync adds the same rows once. Every allocation of the sync is made to
// fail in turn (this program replaces the global operator new), for the flat and IVF backends.
// Before the IVF add made room for its lists outside FAISS's OpenMP region, an allocation failing
// inside that region ended the process. (An IVF's training cannot be covered: FAISS's k-means
// allocates inside its own OpenMP region, where out of memory still ends the process.)
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "kernels/cpu/faiss_index.h"
#include "tests/kernels/expect_topk.h"
#include "tests/kernels/synthetic_vectors.h"

namespace {

// -1: allocations succeed; n >= 0: the allocation n further on throws, then -1 again.
std::atomic<long> allocations_before_failure{-1};

void* allocate(std::size_t size) {
  long left = allocations_before_failure.load(std::memory_order_relaxed);
  while (left >= 0) {
    if (allocations_before_failure.compare_exchange_weak(left, left - 1)) {
      if (left == 0) throw std::bad_alloc();
      break;
    }
  }
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}

}  // namespace

// Every unaligned form, so that each block is malloc'd and freed by ours: a sanitizer's own new
// paired with our delete (libstdc++'s temporary buffers take nothrow new and give back with a
// plain delete) would be reported as a mismatch. The aligned forms stay the runtime's, in pairs.
void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return allocate(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& nothrow) noexcept {
  return operator new(size, nothrow);
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete(void* memory, const std::nothrow_t&) noexcept { std::free(memory); }
void operator delete[](void* memory, const std::nothrow_t&) noexcept { std::free(memory); }

namespace feedrank::kernels {
namespace {

using testing::clustered_vectors;
using testing::SyntheticMatrix;

constexpr int kDim = 16;
constexpr int kLists = 4;  // an IVF of 4 lists trains from 4 x 39 = 156 rows on
constexpr std::size_t kFirstRows = 200;
constexpr std::size_t kAllRows = 300;

FaissIndexOptions options_of(FaissIndexOptions::Kind kind) {
  return {.kind = kind, .ivf_lists = kLists, .nprobe = kLists};  // every list: exact answers
}

SyntheticMatrix matrix_of(const std::vector<float>& values, std::size_t rows) {
  SyntheticMatrix matrix(kDim);
  matrix.append({values.begin(), values.begin() + rows * kDim});
  return matrix;
}

// Syncs `index` to `after` with the n-th allocation of the sync failing, for n = 0, 1, ... until a
// sync needs fewer allocations than n. Each failed sync must say out of memory and leave the
// index's rows as they were; the sync after it, without failures, must answer as an index that
// never failed.
void expect_each_failure_leaves_the_index_as_it_was(FaissIndexOptions options,
                                                    const SyntheticMatrix& before,
                                                    const SyntheticMatrix& after) {
  const auto queries = clustered_vectors(20, kDim, 8, 91);
  const SearchRequest request{queries, 10, {}};
  auto reference = make_faiss_index(kDim, options);
  if (before.rows() > 0) ASSERT_TRUE(reference->sync(before.view()).ok());
  ASSERT_TRUE(reference->sync(after.view()).ok());
  const auto expected = reference->search(after.view(), request);
  ASSERT_TRUE(expected.ok()) << expected.status();

  long failures = 0;
  for (long n = 0;; ++n) {
    auto index = make_faiss_index(kDim, options);
    if (before.rows() > 0) ASSERT_TRUE(index->sync(before.view()).ok());
    allocations_before_failure = n;
    const absl::Status status = index->sync(after.view());
    const bool failed_one = allocations_before_failure.exchange(-1) < 0;
    if (!failed_one) {
      ASSERT_TRUE(status.ok()) << status;
      break;
    }
    ++failures;
    ASSERT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << "allocation " << n;
    EXPECT_EQ(index->indexed_rows(), before.rows()) << "allocation " << n;
    ASSERT_TRUE(index->sync(after.view()).ok()) << "allocation " << n;
    EXPECT_EQ(index->describe(), reference->describe());
    const auto results = index->search(after.view(), request);
    ASSERT_TRUE(results.ok()) << results.status();
    testing::expect_valid_results(*results, after, request);  // no row twice
    EXPECT_EQ(*results, *expected) << "allocation " << n;
  }
  EXPECT_GT(failures, 0);
}

TEST(FaissOutOfMemory, AFlatAddFailsAndLeavesTheIndexAsItWas) {
  const auto values = clustered_vectors(kAllRows, kDim, 8, 90);
  expect_each_failure_leaves_the_index_as_it_was(options_of(FaissIndexOptions::kFlat),
                                                 matrix_of(values, kFirstRows),
                                                 matrix_of(values, kAllRows));
}

TEST(FaissOutOfMemory, AnIvfAddFailsAndLeavesTheIndexAsItWas) {
  const auto values = clustered_vectors(kAllRows, kDim, 8, 90);
  expect_each_failure_leaves_the_index_as_it_was(options_of(FaissIndexOptions::kIvfFlat),
                                                 matrix_of(values, kFirstRows),
                                                 matrix_of(values, kAllRows));
}

}  // namespace
}  // namespace feedrank::kernels
