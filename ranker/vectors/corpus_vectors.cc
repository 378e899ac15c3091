#include "ranker/vectors/corpus_vectors.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "embeddings/bulk_embedder.h"
#include "embeddings/parallel_chunks.h"
#include "embeddings/vector_norms.h"
#include "fmt/format.h"

namespace feedrank::ranker {
namespace {

std::vector<embeddings::TextFeature> features_of(std::string_view text) {
  std::vector<embeddings::TextFeature> features;
  embeddings::extract_text_features(text, features);
  return features;
}

// The record that writes a live post back with its vector (write-backs, re-embedding).
store::StoredPost stored_with_vector(const store::PostView& view, std::vector<float> vector) {
  store::StoredPost record{view.to_post(), false, view.sequence};
  record.post.embedding = std::move(vector);
  return record;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CorpusVectors>> CorpusVectors::create(CorpusVectorOptions options) {
  auto embedder = embeddings::TextEmbedder::create(options.users.dimension);
  if (!embedder.ok()) return embedder.status();
  auto users = embeddings::UserVectorModel::create(options.users);
  if (!users.ok()) return users.status();
  return std::unique_ptr<CorpusVectors>(
      new CorpusVectors(std::move(options), *embedder, std::move(*users)));
}

CorpusVectors::CorpusVectors(CorpusVectorOptions options, embeddings::TextEmbedder embedder,
                             embeddings::UserVectorModel users)
    : options_(std::move(options)),
      embedder_(embedder),
      table_(embedder.dimension(), options_.post_precision),
      users_(std::move(users)) {}

std::vector<float> CorpusVectors::user_vector(UserId user, const store::FeedState& state,
                                              TimestampMs now) const {
  const store::UserSet& followee_set = state.graph.followees(user);
  const std::vector<UserId> followees(followee_set.begin(), followee_set.end());
  return users_.user_vector(user, followees, now);
}

// ---- Writes ----------------------------------------------------------------------------------

namespace {

// What prepare() changed in the IDF for one batch, for discard() to undo.
struct PreparedVectors final : store::StateExtension::Prepared {
  std::vector<std::vector<embeddings::TextFeature>> added;    // the new posts' documents
  std::vector<std::vector<embeddings::TextFeature>> removed;  // the deleted posts' documents
};

}  // namespace

absl::StatusOr<std::unique_ptr<store::StateExtension::Prepared>> CorpusVectors::prepare(
    std::span<store::StoreMutation> mutations, const store::FeedState& state) {
  std::vector<Post*> posts;  // created by this batch
  std::vector<store::StoredPost*> tombstones;
  for (auto& mutation : mutations) {
    auto* stored = std::get_if<store::StoredPost>(&mutation);
    if (!stored) continue;
    if (stored->deleted) {
      tombstones.push_back(stored);
    } else {
      posts.push_back(&stored->post);
    }
  }

  auto prepared = std::make_unique<PreparedVectors>();
  std::vector<std::vector<embeddings::TextFeature>>& features = prepared->added;
  // Features and hashtags from one tokenizer pass per post.
  features.resize(posts.size());
  const int threads = embeddings::available_threads();
  embeddings::run_in_chunks(posts.size(), threads, [&](int, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      embeddings::extract_text_features(posts[i]->text, features[i], &posts[i]->hashtags);
    }
  });
  // The batch joins the IDF before any of its vectors is computed (as in embed_corpus). Its
  // vectors then read the counts where add_document() left them: the table does not grow in
  // between.
  std::vector<std::size_t> first_count(posts.size() + 1, 0);
  for (std::size_t i = 0; i < posts.size(); ++i) {
    first_count[i + 1] = first_count[i] + features[i].size();
  }
  // From here the batch changes the IDF. Should anything throw (out of memory) before the
  // removals at the end (which do not allocate), the documents it added are taken out again, so
  // that the failed batch leaves the IDF as it was.
  std::size_t joined = 0;  // of this batch's documents, in the IDF
  absl::Cleanup take_out_joined = [&] {
    for (std::size_t i = 0; i < joined; ++i) frequencies_.remove_document(features[i]);
  };
  std::vector<const std::uint64_t*> counts(first_count.back());
  // Room for every feature first: add_document() then never rehashes (the count pointers it hands
  // out stay valid) and cannot throw halfway through a document.
  frequencies_.reserve_more(counts.size());
  // Each feature is a cache miss in a table of millions: loading the next documents' slots
  // while this one counts overlaps them (one document alone has too few to hide the latency).
  constexpr std::size_t kPrefetchDocumentsAhead = 2;
  for (std::size_t i = 0; i < posts.size(); ++i) {
    if (i + kPrefetchDocumentsAhead < posts.size()) {
      for (const auto& feature : features[i + kPrefetchDocumentsAhead]) {
        frequencies_.prefetch(feature.key);
      }
    }
    frequencies_.add_document(features[i],
                              std::span(counts).subspan(first_count[i], features[i].size()));
    ++joined;
  }
  const std::uint64_t documents = frequencies_.documents();
  embeddings::run_in_chunks(posts.size(), threads, [&](int, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      std::vector<float>& vector = posts[i]->embedding;
      posts[i]->embedding_supplied = !vector.empty();
      if (!vector.empty()) {
        embeddings::l2_normalize(vector);  // the caller's: validated, non-zero and of the right size
        continue;
      }
      vector.resize(static_cast<std::size_t>(embedder_.dimension()));
      embedder_.embed_counted(
          features[i], std::span(counts).subspan(first_count[i], features[i].size()), documents,
          vector);
    }
  });

