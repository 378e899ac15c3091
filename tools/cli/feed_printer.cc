#include "tools/cli/feed_printer.h"

#include <algorithm>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>

#include "tools/cli/time_format.h"
#include "tools/datasets/text_encoding.h"

namespace feedrank::cli {
namespace {

constexpr std::size_t kTextColumnBytes = 60;

std::string_view source_name(v1::CandidateSource source) {
  switch (source) {
    case v1::CANDIDATE_SOURCE_SELF:
      return "self";
    case v1::CANDIDATE_SOURCE_FOLLOWING:
      return "following";
    case v1::CANDIDATE_SOURCE_OUT_OF_NETWORK:
      return "out_of_network";
    default:
      return "unspecified";
  }
}

// One table cell: line breaks and tabs would break the layout.
std::string one_line(std::string_view text) {
  std::string line = datasets::repair_utf8(text);
  std::replace_if(
      line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  if (line.size() <= kTextColumnBytes) return line;
  return std::string(datasets::truncate_utf8(line, kTextColumnBytes - 3)) + "...";
}

}  // namespace

void print_feed_table(const v1::GetFeedResponse& feed, std::ostream& out) {
  int author_width = 6;  // "AUTHOR"
  int post_width = 4;    // "POST"
  for (const v1::FeedItem& item : feed.items()) {
    author_width =
        std::max(author_width, static_cast<int>(std::to_string(item.author_id()).size()));
    post_width = std::max(post_width, static_cast<int>(std::to_string(item.post_id()).size()));
  }
  const auto row = [&](std::string_view time, const std::string& author, const std::string& post,
                       std::string_view source, const std::string& score, std::string_view text) {
    out << std::left << std::setw(22) << time << std::right << std::setw(author_width) << author
        << "  " << std::setw(post_width) << post << "  " << std::left << std::setw(15) << source
        << std::right << std::setw(7) << score << "  " << text << "\n";
  };
  row("TIME", "AUTHOR", "POST", "SOURCE", "SCORE", "TEXT");
  for (const v1::FeedItem& item : feed.items()) {
    std::ostringstream score;
    score << std::fixed << std::setprecision(3) << item.score();
    row(format_iso8601_utc(item.created_at_ms()), std::to_string(item.author_id()),
        std::to_string(item.post_id()), source_name(item.source()), score.str(),
        one_line(item.text()));
  }
  out << "next_cursor: " << (feed.next_cursor().empty() ? "(none)" : feed.next_cursor()) << "\n";
}

void print_feed_json(const v1::GetFeedResponse& feed, std::ostream& out) {
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const v1::FeedItem& item : feed.items()) {
    items.push_back({{"post_id", item.post_id()},
                     {"author_id", item.author_id()},
                     {"created_at_ms", item.created_at_ms()},
                     {"created_at", format_iso8601_utc(item.created_at_ms())},
                     {"text", item.text()},
                     {"score", item.score()},
                     {"source", source_name(item.source())}});
  }
  const nlohmann::ordered_json page = {{"items", std::move(items)},
                                       {"next_cursor", feed.next_cursor()}};
  out << page.dump(-1, ' ', /*ensure_ascii=*/false,
                   nlohmann::ordered_json::error_handler_t::replace)
      << "\n";
}

}  // namespace feedrank::cli
