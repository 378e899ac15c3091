// The text embedder: tokenizer rules, feature hashing, IDF table, vectors and the bulk path,
// plus topical quality on the synthetic corpus and on real Hacker News titles.
#include "embeddings/text_embedder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/half_float.h"
#include "embeddings/bulk_embedder.h"
#include "embeddings/document_frequencies.h"
#include "embeddings/text_features.h"
#include "embeddings/tokenizer.h"
#include "tools/datasets/hackernews_csv.h"
#include "tools/datasets/synthetic_corpus.h"

namespace feedrank::embeddings {
namespace {

using Tokens = std::vector<std::string>;
using Vector = std::vector<float>;

// Quality margins, well below the gaps measured at dimension 128 (0.175 synthetic, 0.29 Hacker
// News; the tests print both means) so that they fail on a real regression, not on noise.
constexpr double kWithinTopicMargin = 0.1;
constexpr double kRareWordMargin = 0.15;

TextEmbedder make_embedder(int dimension = kDefaultTextDimension) {
  auto embedder = TextEmbedder::create(dimension);
  EXPECT_TRUE(embedder.ok()) << embedder.status();
  return *std::move(embedder);
}

std::vector<TextFeature> features_of(std::string_view text) {
  std::vector<TextFeature> features;
  extract_text_features(text, features);
  return features;
}

DocumentFrequencies frequencies_of(const std::vector<std::string>& texts) {
  DocumentFrequencies table;
  for (const std::string& text : texts) table.add_document(features_of(text));
  return table;
}

Vector embed(const TextEmbedder& embedder, std::string_view text,
             const DocumentFrequencies& frequencies) {
  Vector out(embedder.dimension());
  embedder.embed(text, frequencies, out);
  return out;
}

double dot(std::span<const float> a, std::span<const float> b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

bool same_bits(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Random "words" of random letters: unrelated texts with no shared vocabulary by design.
std::vector<std::string> random_texts(std::size_t count, int words, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<std::string> texts(count);
  for (std::string& text : texts) {
    for (int w = 0; w < words; ++w) {
      if (w > 0) text += ' ';
      for (int c = 0; c < 7; ++c) text += static_cast<char>('a' + random() % 26);
    }
  }
  return texts;
}

// --- tokenizer ---

TEST(Tokenize, LowerCasesUnicodeWords) {
  EXPECT_EQ(tokenize("Café CAFÉ"), (Tokens{"café", "café"}));
  EXPECT_EQ(tokenize("МОСКВА Москва"), (Tokens{"москва", "москва"}));
  EXPECT_EQ(tokenize("ΑΘΗΝΑ Αθήνα"), (Tokens{"αθηνα", "αθήνα"}));
}

TEST(Tokenize, SplitsOnPunctuationAndKeepsNumbersAndUnderscores) {
  EXPECT_EQ(tokenize("Hello, world! GPT-4 in 2024; snake_case."),
            (Tokens{"hello", "world", "gpt", "4", "in", "2024", "snake_case"}));
}

TEST(Tokenize, KeepsCombiningMarksInsideWords) {
  // "cafe" + U+0301 COMBINING ACUTE ACCENT stays one token.
  EXPECT_EQ(tokenize("Cafe\xCC\x81 bar"), (Tokens{"cafe\xCC\x81", "bar"}));
}

TEST(Tokenize, KeepsHashtagsAndMentionsAsTokens) {
  EXPECT_EQ(tokenize("Loving #CPP20 with @Alice_B!"),
            (Tokens{"loving", "#cpp20", "with", "@alice_b"}));
  // Not after a word character, and not bare.
  EXPECT_EQ(tokenize("C# mail@example # @"), (Tokens{"c", "mail", "example"}));
}

TEST(Tokenize, ReducesUrlsToTheirHost) {
  EXPECT_EQ(tokenize("see https://WWW.Example.com:8080/a/b?c=d#frag now"),
            (Tokens{"see", "example.com", "now"}));
  EXPECT_EQ(tokenize("http://news.ycombinator.com/item?id=1, www.GitHub.com/x"),
            (Tokens{"news.ycombinator.com", "github.com"}));
  EXPECT_EQ(tokenize("https:// broken"), (Tokens{"broken"}));
}

TEST(Tokenize, DropsApostrophesInsideWords) {
  EXPECT_EQ(tokenize("Don't can\xE2\x80\x99t 'quoted' rock'n'roll"),
            (Tokens{"dont", "cant", "quoted", "rocknroll"}));
}

TEST(Tokenize, InvalidUtf8ActsAsSeparator) {
  EXPECT_EQ(tokenize("abc\xFF"
                     "def\xC3"),
            (Tokens{"abc", "def"}));
  EXPECT_EQ(tokenize("\xE2\x82"), Tokens{});
  EXPECT_EQ(tokenize("\xED\xA0\x80x"), Tokens{"x"});  // an encoded surrogate
  // Every byte value in every position: must not crash or read out of bounds.
  std::mt19937 random(7);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(random() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    for (const std::string& token : tokenize(bytes)) EXPECT_FALSE(token.empty());
  }
}

// --- features and document frequencies ---

TEST(TextFeatures, CountsUnigramsAndBigramsSortedByKey) {
  // Tokens a b a b: unigrams a(2) b(2); bigrams "a b"(2) "b a"(1).
  const std::vector<TextFeature> features = features_of("a b a b");
  ASSERT_EQ(features.size(), 4u);
  EXPECT_TRUE(std::is_sorted(features.begin(), features.end(),
                             [](const auto& x, const auto& y) { return x.key < y.key; }));
  std::multiset<std::uint32_t> counts;
  for (const TextFeature& f : features) counts.insert(f.count);
  EXPECT_EQ(counts, (std::multiset<std::uint32_t>{1, 2, 2, 2}));
  EXPECT_TRUE(features_of(" ,. ").empty());
  // Word order matters through bigrams only.
  EXPECT_NE(features_of("red car"), features_of("car red"));
}

TEST(DocumentFrequencies, IdfFollowsTheFormula) {
  const DocumentFrequencies table = frequencies_of({"apple pie", "apple tart", "pear"});
  const std::uint64_t apple = features_of("apple")[0].key;
  const std::uint64_t pear = features_of("pear")[0].key;
  EXPECT_EQ(table.documents(), 3u);
  EXPECT_EQ(table.frequency(apple), 2u);
  EXPECT_DOUBLE_EQ(table.idf(apple), std::log(4.0 / 3.0) + 1);
  EXPECT_DOUBLE_EQ(table.idf(pear), std::log(4.0 / 2.0) + 1);
  EXPECT_DOUBLE_EQ(table.idf(features_of("unseen")[0].key), std::log(4.0) + 1);
}

TEST(DocumentFrequencies, MergeEqualsAddingEverythingToOneTable) {
  const std::vector<std::string> texts = random_texts(200, 5, 1);
  DocumentFrequencies first = frequencies_of({texts.begin(), texts.begin() + 120});
  first.merge(frequencies_of({texts.begin() + 120, texts.end()}));
  EXPECT_EQ(first, frequencies_of(texts));
}

TEST(DocumentFrequencies, SerializeRoundTripsAndRejectsDamage) {
  const DocumentFrequencies table = frequencies_of(random_texts(300, 6, 2));
  const std::string bytes = table.serialize();
  auto restored = DocumentFrequencies::deserialize(bytes);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(*restored, table);
  EXPECT_EQ(restored->serialize(), bytes);
  // Varint deltas: far below the 16 bytes an entry takes raw.
  EXPECT_LT(bytes.size(), table.features() * 12);
  EXPECT_FALSE(DocumentFrequencies::deserialize("").ok());
  EXPECT_FALSE(DocumentFrequencies::deserialize(bytes.substr(0, bytes.size() - 1)).ok());
  EXPECT_FALSE(DocumentFrequencies::deserialize(bytes + "x").ok());
}

// --- embedder ---

TEST(TextEmbedder, ValidatesTheDimension) {
  for (const int ok : {32, 40, 128, 1024}) EXPECT_TRUE(TextEmbedder::create(ok).ok()) << ok;
  for (const int bad : {0, 24, 31, 33, 100, 1025, 1032, -8}) {
    const auto embedder = TextEmbedder::create(bad);
    EXPECT_EQ(embedder.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(make_embedder().dimension(), 128);
}

// The write path adds a batch's documents, keeping where each count lives, then embeds from
// those counts: the same bits as looking every count up again in the finished table.
TEST(TextEmbedder, EmbeddingFromTheCountsAddDocumentKeptGivesTheSameBits) {
  const TextEmbedder embedder = make_embedder();
  DocumentFrequencies table = frequencies_of(random_texts(300, 8, 7));
  const std::vector<std::string> batch = random_texts(40, 8, 8);
  std::vector<std::vector<TextFeature>> features(batch.size());
  std::vector<std::vector<const std::uint64_t*>> counts(batch.size());
  std::size_t total = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    extract_text_features(batch[i], features[i]);
    total += features[i].size();
  }
  table.reserve_more(total);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    counts[i].resize(features[i].size());
    table.add_document(features[i], counts[i]);
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Vector counted(128), looked_up(128);
    embedder.embed_counted(features[i], counts[i], table.documents(), counted);
    embedder.embed_features(features[i], table, looked_up);
    EXPECT_EQ(std::memcmp(counted.data(), looked_up.data(), 128 * sizeof(float)), 0) << i;
    const double norm = std::inner_product(counted.begin(), counted.end(), counted.begin(), 0.0);
    EXPECT_NEAR(norm, 1.0, kTextVectorSquaredNormError) << i;
  }
}

TEST(TextEmbedder, VectorsAreUnitLengthAndEmptyTextIsZero) {
  const TextEmbedder embedder = make_embedder();
  const DocumentFrequencies table = frequencies_of(random_texts(50, 8, 3));
  for (const std::string& text : random_texts(50, 8, 4)) {
    const Vector v = embed(embedder, text, table);
    EXPECT_NEAR(dot(v, v), 1.0, kTextVectorSquaredNormError);
    EXPECT_TRUE(std::all_of(v.begin(), v.end(), is_exact_half)) << "the store keeps halves";
  }
  for (const char* empty : {"", "  ", "!!! ...", "\xFF\xFE"}) {
    const Vector v = embed(embedder, empty, table);
    EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](float x) { return x == 0.0f; })) << empty;
  }
}

TEST(TextEmbedder, SameTextGivesSameBitsAcrossCallsInstancesAndThreads) {
  const std::vector<std::string> texts = random_texts(100, 12, 5);
  const DocumentFrequencies table = frequencies_of(texts);
  const TextEmbedder first = make_embedder(256);
  const TextEmbedder second = make_embedder(256);
  std::vector<Vector> expected;
  for (const std::string& text : texts) expected.push_back(embed(first, text, table));
  const auto check = [&] {
    bool all_same = true;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      all_same &= same_bits(embed(second, texts[i], table), expected[i]);
    }
    return all_same;
  };
  EXPECT_TRUE(check());
  auto other_thread = std::async(std::launch::async, check);
  EXPECT_TRUE(other_thread.get());
  // And it really depends on the text.
  EXPECT_FALSE(same_bits(embed(first, texts[0], table), embed(first, texts[1], table)));
}

