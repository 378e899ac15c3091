// The synthetic corpus the benchmarks load: authors, posts spread over time and viewers who
// follow some of the authors. Every record is a pure function of its index, so the in-process
// and the gRPC benchmarks work on the same data and every run on the same corpus.
#pragma once

#include <cstddef>
#include <filesystem>
#include <vector>

#include "store/records.h"

namespace feedrank::bench {

struct CorpusShape {
  std::size_t authors = 10'000;
  std::size_t posts = 1'000'000;
};

// Authors are users 1..authors; post `index` (0-based) has id index + 1.
User synthetic_author(std::size_t index);
// Posts arrive in time order (one every 600 ms, about a week for 1M posts) with a little
// jitter, from authors picked at random; about one in ten is for followers only.
Post synthetic_post(const CorpusShape& shape, std::size_t index);

// Viewers are users outside the author id range, `slot` telling apart viewers with the same
// number of followees.
UserId viewer_id(std::size_t followees, std::size_t slot);
User synthetic_viewer(std::size_t followees, std::size_t slot);
// `count` distinct authors chosen at random (seeded by the viewer id), so that viewers of the
// same size follow different accounts and do not share warm caches.
std::vector<Follow> synthetic_follows(const CorpusShape& shape, UserId viewer, std::size_t count);

// A fresh directory under the system temp folder, removed with everything in it on destruction.
class ScopedTempDir {
 public:
  ScopedTempDir();
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace feedrank::bench
