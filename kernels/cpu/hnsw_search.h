// Top-k search over a FAISS HNSW graph by inner product, in place of FAISS 1.7.3's own search.
// FAISS scores a node's neighbours one at a time, each a random 512-byte read from DRAM at 1M
// rows, and allocates and clears a visited table of one byte per row for every query. This walk
// prefetches all of a node's unvisited neighbours before scoring them and keeps its visited
// marks between searches, so the memory latencies overlap; the graph itself is FAISS's, as built.
#pragma once

#include <faiss/IndexHNSW.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "kernels/cpu/row_filter.h"
#include "kernels/vector_index.h"
#include "kernels/cpu/top_k.h"

namespace feedrank::kernels::cpu {

// Visited marks of level-0 walks as epochs, one word per graph row, so that a search clears
// nothing. A search takes a set and gives it back: one set per concurrent search is allocated
// over the index's life. (Sets kept per thread cost the server's short-lived request threads a
// 4 MB allocation and clear each at 1M rows.)
class VisitedPool {
 public:
  class Marks {
   public:
    // Starts a search over a graph of `rows` rows: every row unmarked.
    void start(std::size_t rows);
    // Marks `row`; whether it was unmarked.
    bool visit(faiss::HNSW::storage_idx_t row) {
      if (marks_[row] == epoch_) return false;
      marks_[row] = epoch_;
      return true;
    }
    void prefetch(faiss::HNSW::storage_idx_t row) const { __builtin_prefetch(marks_.data() + row); }
    std::size_t bytes() const { return marks_.capacity() * sizeof(std::uint32_t); }

   private:
    std::vector<std::uint32_t> marks_;
    std::uint32_t epoch_ = 0;
  };

  std::unique_ptr<Marks> take();
  void give_back(std::unique_ptr<Marks> marks);
  // The sets not in use now (all of them between searches).
  std::size_t memory_bytes();

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Marks>> free_;
};

// Greedy descent through the upper levels, then a beam of `ef` nodes on level 0 (the usual HNSW
// search; callers pass max(efSearch, k)). `rows` are the graph's vectors (the caller's matrix,
// floats or halves) and their ids. Every scored row that `filter` allows is offered to `top`
// under its id (so that ties at the k-th place go to the smaller id, as the VectorIndex contract
// says); rows the filter rejects are still walked through.
void search_hnsw(const faiss::HNSW& graph, const VectorRows& rows, const float* query, int ef,
                 const RowFilter& filter, VisitedPool& visited, TopK& top);

}  // namespace feedrank::kernels::cpu
