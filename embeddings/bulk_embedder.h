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

// Adds documents text_of(0), ..., text_of(count - 1) to `frequencies` on `threads` threads
// (0: all cores): per-thread tables, merged, so the result equals counting on one thread.
// text_of is called from several threads at once. progress(done) as in run_in_chunks.
void count_documents(std::size_t count, const std::function<std::string_view(std::size_t)>& text_of,
                     DocumentFrequencies& frequencies, int threads = 0,
                     const std::function<void(std::size_t done)>& progress = {},
                     std::chrono::milliseconds progress_interval = std::chrono::seconds(1));

// Adds every text of `texts` to `frequencies`, then writes the vector of text i to
// out[i * dimension, (i + 1) * dimension). INVALID_ARGUMENT when `out` has the wrong size.
absl::Status embed_corpus(const TextEmbedder& embedder, std::span<const std::string> texts,
                          DocumentFrequencies& frequencies, std::span<float> out,
                          const BulkEmbedOptions& options = {});

}  // namespace feedrank::embeddings