  // Tombstones keep the post's vector: user vectors replayed after a restart may need it. The
  // deleted post's document leaves the IDF here, so that apply() (which may run beside the next
  // batch's prepare()) does not touch the IDF. A batch that deletes is prepared alone: `state`
  // and the table hold every earlier batch.
  std::vector<std::string_view> texts_to_remove;
  for (store::StoredPost* tombstone : tombstones) {
    const PostId id = tombstone->post.id;
    const auto same_batch = std::find_if(posts.begin(), posts.end(),
                                         [&](const Post* post) { return post->id == id; });
    if (same_batch != posts.end()) {
      tombstone->post.embedding = (*same_batch)->embedding;
      prepared->removed.push_back(features[same_batch - posts.begin()]);
      continue;
    }
    if (auto row = table_.row_of(id)) tombstone->post.embedding = table_.row_floats(*row);
    const store::PostView* view = state.posts.find(id);
    if (view != nullptr && !view->deleted) texts_to_remove.push_back(view->text());
  }
  const std::size_t same_batch_removals = prepared->removed.size();
  prepared->removed.resize(same_batch_removals + texts_to_remove.size());
  embeddings::run_in_chunks(
      texts_to_remove.size(), threads, [&](int, std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
          prepared->removed[same_batch_removals + i] = features_of(texts_to_remove[i]);
        }
      });
  std::move(take_out_joined).Cancel();
  for (const auto& document : prepared->removed) frequencies_.remove_document(document);
  idf_bytes_.store(frequencies_.memory_bytes(), std::memory_order_relaxed);
  return prepared;
}

void CorpusVectors::discard(store::StateExtension::Prepared& prepared) {
  auto& batch = static_cast<PreparedVectors&>(prepared);
  for (const auto& document : batch.removed) frequencies_.add_document(document);
  for (const auto& document : batch.added) frequencies_.remove_document(document);
  idf_bytes_.store(frequencies_.memory_bytes(), std::memory_order_relaxed);
}

void CorpusVectors::make_room(std::span<const store::StoreMutation> mutations) {
  const auto new_posts = std::count_if(mutations.begin(), mutations.end(), [](const auto& m) {
    const auto* stored = std::get_if<store::StoredPost>(&m);
    return stored != nullptr && !stored->deleted;
  });
  room_ = table_.make_room(static_cast<std::size_t>(new_posts));
}

void CorpusVectors::take_room() { table_.take_room(room_); }

void CorpusVectors::apply(const store::StoreMutation& mutation, const store::FeedState&) {
  if (replaying_) {
    replay(mutation);
    return;
  }
  if (const auto* stored = std::get_if<store::StoredPost>(&mutation)) {
    const Post& post = stored->post;
    if (stored->deleted) {
      table_.remove(post.id);  // its document left the IDF in prepare()
      return;
    }
    table_.upsert(post.id, post.embedding, post.visibility == Visibility::kPublic);
    record_post(post.author, post.id, post.created_at, stored->sequence);
  } else if (const auto* stored = std::get_if<store::StoredEngagement>(&mutation)) {
    record_engagement(stored->engagement, stored->sequence);
  }
}

