// Debian's FAISS 1.7.3 is built for baseline x86-64, and its SIMD distance code needs SSE3 or
// AVX2, so every distance it computes is a scalar loop: 118 ns per 128-d inner product on this
// machine, most of an HNSW query's time. HNSW computes all its distances (search and build)
// through its storage's distance computer, so swapping in a storage whose computer uses our
// inner-product kernel speeds HNSW up without touching FAISS. Flat and IVF searches do not go
// through that computer and keep FAISS's own code.
//
// The storage also reads the caller's matrix (floats or halves) in place instead of holding a
// copy of every row (512 MB at 1M rows of 128 floats): an indexed row never changes
// (kernels/vector_index.h), so the graph's rows are the matrix's first ones. It holds no rows
// of its own (ntotal 0), so FAISS saves it as an empty flat index and a saved file holds the
// graph only.
#pragma once

#include <faiss/IndexHNSW.h>

#include "kernels/vector_index.h"

namespace feedrank::kernels::cpu {

// Gives `index` (inner-product metric) that storage; rows its old storage held (a file saved
// before the storage read in place) are dropped. Call before any search or build; a loaded index
// needs it again.
void use_simd_storage(faiss::IndexHNSW& index);

// Points the storage at the caller's matrix (row-major, index.d floats or halves a row, at least
// index.ntotal rows), before a build step reads it: the matrix may have moved since the last.
void point_storage_at(faiss::IndexHNSW& index, const VectorRows& rows);

}  // namespace feedrank::kernels::cpu