TEST(TextEmbedder, CollisionsAtTheSmallestDimensionStayFiniteAndUnitLength) {
  // 400 distinct words -> ~800 features into 32 slots: every slot holds many collisions.
  const TextEmbedder embedder = make_embedder(32);
  const std::vector<std::string> texts = random_texts(20, 400, 6);
  const DocumentFrequencies table = frequencies_of(texts);
  for (const std::string& text : texts) {
    const Vector v = embed(embedder, text, table);
    EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); }));
    EXPECT_NEAR(dot(v, v), 1.0, kTextVectorSquaredNormError);
  }
}

TEST(TextEmbedder, SignedHashingKeepsUnrelatedTextsNearOrthogonal) {
  // With random signs the cosine of two texts that share no feature has mean 0 and a standard
  // deviation of about 1/sqrt(dimension) = 0.088 per pair; over 4,950 pairs (not independent,
  // but 100 texts) the mean's spread is well under 0.01. Unsigned hashing would give a mean
  // near +0.5 here, so 0.02 separates the two clearly.
  const TextEmbedder embedder = make_embedder();
  const std::vector<std::string> texts = random_texts(100, 10, 7);
  const DocumentFrequencies table = frequencies_of(texts);
  std::vector<Vector> vectors;
  for (const std::string& text : texts) vectors.push_back(embed(embedder, text, table));
  double sum = 0;
  int pairs = 0;
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    for (std::size_t j = i + 1; j < vectors.size(); ++j, ++pairs)
      sum += dot(vectors[i], vectors[j]);
  }
  const double mean = sum / pairs;
  std::printf("mean cosine of unrelated texts: %.4f over %d pairs\n", mean, pairs);
  EXPECT_LT(std::abs(mean), 0.02);
}

