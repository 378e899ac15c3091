// The FAISS backends (Debian's FAISS 1.7.3, CPU only): exact IndexFlatIP, approximate HNSW, and
// IVF-Flat for large corpora, chosen by FaissIndexOptions. FAISS keeps its own copy of the rows,
// added incrementally by sync(); its labels are row numbers, turned into ids through the caller's
// rows.ids at search time. HNSW computes its distances with our AVX2 kernel (faiss_simd_storage.h:
// Debian's FAISS build has only scalar ones); flat and IVF run FAISS's own code. Lives in
// feedrank_kernels_faiss, apart from feedrank_kernels, so that programs that do not use FAISS
// do not link it (nor BLAS and OpenMP).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kernels/vector_index.h"

namespace feedrank::kernels {

struct FaissIndexOptions {
  enum Kind { kFlat, kHnsw, kIvfFlat };
  Kind kind = kFlat;
  // HNSW: graph degree and build beam width (build time and memory grow with both).
  int hnsw_m = 32;
  int ef_construction = 200;
  // HNSW recall knob: search beam width (>= k is used when k is larger).
  int ef_search = 64;
  // IVF: inverted lists; 0 = round(4 * sqrt(n)) for the n rows present when it trains.
  int ivf_lists = 0;
  // IVF recall knob: lists scanned per query.
  int nprobe = 16;
};

// `dimension` > 0. IVF trains at the first sync() that brings at least 39 rows per list (FAISS's
// k-means minimum; with ivf_lists = 0 that is 24,336 rows or more); until then its rows sit in a
// flat index and are searched exactly. Its lists are not retrained in place: once the corpus is
// four times what they were trained for, outgrown() says so and the caller builds a new index
// (make_empty()) aside.
std::unique_ptr<VectorIndex> make_faiss_index(int dimension, FaissIndexOptions options = {});

// Writes a FAISS index's structure (not ids or tombstones, which the caller's rows carry) so that
// a large HNSW need not be rebuilt; INVALID_ARGUMENT for an index make_faiss_index did not make.
absl::Status save_faiss_index(const VectorIndex& index, const std::string& path);

// Reads what save_faiss_index wrote, searched with `options`' recall knobs. INVALID_ARGUMENT
// when the file holds another kind or dimension; INTERNAL when FAISS cannot read it.
absl::StatusOr<std::unique_ptr<VectorIndex>> load_faiss_index(const std::string& path,
                                                              int dimension,
                                                              FaissIndexOptions options);

}  // namespace feedrank::kernels
