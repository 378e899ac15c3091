// The post and user vectors of the whole corpus, kept in step with the store (a
// store::StateExtension):
// - a new post gets its vector from its text (a caller-supplied one is kept, L2-normalised, in
//   the store as given and in the table at its precision: CorpusVectorOptions) and
//   its hashtags, from one tokenizer pass; the batch joins the IDF before its vectors are
//   computed, and the vector is stored with the post, so a restart reads it instead of
//   recomputing it with a different IDF; posts stored without one (before vectors existed) get
//   theirs at the next start, which writes them back once;
// - the IDF counts every live post's text (a delete takes the post out again);
// - a deleted post keeps its row in the embedding table under a tombstone;
// - a post's text-derived vector can be recomputed later with the IDF of that time (reembed);
// - a followers-only post's row is marked not searchable (visibility never changes after
//   creation), so the retrieval index, which skips such rows, returns public posts only;
// - posts move their author's vector (read by followers) and engagements the engaging user's;
//   every `checkpoint_every` such events the changed user states are saved, so that a restart
//   restores them and replays only the events after the checkpoint; the states are copied on
//   the thread that saves them, beside the writes that follow (store/checkpoint_copy.h).
// Readers holding a FeedStore snapshot may call the const members.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "embeddings/document_frequencies.h"
#include "embeddings/embedding_table.h"
#include "embeddings/text_embedder.h"
#include "embeddings/user_vectors.h"
#include "store/checkpoint_copy.h"
#include "store/state_extension.h"

namespace feedrank::ranker {

struct CorpusVectorOptions {
  embeddings::UserVectorOptions users;  // users.dimension is the one dimension of every vector
  // How the post vectors are held: halves (half the memory, and half the bytes a scan or an HNSW
  // walk reads) lose nothing on text vectors, which are rounded to halves when computed; vectors
  // that callers supply are rounded in the table (the store keeps them as given, except in a
  // delete's record, which carries the vector the table held).
  embeddings::RowPrecision post_precision = embeddings::RowPrecision::kHalf;
  std::uint64_t checkpoint_every = 100'000;  // user-vector events between checkpoints
  std::function<void(std::string_view line)> log;  // progress of long start-up work
};

class CorpusVectors final : public store::StateExtension {
 public:
  static absl::StatusOr<std::unique_ptr<CorpusVectors>> create(CorpusVectorOptions options);

  int dimension() const { return embedder_.dimension(); }
  const embeddings::EmbeddingTable& posts() const { return table_; }
  // The IDF changes in prepare(), outside the readers' lock: read it as the writer (tests);
  // readers get its size.
  const embeddings::DocumentFrequencies& frequencies() const { return frequencies_; }
  std::size_t idf_memory_bytes() const { return idf_bytes_.load(std::memory_order_relaxed); }
  std::size_t users_with_vectors() const { return users_.user_count(); }
  std::size_t users_memory_bytes() const { return users_.memory_bytes(); }
  // The viewer's vector at `now`, from `state` (the same snapshot's) for the followees.
  std::vector<float> user_vector(UserId user, const store::FeedState& state, TimestampMs now) const;

  // Re-embedding (FeedEngine::reembed), as the store's writer (FeedStore::rewrite): the rows in
  // [first, end) that are live and hold a vector derived from the post's text (not one its
  // caller supplied), embedded again with the IDF as it is now; returns the records that store
  // the vectors that changed.
  std::vector<store::StoredPost> reembed_rows(const store::FeedState& state, std::size_t first,
                                              std::size_t end) const;
  // Under the readers' exclusive lock, once those records are durable. `in_place` (the index
  // and every mirror read the table in place: the exact scan, text space) overwrites each
  // post's row; otherwise each vector takes a new row (EmbeddingTable::append), which an index
  // that copies rows adds like a new post's while it skips the old row like a deleted post's.
  // User vectors keep what they learned from the old vectors and learn from the new ones.
  void publish_reembedded(std::span<const store::StoredPost> records, bool in_place);
  // At start, before any index reads the table: the rows of `ids` first, in that order (the
  // order a saved index was built in; EmbeddingTable::put_first). False when it cannot be.
  bool put_rows_first(std::span<const PostId> ids) { return table_.put_first(ids); }

