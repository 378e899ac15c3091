// A FAISS retrieval index (HNSW or IVF) saved at a clean shutdown and read back at the next
// start, so that a restart does not rebuild it (an HNSW graph over a million posts took 35
// minutes on 2 cores). The file is used only when it was built over the same first rows of
// the embedding table (their ids and vectors are checked, by a digest); rows added since are
// then indexed as usual. The rows' post ids are kept beside it, in its order, so that the
// table can be put in that order first.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "embeddings/embedding_table.h"
#include "kernels/vector_index.h"
#include "ranker/retrieval/index_choice.h"

namespace feedrank::ranker {

// Whether `options` name an index worth saving (HNSW or IVF; the others rebuild in seconds).
bool worth_saving(const RetrievalOptions& options);

// Writes `index` (built over the first index.indexed_rows() rows of `table`) to `path`,
// replacing what was there only once the new file is complete.
absl::Status save_index(const kernels::VectorIndex& index, const embeddings::EmbeddingTable& table,
                        const std::string& path);

// The post ids of the rows the index saved at `path` was built over, in its row order; empty
// when none were kept with it (a file saved before they were) or they cannot be read. A start-up
// puts these rows first in the table (CorpusVectors::put_rows_first) before load_saved_index().
// The replay puts the rows in write order already; the file's order differs where the live table
// held more rows (a re-embedding's new rows), and the index is then rebuilt.
std::vector<PostId> saved_row_order(const std::string& path);

// The index saved at `path`, searched with `options`' recall knobs. NOT_FOUND when there is no
// file; FAILED_PRECONDITION, saying why, when it is of another kind or dimension, unreadable, or
// was built over other rows than the table's first ones.
absl::StatusOr<std::unique_ptr<kernels::VectorIndex>> load_saved_index(
    const std::string& path, const RetrievalOptions& options,
    const embeddings::EmbeddingTable& table);

}  // namespace feedrank::ranker
