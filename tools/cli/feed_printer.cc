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

// "CANDIDATE_SOURCE_NETWORK_ENGAGEMENT" -> "network_engagement": new enum values need no edit
// here.
std::string enum_label(std::string name, std::string_view prefix) {
  if (name.empty()) return "unspecified";
  if (std::string_view(name).starts_with(prefix)) name.erase(0, prefix.size());
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

std::string source_name(v1::CandidateSource source) {
  return enum_label(v1::CandidateSource_Name(source), "CANDIDATE_SOURCE_");
}

std::string mode_name(v1::FeedMode mode) {
  return enum_label(v1::FeedMode_Name(mode), "FEED_MODE_");
}

std::string team_name(v1::InterleavingTeam team) {
  switch (team) {
    case v1::INTERLEAVING_TEAM_A:
      return "A";
    case v1::INTERLEAVING_TEAM_B:
      return "B";
    default:
      return "-";
  }
}

bool is_interleaved(const v1::GetFeedResponse& feed) {
  return feed.mode() == v1::FEED_MODE_INTERLEAVED;
}

std::string fixed3(double value) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(3) << value;
  return text.str();
}

// The response's ranking metadata (algorithmic pages), one line each.
void print_ranking_summary(const v1::GetFeedResponse& feed, std::ostream& out) {
  if (!feed.ranking_config_version().empty()) {
    out << "ranking config: " << feed.ranking_config_version() << "; " << feed.backend() << "\n";
  }
  if (feed.candidate_counts_size() > 0) {
    out << "candidates:";
    for (const v1::SourceCount& count : feed.candidate_counts()) {
      out << " " << source_name(count.source()) << "=" << count.candidates();
    }
    out << "\nremoved:";
    for (const v1::FilterCount& count : feed.removed_counts()) {
      out << " " << count.filter() << "=" << count.removed();
    }
    out << "\n";
  }
  if (feed.stage_times_size() > 0) {
    out << "time ms:";
    for (const v1::StageTime& time : feed.stage_times()) {
      out << " " << time.stage() << "=" << fixed3(time.seconds() * 1e3);
    }
    for (const v1::SourceCount& count : feed.candidate_counts()) {
      out << " " << source_name(count.source()) << "=" << fixed3(count.seconds() * 1e3);
    }
    out << "\n";
  }
  for (const std::string& line : feed.degraded()) out << "degraded: " << line << "\n";
}

// How the page was served, one line; none from a server that does not say.
void print_serving(const v1::GetFeedResponse& feed, std::ostream& out) {
  if (feed.mode() == v1::FEED_MODE_UNSPECIFIED && feed.request_id().empty() &&
      feed.experiment().empty()) {
    return;
  }
  out << "mode: " << mode_name(feed.mode());
  if (!feed.experiment().empty()) {
    out << "; experiment: " << feed.experiment() << "; arm: " << feed.arm();
  }
  if (!feed.request_id().empty()) out << "; request_id: " << feed.request_id();
  out << "\n";
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
  const bool interleaved = is_interleaved(feed);
  const auto row = [&](std::string_view time, const std::string& author, const std::string& post,
                       std::string_view source, std::string_view team, const std::string& score,
                       std::string_view text) {
    out << std::left << std::setw(22) << time << std::right << std::setw(author_width) << author
        << "  " << std::setw(post_width) << post << "  " << std::left << std::setw(19) << source;
    if (interleaved) out << ' ' << std::setw(4) << team;  // a gap after the longest source
    out << std::right << std::setw(7) << score << "  " << text << "\n";
  };
  row("TIME", "AUTHOR", "POST", "SOURCE", "TEAM", "SCORE", "TEXT");
  for (const v1::FeedItem& item : feed.items()) {
    std::ostringstream score;
    score << std::fixed << std::setprecision(3) << item.score();
    row(format_iso8601_utc(item.created_at_ms()), std::to_string(item.author_id()),
        std::to_string(item.post_id()), source_name(item.source()), team_name(item.team()),
        score.str(), one_line(item.text()));
    for (const v1::ScoreTerm& term : item.explanation()) {
      if (term.contribution() == 0) continue;  // zero terms add nothing to read
      out << "      " << std::left << std::setw(34) << term.name() << std::right << std::setw(9)
          << fixed3(term.value()) << "  " << (term.contribution() >= 0 ? "+" : "")
          << fixed3(term.contribution()) << "\n";
    }
  }
  print_ranking_summary(feed, out);
  print_serving(feed, out);
  out << "next_cursor: " << (feed.next_cursor().empty() ? "(none)" : feed.next_cursor()) << "\n";
}

void print_feed_json(const v1::GetFeedResponse& feed, std::ostream& out) {
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const v1::FeedItem& item : feed.items()) {
    nlohmann::ordered_json json_item = {{"post_id", item.post_id()},
                                        {"author_id", item.author_id()},
                                        {"created_at_ms", item.created_at_ms()},
                                        {"created_at", format_iso8601_utc(item.created_at_ms())},
                                        {"text", item.text()},
                                        {"score", item.score()},
                                        {"source", source_name(item.source())}};
    if (item.explanation_size() > 0) {
      nlohmann::ordered_json terms = nlohmann::ordered_json::array();
      for (const v1::ScoreTerm& term : item.explanation()) {
        terms.push_back({{"name", term.name()},
                         {"value", term.value()},
                         {"contribution", term.contribution()}});
      }
      json_item["explanation"] = std::move(terms);
    }
    if (is_interleaved(feed)) json_item["team"] = team_name(item.team());
    items.push_back(std::move(json_item));
  }
  nlohmann::ordered_json page = {{"items", std::move(items)},
                                 {"next_cursor", feed.next_cursor()},
                                 {"request_id", feed.request_id()},
                                 {"experiment", feed.experiment()},
                                 {"arm", feed.arm()},
                                 {"mode", mode_name(feed.mode())}};
  if (!feed.ranking_config_version().empty()) {
    page["ranking_config_version"] = feed.ranking_config_version();
    page["backend"] = feed.backend();
    page["degraded"] = std::vector<std::string>(feed.degraded().begin(), feed.degraded().end());
  }
  out << page.dump(-1, ' ', /*ensure_ascii=*/false,
                   nlohmann::ordered_json::error_handler_t::replace)
      << "\n";
}

}  // namespace feedrank::cli
