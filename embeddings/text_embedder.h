// Post text -> a dense, L2-normalised vector: unigram and bigram features, signed feature
// hashing into `dimension` slots, weighted by sub-linear term frequency times IDF.
#pragma once

#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "embeddings/document_frequencies.h"
#include "embeddings/text_features.h"

namespace feedrank::embeddings {

inline constexpr int kDefaultTextDimension = 128;
// A text vector's squared norm is within this of 1: rounding to half precision moves each value by
// at most 2^-11 of itself, so the squared norm by at most 2^-10 + 2^-22.
inline constexpr double kTextVectorSquaredNormError = 1e-3;

class TextEmbedder {
 public:
  // INVALID_ARGUMENT unless 32 <= dimension <= 1024 and dimension is a multiple of 8.
  static absl::StatusOr<TextEmbedder> create(int dimension = kDefaultTextDimension);

  int dimension() const { return dimension_; }

  // Writes the vector of `text` into `out` (dimension() floats). Each feature adds
  // (1 + ln tf) * idf (halved for bigrams) at slot key % dimension with the sign of the key's top
  // bit, so colliding features tend to cancel rather than pile up. A text with no tokens (or, very
  // rarely, whose features cancel exactly) gives the zero vector, which has no direction to
  // normalise. The values are then rounded to half precision (a norm within 1e-3 of 1), so
  // that the store keeps them exactly in 2 bytes each. Same text and frequencies give the same
  // bits: keys are XXH3 of little-endian bytes and features are summed in key order. Across machines this also assumes the same
  // std::log rounding (true for one glibc version on x86_64).
  void embed(std::string_view text, const DocumentFrequencies& frequencies,
             std::span<float> out) const;

  // The same from features already extracted (the bulk path extracts them once per pass).
  void embed_features(std::span<const TextFeature> features, const DocumentFrequencies& frequencies,
                      std::span<float> out) const;
  // The same, with each feature's document count read where `counts` point (from
  // DocumentFrequencies::add_document) in a table of `documents` documents: the same bits.
  void embed_counted(std::span<const TextFeature> features,
                     std::span<const std::uint64_t* const> counts, std::uint64_t documents,
                     std::span<float> out) const;

 private:
  template <typename FrequencyOf>
  void embed_weighted(std::span<const TextFeature> features, std::uint64_t documents,
                      FrequencyOf frequency_of, std::span<float> out) const;

  explicit TextEmbedder(int dimension) : dimension_(dimension) {}
  int dimension_;
};

}  // namespace feedrank::embeddings
