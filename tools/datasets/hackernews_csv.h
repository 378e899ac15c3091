// Reading ../shared/data/hackernews/hacker_news.csv: a UTF-8 byte-order mark, a header line,
// then `id,title,url,num_points,num_comments,author,created_at` rows with RFC 4180 quoting.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace feedrank::datasets {

struct HackerNewsPost {
  std::uint64_t id = 0;
  std::string title;
  std::string url;
  std::uint64_t points = 0;
  std::uint64_t comments = 0;
  std::string author;
  std::string created_at;  // as written, e.g. "9/26/2016 3:26"
};

// NOT_FOUND if the file cannot be opened; DATA_LOSS on a row without 7 fields or a bad number.
absl::StatusOr<std::vector<HackerNewsPost>> read_hackernews_csv(const std::filesystem::path& path);

}  // namespace feedrank::datasets
