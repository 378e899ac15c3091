// Embeds a whole corpus on all cores: one pass counts document frequencies (per-thread tables,
// merged), a second writes the vectors. Results equal embedding each text alone with the final
// frequencies.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "embeddings/document_frequencies.h"
#include "embeddings/text_embedder.h"

namespace feedrank::embeddings {

struct BulkProgress {
  std::string_view phase;  // "frequencies" or "vectors"
  std::size_t done = 0;
  std::size_t total = 0;
};

struct BulkEmbedOptions {
  int threads = 0;  // 0: std::thread::hardware_concurrency()
  // Called on the calling thread at most every `progress_interval`, and once at the end of each
  // phase, e.g. to print a progress line.
  std::function<void(const BulkProgress&)> progress;
  std::chrono::milliseconds progress_interval{1000};
};

// Adds every text of `texts` to `frequencies`, then writes the vector of text i to
// out[i * dimension, (i + 1) * dimension). INVALID_ARGUMENT when `out` has the wrong size.
absl::Status embed_corpus(const TextEmbedder& embedder, std::span<const std::string> texts,
                          DocumentFrequencies& frequencies, std::span<float> out,
                          const BulkEmbedOptions& options = {});

}  // namespace feedrank::embeddings