  absl::StatusOr<std::unique_ptr<store::StateExtension::Prepared>> prepare(
      std::span<store::StoreMutation> mutations, const store::FeedState& state) override;
  void discard(store::StateExtension::Prepared& prepared) override;
  void make_room(std::span<const store::StoreMutation> mutations) override;
  void take_room() override;
  void apply(const store::StoreMutation& mutation, const store::FeedState& state) override;
  void prefetch(const store::StoreMutation& mutation, PrefetchStep step) const override;
  void restore_checkpoint(store::Sequence through) override;
  void restore_user_state(UserId user, store::Sequence through, std::string state) override;
  absl::Status finish_replay(const store::FeedState& state) override;
  std::vector<store::StoredPost> take_writebacks(const store::FeedState& state,
                                                 std::size_t max) override;
  bool checkpoint_due() const override;
  bool begin_checkpoint(bool force) override;
  store::Checkpoint take_checkpoint(UnderReadersLock under_readers_lock) override;
  void checkpoint_finished(bool saved) override;

 private:
  // A post or engagement that the replay defers until the checkpoint's user states are in.
  struct TailEvent {
    store::Sequence sequence;
    bool is_post;
    Engagement engagement;  // the post's author, id and time when is_post
  };

  CorpusVectors(CorpusVectorOptions options, embeddings::TextEmbedder embedder,
                embeddings::UserVectorModel users);

  void replay(const store::StoreMutation& mutation);
  void add_post_vector(const store::StoredPost& stored);
  void record_post(UserId author, PostId id, TimestampMs at, store::Sequence sequence);
  void record_engagement(const Engagement& engagement, store::Sequence sequence);
  // The live post's row (valid until the next call), or empty when it has none or a zero vector
  // (no text to learn from).
  std::span<const float> informative_row(PostId id);
  void count_frequencies(const store::FeedState& state);
  void embed_missing(const store::FeedState& state);
  void put_rows_in_write_order();

  CorpusVectorOptions options_;
  embeddings::TextEmbedder embedder_;
  embeddings::DocumentFrequencies frequencies_;
  embeddings::EmbeddingTable table_;
  embeddings::UserVectorModel users_;
  std::vector<float> informative_row_;  // informative_row()'s answer, widened from the table

  std::atomic<std::size_t> idf_bytes_ = 0;  // frequencies_.memory_bytes() after each change
  // The table's room for the committed batch; after take_room() the old id map, freed at the
  // next make_room() (outside the readers' lock).
  embeddings::EmbeddingTable::Room room_;

  // Checkpoints. The one being saved holds saving_users_ (and its events' count) until it is
  // durable, so that a failed save hands them back to changed_users_.
  absl::flat_hash_set<UserId> changed_users_;
  std::uint64_t events_since_checkpoint_ = 0;
  store::Sequence applied_through_ = 0;
  store::Sequence saved_through_ = 0;
  store::Sequence saving_through_ = 0;
  absl::flat_hash_set<UserId> saving_users_;
  std::uint64_t saving_events_ = 0;
  // The states of the checkpoint begun, copied beside later writes: told before every change
  // to users_ after the start-up replay.
  store::CheckpointCopy checkpoint_copy_{[this](UserId user, std::span<char> room) {
    return users_.write_user_state(user, room);
  }};

  // Start-up replay.
  bool replaying_ = true;
  bool has_checkpoint_ = false;
  std::vector<TailEvent> tail_;
  // Users whose saved state is newer than the checkpoint's sequence (its save was cut short), or
  // every user with a saved state when no sequence was saved: the tail's events up to this
  // sequence are in their state already.
  absl::flat_hash_map<UserId, store::Sequence> saved_ahead_;
  // Each post with a row, by the sequence it was written with: the replay reads posts by id, and
  // the table's rows are then put back in the order the writes made them (see finish_replay).
  std::vector<std::pair<store::Sequence, PostId>> row_sequences_;
  std::vector<PostId> live_posts_;       // their texts make the IDF, counted in one parallel pass
  std::vector<PostId> missing_vectors_;  // posts stored before vectors were
  std::vector<PostId> to_write_back_;    // ... once embedded, until the store has their vectors
  std::size_t written_back_ = 0;
  absl::Status replay_error_;
};

}  // namespace feedrank::ranker
