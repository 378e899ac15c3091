// One consistent read of the corpus: the store's state and the vectors derived from it (the
// post embedding table, the user vectors, the IDF), which change only while a writer holds the
// store's state lock exclusively. A ReadView holds that lock shared for its lifetime (level 2 of
// FeedEngine's lock order): keep it short, and take no second view, snapshot or write under it.
#pragma once

#include <utility>

#include "embeddings/embedding_table.h"
#include "ranker/vectors/corpus_vectors.h"
#include "store/feed_state.h"
#include "store/feed_store.h"

namespace feedrank::ranker {

class ReadView {
 public:
  ReadView(store::FeedStore::Snapshot snapshot, const CorpusVectors& vectors)
      : snapshot_(std::move(snapshot)), vectors_(&vectors) {}

  const store::FeedState& state() const { return snapshot_.state(); }
  const embeddings::EmbeddingTable& posts() const { return vectors_->posts(); }
  const CorpusVectors& vectors() const { return *vectors_; }

 private:
  store::FeedStore::Snapshot snapshot_;
  const CorpusVectors* vectors_;
};

}  // namespace feedrank::ranker