void CorpusVectors::prefetch(const store::StoreMutation& mutation, PrefetchStep step) const {
  if (const auto* stored = std::get_if<store::StoredPost>(&mutation)) {
    table_.prefetch(stored->post.id, step);
    // A replay only fills the table: user vectors come from the checkpoint and its tail later.
    if (stored->deleted || replaying_) return;
    users_.prefetch_for_post(stored->post.author, step);
    if (step == PrefetchStep::kSlots) changed_users_.prefetch(stored->post.author);
  } else if (const auto* stored = std::get_if<store::StoredEngagement>(&mutation)) {
    if (replaying_) return;
    table_.prefetch(stored->engagement.post, step);
    users_.prefetch_for_engagement(stored->engagement.user, step);
    if (step == PrefetchStep::kSlots) changed_users_.prefetch(stored->engagement.user);
  }
}

// ---- Re-embedding ----------------------------------------------------------------------------

std::vector<store::StoredPost> CorpusVectors::reembed_rows(const store::FeedState& state,
                                                           std::size_t first,
                                                           std::size_t end) const {
  end = std::min(end, table_.rows());
  std::vector<const store::PostView*> views;  // the rows' posts to embed again
  std::vector<std::size_t> rows;              // and their rows
  for (std::size_t r = first; r < end; ++r) {
    if (table_.is_deleted(r)) continue;  // deleted, or moved to a later row
    const store::PostView* view = state.posts.find(table_.row_ids()[r]);
    if (view != nullptr && !view->deleted && !view->embedding_supplied) {
      views.push_back(view);
      rows.push_back(r);
    }
  }
  std::vector<std::vector<float>> vectors(views.size());
  std::vector<char> changed(views.size(), 0);
  embeddings::run_in_chunks(
      views.size(), embeddings::available_threads(),
      [&](int, std::size_t begin, std::size_t stop) {
        for (std::size_t i = begin; i < stop; ++i) {
          vectors[i].resize(static_cast<std::size_t>(dimension()));
          embedder_.embed(views[i]->text(), frequencies_, vectors[i]);
          changed[i] = table_.row_floats(rows[i]) != vectors[i];
        }
      });
  std::vector<store::StoredPost> records;
  for (std::size_t i = 0; i < views.size(); ++i) {
    if (!changed[i]) continue;  // the IDF moved too little to change it: no row to add
    records.push_back(stored_with_vector(*views[i], std::move(vectors[i])));
  }
  return records;
}

void CorpusVectors::publish_reembedded(std::span<const store::StoredPost> records,
                                       bool in_place) {
  for (const store::StoredPost& record : records) {
    const bool searchable = record.post.visibility == Visibility::kPublic;
    if (in_place) {
      table_.upsert(record.post.id, record.post.embedding, searchable);
    } else {
      table_.append(record.post.id, record.post.embedding, searchable);
    }
  }
}

// ---- User vectors ----------------------------------------------------------------------------

std::span<const float> CorpusVectors::informative_row(PostId id) {
  const auto row = table_.row_of(id);
  if (!row) return {};
  informative_row_.resize(static_cast<std::size_t>(table_.dimension()));
  table_.copy_row(*row, informative_row_);
  return embeddings::is_zero(informative_row_) ? std::span<const float>()
                                               : std::span<const float>(informative_row_);
}

void CorpusVectors::record_post(UserId author, PostId id, TimestampMs at,
                                store::Sequence sequence) {
  applied_through_ = std::max(applied_through_, sequence);
  const auto vector = informative_row(id);
  if (vector.empty()) return;
  checkpoint_copy_.before_change(author);
  users_.record_post(author, vector, at);
  changed_users_.insert(author);
  ++events_since_checkpoint_;
}

void CorpusVectors::record_engagement(const Engagement& engagement, store::Sequence sequence) {
  applied_through_ = std::max(applied_through_, sequence);
  const auto vector = informative_row(engagement.post);
  if (vector.empty()) return;
  checkpoint_copy_.before_change(engagement.user);
  users_.record_engagement(engagement.user, engagement.kind, vector, engagement.at);
  changed_users_.insert(engagement.user);
  ++events_since_checkpoint_;
}

