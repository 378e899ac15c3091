// The CPU exact backend: scores every indexed row against each query, reading the caller's
// matrix in place at search time (no copy, so sync() only records the row count).
#pragma once

#include <memory>

#include "kernels/vector_index.h"

namespace feedrank::kernels {

// `dimension` > 0. `threads`: threads one search may use (0 = hardware concurrency); a search
// over few rows uses fewer, since starting a thread costs more than scanning a small block.
std::unique_ptr<VectorIndex> make_cpu_exact_index(int dimension, int threads = 0);

}  // namespace feedrank::kernels
