#include "kernels/cpu/hnsw_insert.h"

#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/DistanceComputer.h>
#include <faiss/impl/FaissAssert.h>
#include <faiss/utils/random.h>

#include <algorithm>
#include <utility>

#include "kernels/cpu/faiss_simd_storage.h"

namespace feedrank::kernels::cpu {
namespace {

using RowId = faiss::HNSW::storage_idx_t;

// HNSW keeps the nearest, that is the smallest, distances: inner products are negated, as FAISS
// does for its inner-product graphs.
class NegatedInnerProduct final : public faiss::DistanceComputer {
 public:
  explicit NegatedInnerProduct(const faiss::Index& storage)
      : inner_(storage.get_distance_computer()) {}
  void set_query(const float* x) override { inner_->set_query(x); }
  float operator()(idx_t i) override { return -(*inner_)(i); }
  float symmetric_dis(idx_t i, idx_t j) override { return -inner_->symmetric_dis(i, j); }

 private:
  std::unique_ptr<faiss::DistanceComputer> inner_;
};

// The new rows grouped by level, highest first, each level's rows shuffled (FAISS does both:
// upper levels exist before lower rows search them, and the corpus's order does not bias the
// graph). `first` is the first new row.
std::vector<std::vector<RowId>> rows_by_level(const faiss::HNSW& graph, RowId first,
                                              std::size_t count) {
  std::vector<std::vector<RowId>> levels;
  for (std::size_t i = 0; i < count; ++i) {
    const RowId row = first + static_cast<RowId>(i);
    const auto level = static_cast<std::size_t>(graph.levels[row] - 1);
    if (level >= levels.size()) levels.resize(level + 1);
    levels[level].push_back(row);
  }
  faiss::RandomGenerator shuffle(789);
  for (auto& rows : levels) {
    for (std::size_t j = 0; j + 1 < rows.size(); ++j) {
      const auto left = static_cast<int>(rows.size() - j);
      std::swap(rows[j], rows[j + static_cast<std::size_t>(shuffle.rand_int(left))]);
    }
  }
  std::reverse(levels.begin(), levels.end());
  return levels;
}

}  // namespace

HnswInserter::~HnswInserter() {
  for (omp_lock_t& lock : locks_) omp_destroy_lock(&lock);
}

std::size_t HnswInserter::memory_bytes() const {
  std::size_t bytes = locks_.capacity() * sizeof(omp_lock_t);
  for (const auto& table : visited_) bytes += table != nullptr ? table->visited.capacity() : 0;
  return bytes;
}

void HnswInserter::cover(std::size_t rows, int threads) {
  // Doubling, so that growing costs a constant per row over a long run of small batches.
  if (locks_.size() < rows) {
    for (omp_lock_t& lock : locks_) omp_destroy_lock(&lock);
    locks_ = std::vector<omp_lock_t>(std::max(rows, 2 * locks_.size()));
    for (omp_lock_t& lock : locks_) omp_init_lock(&lock);
  }
  if (visited_.size() < static_cast<std::size_t>(threads)) {
    visited_.resize(static_cast<std::size_t>(threads));
  }
  for (auto& table : visited_) {
    if (table == nullptr || table->visited.size() < rows) {
      table = std::make_unique<faiss::VisitedTable>(static_cast<int>(locks_.size()));
    }
  }
}

void HnswInserter::add(faiss::IndexHNSW& index, std::size_t count, const VectorRows& matrix) {
  FAISS_THROW_IF_NOT_MSG(index.storage != nullptr &&
                             index.metric_type == faiss::METRIC_INNER_PRODUCT,
                         "HnswInserter: not an inner-product HNSW with a storage");
  if (count == 0) return;
  const auto first = static_cast<RowId>(index.ntotal);
  const int threads = omp_get_max_threads();
  cover(static_cast<std::size_t>(first) + count, threads);  // before the index changes
  point_storage_at(index, matrix);  // the matrix may have moved since the last step
  grow(index, first, count, matrix, threads);
}

// noexcept: a throw (out of memory) while the graph grows would leave it half extended (ntotal
// counting rows not linked, so never retried) and a row's lock held by the thread that threw;
// the process stops rather than hang on that lock or serve a graph that misses rows.
void HnswInserter::grow(faiss::IndexHNSW& index, RowId first, std::size_t count,
                        const VectorRows& matrix, int threads) noexcept {
  index.ntotal += static_cast<faiss::Index::idx_t>(count);
  faiss::HNSW& graph = index.hnsw;
  graph.prepare_level_tab(count, /*preset_levels=*/false);

  for (const std::vector<RowId>& level_rows : rows_by_level(graph, first, count)) {
    if (level_rows.empty()) continue;
    const int level = graph.levels[level_rows.front()] - 1;
    const auto size = static_cast<std::ptrdiff_t>(level_rows.size());
#pragma omp parallel num_threads(threads) if (size > 1)
    {
      NegatedInnerProduct distance(*index.storage);
      faiss::VisitedTable& visited = *visited_[omp_get_thread_num()];
      std::vector<float> widened;  // the new row, when the matrix holds halves
#pragma omp for schedule(dynamic)
      for (std::ptrdiff_t i = 0; i < size; ++i) {
        const auto row = static_cast<std::size_t>(level_rows[i]);
        distance.set_query(floats_of_rows(matrix, row, row + 1, widened));
        graph.add_with_locks(distance, level, level_rows[i], locks_, visited);
      }
    }
  }
}

}  // namespace feedrank::kernels::cpu
