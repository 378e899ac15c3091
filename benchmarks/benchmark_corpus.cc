#include "benchmarks/benchmark_corpus.h"

#include <stdlib.h>

#include <cerrno>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>

#include "fmt/format.h"

namespace feedrank::bench {
namespace {

constexpr TimestampMs kCorpusStartMs = 1'763'769'600'000;  // 2025-11-22T00:00Z
constexpr TimestampMs kPostSpacingMs = 600;
constexpr UserId kFirstViewerId = 1'000'000'000;  // above any author id

// splitmix64: cheap, well mixed, and the same on every platform (unlike std::hash).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

User synthetic_author(std::size_t index) {
  const UserId id = index + 1;
  return User{id, fmt::format("author{}", id), kCorpusStartMs - 86'400'000};
}

Post synthetic_post(const CorpusShape& shape, std::size_t index) {
  const std::uint64_t random = mix(index);
  Post post;
  post.id = index + 1;
  post.author = random % shape.authors + 1;
  post.created_at = kCorpusStartMs + static_cast<TimestampMs>(index) * kPostSpacingMs +
                    static_cast<TimestampMs>((random >> 32) % kPostSpacingMs);
  post.visibility = (random >> 20) % 10 == 0 ? Visibility::kFollowers : Visibility::kPublic;
  // About 90 bytes, a typical short post.
  post.text =
      fmt::format("Post {} by author {}: a few notes on the week, a link and a thought. #topic{}",
                  post.id, post.author, (random >> 40) % 100);
  return post;
}

UserId viewer_id(std::size_t followees, std::size_t slot) {
  return kFirstViewerId + followees * 1'000 + slot;
}

User synthetic_viewer(std::size_t followees, std::size_t slot) {
  const UserId id = viewer_id(followees, slot);
  return User{id, fmt::format("viewer{}", id), kCorpusStartMs - 86'400'000};
}

std::vector<Follow> synthetic_follows(const CorpusShape& shape, UserId viewer, std::size_t count) {
  if (count > shape.authors) throw std::invalid_argument("more followees than authors");
  std::vector<UserId> authors(shape.authors);
  std::iota(authors.begin(), authors.end(), UserId{1});
  std::mt19937_64 random(viewer);
  std::vector<Follow> follows;
  follows.reserve(count);
  // Partial Fisher-Yates: the first `count` slots end up a uniform sample without repeats.
  for (std::size_t i = 0; i < count; ++i) {
    std::uniform_int_distribution<std::size_t> pick(i, authors.size() - 1);
    std::swap(authors[i], authors[pick(random)]);
    follows.push_back(Follow{viewer, authors[i], kCorpusStartMs - 3'600'000});
  }
  return follows;
}

ScopedTempDir::ScopedTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "feedrank-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path_ = pattern;
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace feedrank::bench
