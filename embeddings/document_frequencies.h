// How many documents contain each text feature, for inverse document frequency weights. The
// service updates it as posts arrive; not thread-safe (the owner locks), but tables built on
// separate threads merge exactly.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "embeddings/text_features.h"

namespace feedrank::embeddings {

class DocumentFrequencies {
 public:
  // Counts one document containing each of `features` (distinct keys, as extracted).
  void add_document(std::span<const TextFeature> features);
  // The same, and puts where each feature's count lives in `counts` (one per feature), so that a
  // batch's vectors read their final counts without a second hash lookup (a cache miss each in a
  // table of millions of features). They stay valid until the table grows: reserve_more() first.
  void add_document(std::span<const TextFeature> features,
                    std::span<const std::uint64_t*> counts);
  // Room for `keys` more distinct features without growing.
  void reserve_more(std::size_t keys) { frequencies_.reserve(frequencies_.size() + keys); }
  // Undoes add_document() of the same features (a deleted post); keys that reach zero go.
  void remove_document(std::span<const TextFeature> features);

  // Adds another table's documents and counts to this one.
  void merge(const DocumentFrequencies& other);

  // ln((1 + N) / (1 + df)) + 1: at least 1, so features seen in every document still count;
  // an unseen feature gets the largest weight.
  double idf(std::uint64_t key) const { return idf_of(documents_, frequency(key)); }
  static double idf_of(std::uint64_t documents, std::uint64_t frequency);

  // Starts loading the table slot of `key`: with millions of distinct features each lookup is a
  // cache miss, and prefetching a post's features first lets those misses overlap.
  void prefetch(std::uint64_t key) const { frequencies_.prefetch(key); }

  std::uint64_t documents() const { return documents_; }
  std::uint64_t frequency(std::uint64_t key) const;
  std::size_t features() const { return frequencies_.size(); }

  // Compact bytes: the document count, then keys in ascending order as varint deltas, each with
  // its varint frequency. Equal tables give equal bytes.
  std::string serialize() const;
  // DATA_LOSS on truncated or malformed bytes.
  static absl::StatusOr<DocumentFrequencies> deserialize(std::string_view bytes);

  // Heap bytes of the frequency table.
  std::size_t memory_bytes() const;

  friend bool operator==(const DocumentFrequencies&, const DocumentFrequencies&) = default;

 private:
  std::uint64_t documents_ = 0;
  absl::flat_hash_map<std::uint64_t, std::uint64_t> frequencies_;
};

}  // namespace feedrank::embeddings
