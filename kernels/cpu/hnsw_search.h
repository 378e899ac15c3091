// Top-k search over a FAISS HNSW graph by inner product, in place of FAISS 1.7.3's own search.
// FAISS scores a node's neighbours one at a time, each a random 512-byte read from DRAM at 1M
// rows, and allocates and clears a visited table of one byte per row for every query. This walk
// prefetches all of a node's unvisited neighbours before scoring them and keeps its visited
// marks per thread, so the memory latencies overlap; the graph itself is FAISS's, as built.
#pragma once

#include <faiss/IndexHNSW.h>

#include "kernels/cpu/row_filter.h"
#include "kernels/cpu/top_k.h"

namespace feedrank::kernels::cpu {

// Greedy descent through the upper levels, then a beam of `ef` nodes on level 0 (the usual HNSW
// search; callers pass max(efSearch, k)). `rows` are the graph's vectors (its flat storage),
// `dimension` floats each, and `ids` their ids. Every scored row that `filter` allows is offered
// to `top` under its id (so that ties at the k-th place go to the smaller id, as the
// VectorIndex contract says); rows the filter rejects are still walked through.
void search_hnsw(const faiss::HNSW& graph, const float* rows, const VectorId* ids, int dimension,
                 const float* query, int ef, const RowFilter& filter, TopK& top);

}  // namespace feedrank::kernels::cpu