TEST(TextEmbedder, SharedRareWordsWeighMoreThanSharedCommonWords) {
  std::vector<std::string> corpus = random_texts(100, 5, 8);
  for (std::string& text : corpus) text += " the";
  corpus.push_back("zyzzyva");
  const DocumentFrequencies table = frequencies_of(corpus);
  const TextEmbedder embedder = make_embedder(1024);
  const Vector query = embed(embedder, "zyzzyva the alpha", table);
  EXPECT_GT(dot(query, embed(embedder, "zyzzyva beta", table)),
            dot(query, embed(embedder, "the beta", table)));
}

// --- bulk path ---

TEST(BulkEmbedder, EqualsEmbeddingOneByOneAndReportsProgress) {
  const std::vector<std::string> texts = random_texts(5000, 9, 9);
  const TextEmbedder embedder = make_embedder(64);
  DocumentFrequencies bulk_table;
  std::vector<float> bulk(texts.size() * 64);
  std::vector<BulkProgress> reports;
  BulkEmbedOptions options;
  options.threads = 3;  // more than the cores: chunks interleave, results must not
  options.progress = [&](const BulkProgress& progress) { reports.push_back(progress); };
  ASSERT_TRUE(embed_corpus(embedder, texts, bulk_table, bulk, options).ok());

  const DocumentFrequencies table = frequencies_of(texts);
  EXPECT_EQ(bulk_table, table);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    ASSERT_TRUE(same_bits(std::span(bulk).subspan(i * 64, 64), embed(embedder, texts[i], table)))
        << "text " << i;
  }
  ASSERT_GE(reports.size(), 2u);
  EXPECT_EQ(reports.back().phase, "vectors");
  EXPECT_EQ(reports.back().done, texts.size());
  EXPECT_EQ(reports.back().total, texts.size());
}