// ---- Checkpoints -----------------------------------------------------------------------------

bool CorpusVectors::checkpoint_due() const {
  return events_since_checkpoint_ >= options_.checkpoint_every;
}

bool CorpusVectors::begin_checkpoint(bool force) {
  if (changed_users_.empty() && applied_through_ == saved_through_) return false;
  if (!force && !checkpoint_due()) return false;
  // checkpoint_finished() came after the checkpoint before: saving_users_ is empty. The copy
  // begins first: should it throw (out of memory), nothing has moved and the users stay changed.
  checkpoint_copy_.begin(applied_through_, changed_users_, users_.user_state_bytes_at_most());
  saving_through_ = applied_through_;
  saving_users_.swap(changed_users_);
  saving_events_ = std::exchange(events_since_checkpoint_, 0);
  return true;
}

store::Checkpoint CorpusVectors::take_checkpoint(UnderReadersLock under_readers_lock) {
  return checkpoint_copy_.take(under_readers_lock);
}

void CorpusVectors::checkpoint_finished(bool saved) {
  if (saved) {
    saved_through_ = saving_through_;
  } else {
    changed_users_.insert(saving_users_.begin(), saving_users_.end());
    events_since_checkpoint_ += saving_events_;
  }
  saving_users_.clear();
  saving_events_ = 0;
}

// ---- Start-up replay -------------------------------------------------------------------------

void CorpusVectors::restore_checkpoint(store::Sequence through) {
  has_checkpoint_ = true;
  saved_through_ = through;
  applied_through_ = through;
}

void CorpusVectors::restore_user_state(UserId user, store::Sequence through, std::string state) {
  if (auto status = users_.restore_user(user, state); !status.ok() && replay_error_.ok()) {
    replay_error_ = absl::FailedPreconditionError(fmt::format(
        "saved vector of user {} does not fit this server (dimension {}): {}", user, dimension(),
        std::string(status.message())));
  }
  if (!has_checkpoint_ || through > saved_through_) saved_ahead_[user] = through;
}

void CorpusVectors::replay(const store::StoreMutation& mutation) {
  // Records up to the checkpoint are already in the restored user states.
  const auto in_tail = [&](store::Sequence sequence) {
    return !has_checkpoint_ || sequence > saved_through_;
  };
  if (const auto* stored = std::get_if<store::StoredPost>(&mutation)) {
    const Post& post = stored->post;
    if (!stored->deleted) live_posts_.push_back(post.id);
    if (!stored->deleted || !post.embedding.empty()) {
      row_sequences_.emplace_back(stored->sequence, post.id);
    }
    if (post.embedding.empty()) {
      if (!stored->deleted) missing_vectors_.push_back(post.id);
    } else {
      add_post_vector(*stored);
    }
    if (in_tail(stored->sequence) && (!stored->deleted || !post.embedding.empty())) {
      tail_.push_back({stored->sequence, true, {post.author, post.id, {}, post.created_at}});
    }
  } else if (const auto* stored = std::get_if<store::StoredEngagement>(&mutation)) {
    if (in_tail(stored->sequence)) tail_.push_back({stored->sequence, false, stored->engagement});
  }
}

void CorpusVectors::add_post_vector(const store::StoredPost& stored) {
  const Post& post = stored.post;
  if (post.embedding.size() != static_cast<std::size_t>(dimension())) {
    if (replay_error_.ok()) {
      replay_error_ = absl::FailedPreconditionError(fmt::format(
          "the store holds {}-dimensional post vectors (post {}) but this server runs with "
          "embedding dimension {}; start it with --embedding-dimension {}",
          post.embedding.size(), post.id, dimension(), post.embedding.size()));
    }
    return;
  }
  table_.upsert(post.id, post.embedding, post.visibility == Visibility::kPublic);
  if (stored.deleted) table_.remove(post.id);
}

