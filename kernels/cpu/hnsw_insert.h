// Adds rows to a FAISS HNSW graph batch after batch at a cost that does not grow with the graph.
// FAISS's IndexHNSW::add sets up one lock per row of the whole graph and one visited table of
// the graph's size per thread at every call, and runs a level's new rows in parallel only when
// there are more than 100 of them. A background indexer adds a few rows per call: at 1M rows
// that set-up took longer than the rows themselves and one core did all the work (158 rows/s
// against FAISS's 476 in one call). HnswInserter keeps the locks and tables between calls and
// runs every batch on all threads; the graph it builds is FAISS's own (HNSW::add_with_locks).
#pragma once

#include <faiss/IndexHNSW.h>
#include <omp.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "kernels/vector_index.h"

namespace feedrank::kernels::cpu {

class HnswInserter {
 public:
  HnswInserter() = default;
  ~HnswInserter();
  HnswInserter(const HnswInserter&) = delete;
  HnswInserter& operator=(const HnswInserter&) = delete;

  // Adds rows [index.ntotal, index.ntotal + count) of `matrix` (floats or halves) to `index`, an
  // inner-product HNSW with the in-place storage of faiss_simd_storage.h (pointed at `matrix`
  // here), as IndexHNSW::add would. Searches must not run meanwhile.
  void add(faiss::IndexHNSW& index, std::size_t count, const VectorRows& matrix);
  // What the locks and visited tables hold (6-12 bytes a graph row on 2 threads).
  std::size_t memory_bytes() const;

 private:
  // Makes the locks and every thread's visited table cover `rows` graph rows.
  void cover(std::size_t rows, int threads);
  // add()'s graph growth and linking; out of memory there ends the process (hnsw_insert.cc).
  void grow(faiss::IndexHNSW& index, faiss::HNSW::storage_idx_t first, std::size_t count,
            const VectorRows& matrix, int threads) noexcept;

  std::vector<omp_lock_t> locks_;  // one per graph row, as add_with_locks wants
  std::vector<std::unique_ptr<faiss::VisitedTable>> visited_;  // one per thread
};

}  // namespace feedrank::kernels::cpu
