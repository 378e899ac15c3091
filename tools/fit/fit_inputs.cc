#include "tools/fit/fit_inputs.h"

#include "fmt/format.h"
#include "tools/fit/store_records.h"

namespace feedrank::fit {
namespace {

// The last named component: "../shared/data/lastfm-2k/" is "lastfm-2k" too.
std::string last_name(const std::filesystem::path& path) {
  const std::filesystem::path normal = path.lexically_normal();
  return normal.has_filename() ? normal.filename().string()
                               : normal.parent_path().filename().string();
}

}  // namespace

absl::StatusOr<replay::LoadedRecords> load_fit_records(const FitOptions& options) {
  if (!options.data_dir.empty()) return read_store_records(options.data_dir);
  return replay::load_replay_records(options.source);
}

std::string input_name(const FitOptions& options) {
  if (!options.data_dir.empty()) return last_name(options.data_dir);
  const replay::ReplaySource& source = options.source;
  if (source.jsonl_file) return source.jsonl_file->stem().string();
  if (source.lastfm_dir) return last_name(*source.lastfm_dir);
  if (source.synthetic) {
    return fmt::format("synthetic-{}-{}-{}", source.synthetic->users, source.synthetic->posts,
                       source.synthetic->seed);
  }
  return "unknown";
}

}  // namespace feedrank::fit