absl::Status CorpusVectors::finish_replay(const store::FeedState& state) {
  if (!replay_error_.ok()) return replay_error_;
  count_frequencies(state);
  idf_bytes_.store(frequencies_.memory_bytes(), std::memory_order_relaxed);
  embed_missing(state);
  put_rows_in_write_order();
  std::stable_sort(tail_.begin(), tail_.end(), [](const TailEvent& a, const TailEvent& b) {
    return a.sequence < b.sequence;
  });
  if (!tail_.empty() && options_.log) {
    options_.log(fmt::format("replaying {} user-vector events after the checkpoint", tail_.size()));
  }
  for (const TailEvent& event : tail_) {
    const Engagement& e = event.engagement;  // e.user: the user whose state the event changes
    if (const auto ahead = saved_ahead_.find(e.user);
        ahead != saved_ahead_.end() && event.sequence <= ahead->second) {
      continue;
    }
    if (event.is_post) {
      record_post(e.user, e.post, e.at, event.sequence);
    } else {
      record_engagement(e, event.sequence);
    }
  }
  tail_ = std::vector<TailEvent>();  // not `= {}`, which keeps the buffer
  saved_ahead_.clear();
  applied_through_ = std::max(applied_through_, state.last_sequence);
  replaying_ = false;
  return absl::OkStatus();
}

// The replay added rows by post id (the store's key order) and embedded the posts stored without
// vectors last; live, a post's row came in write order, and the exact scan reads the newest rows
// by their order (the last out_of_network.max_scan_posts). With ids that do not grow with time
// (a client's hashes), a start would scan the highest ids instead. Nothing to move, and no copy,
// when ids did grow with time.
void CorpusVectors::put_rows_in_write_order() {
  std::sort(row_sequences_.begin(), row_sequences_.end());
  std::vector<PostId> ids;
  ids.reserve(row_sequences_.size());
  for (const auto& [sequence, id] : row_sequences_) ids.push_back(id);
  row_sequences_ = std::vector<std::pair<store::Sequence, PostId>>();  // frees it
  if (!table_.put_first(ids) && options_.log) {
    options_.log("the post vectors' rows could not be put in write order: rows and posts differ");
  }
}

// The IDF of every live post's text, on every core.
void CorpusVectors::count_frequencies(const store::FeedState& state) {
  embeddings::count_documents(
      live_posts_.size(),
      [&](std::size_t i) { return state.posts.find(live_posts_[i])->text(); },
      frequencies_);
  live_posts_ = std::vector<PostId>();
}

// Posts stored before the service computed vectors get one now, with the full corpus's IDF, on
// every core; take_writebacks() then hands them to the store, so this happens once.
void CorpusVectors::embed_missing(const store::FeedState& state) {
  if (missing_vectors_.empty()) return;
  const std::size_t total = missing_vectors_.size();
  std::vector<std::vector<float>> vectors(total);
  const auto progress = [&](std::size_t done) {
    if (options_.log) options_.log(fmt::format("embedding stored posts: {}/{}", done, total));
  };
  embeddings::run_in_chunks(
      total, embeddings::available_threads(),
      [&](int, std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
          vectors[i].resize(static_cast<std::size_t>(dimension()));
          embedder_.embed(state.posts.find(missing_vectors_[i])->text(), frequencies_,
                          vectors[i]);
        }
      },
      progress);
  table_.reserve(table_.rows() + total);
  for (std::size_t i = 0; i < total; ++i) {
    const Visibility visibility = state.posts.find(missing_vectors_[i])->visibility;
    table_.upsert(missing_vectors_[i], vectors[i], visibility == Visibility::kPublic);
  }
  to_write_back_ = std::exchange(missing_vectors_, {});
}

std::vector<store::StoredPost> CorpusVectors::take_writebacks(const store::FeedState& state,
                                                              std::size_t max) {
  std::vector<store::StoredPost> records;
  const std::size_t end = std::min(to_write_back_.size(), written_back_ + max);
  records.reserve(end - written_back_);
  for (; written_back_ < end; ++written_back_) {
    const PostId id = to_write_back_[written_back_];
    const store::PostView& view = *state.posts.find(id);
    records.push_back(stored_with_vector(view, table_.row_floats(*table_.row_of(id))));
  }
  if (records.empty() && !to_write_back_.empty()) {
    if (options_.log) {
      options_.log(fmt::format("wrote the vectors of {} stored posts back to the store",
                               to_write_back_.size()));
    }
    to_write_back_ = std::vector<PostId>();
    written_back_ = 0;
  }
  return records;
}

}  // namespace feedrank::ranker