TEST(BulkEmbedder, RejectsAWronglySizedOutput) {
  const std::vector<std::string> texts = {"a", "b"};
  DocumentFrequencies table;
  std::vector<float> out(10);
  EXPECT_EQ(embed_corpus(make_embedder(32), texts, table, out).code(),
            absl::StatusCode::kInvalidArgument);
}

// --- quality ---

TEST(TextEmbedderQuality, PostsOfOneSyntheticTopicAreNearerThanPostsOfDifferentTopics) {
  std::vector<std::string> texts;
  std::vector<int> topics;
  datasets::SyntheticCorpusOptions options;
  options.users = 200;
  options.posts = 2000;
  options.engagements_per_user = 0;
  const auto counts =
      datasets::generate_synthetic_corpus(options, [&](const v1::IngestRecord& record, int topic) {
        if (!record.has_post()) return;
        texts.push_back(record.post().text());
        topics.push_back(topic);
      });
  ASSERT_TRUE(counts.ok()) << counts.status();
  ASSERT_EQ(texts.size(), 2000u);

  const TextEmbedder embedder = make_embedder();
  DocumentFrequencies table;
  std::vector<float> vectors(texts.size() * 128);
  ASSERT_TRUE(embed_corpus(embedder, texts, table, vectors).ok());
  double within = 0, across = 0;
  std::uint64_t within_pairs = 0, across_pairs = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    for (std::size_t j = i + 1; j < texts.size(); ++j) {
      const double cosine =
          dot(std::span(vectors).subspan(i * 128, 128), std::span(vectors).subspan(j * 128, 128));
      if (topics[i] == topics[j]) {
        within += cosine, ++within_pairs;
      } else {
        across += cosine, ++across_pairs;
      }
    }
  }
  within /= within_pairs;
  across /= across_pairs;
  std::printf("synthetic corpus: within-topic mean cosine %.4f, cross-topic %.4f\n", within,
              across);
  EXPECT_GE(within - across, kWithinTopicMargin);
}

