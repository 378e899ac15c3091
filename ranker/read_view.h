// One consistent read of the corpus: the store's state and the vectors derived from it (the
// post embedding table, the user vectors, the IDF), which change only while a writer holds the
// store's state lock exclusively. A ReadView holds that lock shared for its lifetime (level 2 of
// FeedEngine's lock order): keep it short, and take no second view, snapshot or write under it.
// A long scan of the post vectors runs through unlocked(), which lets the writers in meanwhile.
#pragma once

#include <optional>
#include <utility>

#include "absl/functional/function_ref.h"
#include "embeddings/embedding_table.h"
#include "ranker/vectors/corpus_vectors.h"
#include "store/feed_state.h"
#include "store/feed_store.h"

namespace feedrank::ranker {

class ReadView {
 public:
  ReadView(const store::FeedStore& store, store::FeedStore::Snapshot snapshot,
           const CorpusVectors& vectors)
      : store_(&store), snapshot_(std::move(snapshot)), vectors_(&vectors) {}

  const store::FeedState& state() const { return snapshot_->state(); }
  const embeddings::EmbeddingTable& posts() const { return vectors_->posts(); }
  const CorpusVectors& vectors() const { return *vectors_; }

  // Runs `fn` on a pin of the post table (its rows as they are now) without the lock: writes
  // apply meanwhile, and the lock is taken again (as a request takes it: a waiting writer first)
  // once `fn` returned and the pin is gone. The state, the table and the vectors may change
  // across the call: hold no reference, span or pointer into them across it.
  void unlocked(absl::FunctionRef<void(const embeddings::EmbeddingTable::Pinned&)> fn) {
    {
      const embeddings::EmbeddingTable::Pinned pin = posts().pin();
      snapshot_.reset();
      fn(pin);
    }  // the pin goes first: a writer that grows the table waits for it, holding the lock
    snapshot_.emplace(store_->request_snapshot());
  }

 private:
  const store::FeedStore* store_;
  std::optional<store::FeedStore::Snapshot> snapshot_;
  const CorpusVectors* vectors_;
};

}  // namespace feedrank::ranker
