// The retrieval kernels' view of a pinned embedding table: its matrix (floats or halves), ids and
// "not searchable" bits, which the index takes as its tombstones, so that it only ever returns
// live public posts (the engine adds the followers-only posts a viewer may see itself).
#pragma once

#include "embeddings/embedding_table.h"
#include "kernels/vector_index.h"

namespace feedrank::ranker {

inline kernels::VectorRows rows_of(const embeddings::EmbeddingTable::Pinned& table) {
  kernels::VectorRows rows;
  rows.data = table.floats();
  rows.halves = table.halves();
  rows.rows = table.rows();
  rows.dimension = table.dimension();
  rows.ids = table.row_ids().data();
  rows.tombstone_words = table.unsearchable_words().data();
  return rows;
}

}  // namespace feedrank::ranker