TEST(TextEmbedderQuality, HackerNewsTitlesSharingRareWordsAreNearerThanRandomPairs) {
  const std::filesystem::path path =
      std::filesystem::path(FEEDRANK_SHARED_DATA_DIR) / "hackernews" / "hacker_news.csv";
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "no Hacker News data at " << path << " (../shared/data is optional)";
  }
  const auto posts = datasets::read_hackernews_csv(path);
  ASSERT_TRUE(posts.ok()) << posts.status();
  ASSERT_EQ(posts->size(), 14635u);
  std::vector<std::string> titles;
  for (const auto& post : *posts) titles.push_back(post.title);

  const TextEmbedder embedder = make_embedder();
  DocumentFrequencies table;
  std::vector<float> vectors(titles.size() * 128);
  ASSERT_TRUE(embed_corpus(embedder, titles, table, vectors).ok());
  const auto row = [&](std::size_t i) { return std::span(vectors).subspan(i * 128, 128); };

  // Rare words: alphabetic unigrams in 2 or 3 titles. Pair the titles holding each one.
  std::map<std::string, std::vector<std::size_t>> titles_by_word;
  for (std::size_t i = 0; i < titles.size(); ++i) {
    std::set<std::string> words;
    for (const std::string& token : tokenize(titles[i])) {
      if (token.size() >= 4 && std::all_of(token.begin(), token.end(), ::isalpha)) {
        words.insert(token);
      }
    }
    for (const std::string& word : words) titles_by_word[word].push_back(i);
  }
  double rare = 0;
  int rare_pairs = 0;
  for (const auto& [word, holders] : titles_by_word) {
    if (holders.size() < 2 || holders.size() > 3) continue;
    for (std::size_t a = 0; a < holders.size(); ++a) {
      for (std::size_t b = a + 1; b < holders.size(); ++b, ++rare_pairs) {
        rare += dot(row(holders[a]), row(holders[b]));
      }
    }
  }
  std::mt19937_64 random(11);
  double baseline = 0;
  const int random_pairs = 20000;
  for (int k = 0; k < random_pairs;) {
    const std::size_t a = random() % titles.size();
    const std::size_t b = random() % titles.size();
    if (a == b) continue;
    baseline += dot(row(a), row(b));
    ++k;
  }
  rare /= rare_pairs;
  baseline /= random_pairs;
  std::printf("hacker news: %d rare-word pairs mean cosine %.4f, random pairs %.4f\n", rare_pairs,
              rare, baseline);
  ASSERT_GT(rare_pairs, 1000);
  EXPECT_GE(rare - baseline, kRareWordMargin);
}

}  // namespace
}  // namespace feedrank::embeddings
