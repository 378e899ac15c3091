// Text embedding throughput: one thread embedding post by post (the ingest path) and the bulk
// path on every core, on real Hacker News titles and on 1,000,000 synthetic posts.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "embeddings/bulk_embedder.h"
#include "embeddings/document_frequencies.h"
#include "embeddings/text_embedder.h"
#include "embeddings/text_features.h"
#include "tools/datasets/hackernews_csv.h"
#include "tools/datasets/synthetic_corpus.h"

namespace feedrank::embeddings {
namespace {

constexpr int kSynthetic = 0;
constexpr int kHackerNews = 1;

struct Corpus {
  std::vector<std::string> texts;
  std::string error;  // non-empty when the corpus could not be loaded
  std::size_t bytes = 0;
};

Corpus load_synthetic() {
  Corpus corpus;
  datasets::SyntheticCorpusOptions options;
  options.users = 10'000;
  options.posts = 1'000'000;
  options.engagements_per_user = 0;
  corpus.texts.reserve(options.posts);
  const auto counts =
      datasets::generate_synthetic_corpus(options, [&](const v1::IngestRecord& record, int) {
        if (record.has_post()) corpus.texts.push_back(record.post().text());
      });
  if (!counts.ok()) corpus.error = counts.status().ToString();
  return corpus;
}

Corpus load_hackernews() {
  Corpus corpus;
  const auto path =
      std::filesystem::path(FEEDRANK_SHARED_DATA_DIR) / "hackernews" / "hacker_news.csv";
  auto posts = datasets::read_hackernews_csv(path);
  if (!posts.ok()) {
    corpus.error = "Hacker News titles unavailable: " + posts.status().ToString();
    return corpus;
  }
  for (auto& post : *posts) corpus.texts.push_back(std::move(post.title));
  return corpus;
}

// Loaded once, on first use.
const Corpus& corpus(int which) {
  static const Corpus synthetic = load_synthetic();
  static const Corpus hackernews = load_hackernews();
  const Corpus& chosen = which == kSynthetic ? synthetic : hackernews;
  return chosen;
}

void report(benchmark::State& state, std::size_t posts, int threads) {
  state.SetItemsProcessed(static_cast<std::int64_t>(posts));
  const auto rate = benchmark::Counter::kIsRate;
  state.counters["posts_per_s"] = benchmark::Counter(static_cast<double>(posts), rate);
  state.counters["posts_per_s_per_core"] =
      benchmark::Counter(static_cast<double>(posts) / threads, rate);
}

// The ingest path: document frequencies built beforehand, one post at a time on one thread.
void BM_EmbedOneByOne(benchmark::State& state) {
  const Corpus& texts = corpus(static_cast<int>(state.range(0)));
  if (!texts.error.empty()) return state.SkipWithError(texts.error.c_str());
  const TextEmbedder embedder = *TextEmbedder::create(static_cast<int>(state.range(1)));
  DocumentFrequencies frequencies;
  std::vector<TextFeature> features;
  for (const std::string& text : texts.texts) {
    extract_text_features(text, features);
    frequencies.add_document(features);
  }
  std::vector<float> out(embedder.dimension());
  std::size_t posts = 0;
  for (auto _ : state) {
    for (const std::string& text : texts.texts) {
      embedder.embed(text, frequencies, out);
      benchmark::DoNotOptimize(out.data());
    }
    posts += texts.texts.size();
  }
  report(state, posts, 1);
}

// Both passes (frequencies, then vectors) on `threads` threads.
void BM_EmbedCorpus(benchmark::State& state) {
  const Corpus& texts = corpus(static_cast<int>(state.range(0)));
  if (!texts.error.empty()) return state.SkipWithError(texts.error.c_str());
  const TextEmbedder embedder = *TextEmbedder::create(static_cast<int>(state.range(1)));
  BulkEmbedOptions options;
  options.threads = static_cast<int>(state.range(2));
  // The progress line the CLI would print, to stderr so that it stays out of the results.
  options.progress = [](const BulkProgress& progress) {
    std::fprintf(stderr, "\r%s: %zu / %zu posts%s", std::string(progress.phase).c_str(),
                 progress.done, progress.total, progress.done == progress.total ? "\n" : "");
  };
  std::vector<float> out(texts.texts.size() * embedder.dimension());
  std::size_t posts = 0;
  for (auto _ : state) {
    DocumentFrequencies frequencies;
    if (!embed_corpus(embedder, texts.texts, frequencies, out, options).ok()) {
      return state.SkipWithError("embed_corpus failed");
    }
    benchmark::DoNotOptimize(out.data());
    posts += texts.texts.size();
  }
  report(state, posts, options.threads);
}

BENCHMARK(BM_EmbedOneByOne)
    ->ArgNames({"corpus", "dim"})
    ->Args({kHackerNews, 128})
    ->Args({kSynthetic, 128})
    ->Args({kSynthetic, 1024})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_EmbedCorpus)
    ->ArgNames({"corpus", "dim", "threads"})
    ->Args({kHackerNews, 128, 2})
    ->Args({kSynthetic, 128, 1})
    ->Args({kSynthetic, 128, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace feedrank::embeddings

BENCHMARK_MAIN();
