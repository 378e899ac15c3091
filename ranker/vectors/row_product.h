// A query's inner product with `count` values of one embedding-table row from `offset` on, read
// at the table's precision (floats or halves) by the retrieval kernels' inner product. The same
// value as the index's score up to the last bits: the exact scan's tiles sum in another order
// (HNSW's walk uses this very product), so near-ties may order differently.
#pragma once

#include <cstddef>

#include "embeddings/embedding_table.h"
#include "kernels/cpu/inner_products.h"

namespace feedrank::ranker {

inline float row_product(const embeddings::EmbeddingTable& table, std::size_t row,
                         const float* query, int count, std::size_t offset = 0) {
  const std::size_t at = row * static_cast<std::size_t>(table.dimension()) + offset;
  return table.with_values([&](const auto* values) {
    return kernels::cpu::inner_product(query, values + at, count);
  });
}

}  // namespace feedrank::ranker
