#include "embeddings/bulk_embedder.h"

#include <fmt/format.h>

#include <vector>

#include "embeddings/parallel_chunks.h"

namespace feedrank::embeddings {

void count_documents(std::size_t count, const std::function<std::string_view(std::size_t)>& text_of,
                     DocumentFrequencies& frequencies, int threads,
                     const std::function<void(std::size_t done)>& progress,
                     std::chrono::milliseconds progress_interval) {
  if (threads <= 0) threads = available_threads();
  // Integer counts, so merging per-thread tables gives the same table in any order.
  std::vector<DocumentFrequencies> partial(threads);
  run_in_chunks(
      count, threads,
      [&](int thread, std::size_t begin, std::size_t end) {
        std::vector<TextFeature> features;
        for (std::size_t i = begin; i < end; ++i) {
          extract_text_features(text_of(i), features);
          partial[thread].add_document(features);
        }
      },
      progress, progress_interval);
  for (const DocumentFrequencies& table : partial) frequencies.merge(table);
}

absl::Status embed_corpus(const TextEmbedder& embedder, std::span<const std::string> texts,
                          DocumentFrequencies& frequencies, std::span<float> out,
                          const BulkEmbedOptions& options) {
  const auto dimension = static_cast<std::size_t>(embedder.dimension());
  if (out.size() != texts.size() * dimension) {
    return absl::InvalidArgumentError(
        fmt::format("output holds {} floats, {} texts of dimension {} need {}", out.size(),
                    texts.size(), dimension, texts.size() * dimension));
  }
  const int threads = options.threads > 0 ? options.threads : available_threads();
  const auto reporter = [&](std::string_view phase) -> std::function<void(std::size_t)> {
    if (!options.progress) return {};
    return [&, phase](std::size_t done) { options.progress({phase, done, texts.size()}); };
  };

  count_documents(
      texts.size(), [&](std::size_t i) { return std::string_view(texts[i]); }, frequencies,
      threads, reporter("frequencies"), options.progress_interval);

  // Pass 2: each vector depends only on its text and the final table.
  run_in_chunks(
      texts.size(), threads,
      [&](int, std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
          embedder.embed(texts[i], frequencies, out.subspan(i * dimension, dimension));
        }
      },
      reporter("vectors"), options.progress_interval);
  return absl::OkStatus();
}

}  // namespace feedrank::embeddings
