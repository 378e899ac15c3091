#include "tools/replay/replay_records.h"

#include <fstream>
#include <limits>

#include "fmt/format.h"
#include "tools/datasets/jsonl_records.h"
#include "tools/datasets/lastfm_dataset.h"

namespace feedrank::replay {
namespace {

absl::StatusOr<LoadedRecords> read_jsonl(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(fmt::format("cannot read {}", path.string()));
  LoadedRecords loaded;
  loaded.description = fmt::format("JSON Lines ({})", path.string());
  std::string line;
  for (std::uint64_t number = 1; std::getline(file, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines
    auto record = datasets::parse_jsonl_record(line);
    if (!record.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("{}:{}: {}", path.string(), number, std::string(record.status().message())));
    }
    loaded.records.push_back(std::move(*record));
  }
  return loaded;
}

absl::StatusOr<LoadedRecords> read_lastfm(const std::filesystem::path& dir, int likes_per_artist) {
  LoadedRecords loaded;
  datasets::LastfmOptions options;
  options.max_likes_per_artist =
      likes_per_artist > 0 ? likes_per_artist : std::numeric_limits<int>::max();
  auto counts = datasets::read_lastfm_dataset(
      dir, [&](const v1::IngestRecord& record) { loaded.records.push_back(record); }, options);
  if (!counts.ok()) return counts.status();
  loaded.description = fmt::format(
      "Last.fm HetRec 2011 ({}; {} bad rows skipped; a later tag likes {} earlier posts "
      "about the artist)",
      dir.string(), counts->skipped_rows,
      likes_per_artist > 0 ? fmt::format("the newest {}", likes_per_artist) : "all");
  return loaded;
}

absl::StatusOr<LoadedRecords> generate(const datasets::SyntheticCorpusOptions& options) {
  LoadedRecords loaded;
  auto counts = datasets::generate_synthetic_corpus(
      options,
      [&](const v1::IngestRecord& record, int /*topic*/) { loaded.records.push_back(record); });
  if (!counts.ok()) return counts.status();
  loaded.description = fmt::format("synthetic corpus ({} users, {} posts, seed {})", options.users,
                                   options.posts, options.seed);
  return loaded;
}

}  // namespace

absl::StatusOr<LoadedRecords> load_replay_records(const ReplaySource& source) {
  if (source.jsonl_file) return read_jsonl(*source.jsonl_file);
  if (source.lastfm_dir) return read_lastfm(*source.lastfm_dir, source.lastfm_likes_per_artist);
  if (source.synthetic) return generate(*source.synthetic);
  return absl::InvalidArgumentError("no input: give a JSON Lines file, --lastfm or --synthetic");
}

}  // namespace feedrank::replay
