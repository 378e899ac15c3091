#include "tools/datasets/tab_separated.h"

#include <charconv>
#include <fstream>
#include <string>

namespace feedrank::datasets {

absl::Status for_each_tsv_row(
    const std::filesystem::path& path,
    const std::function<void(const std::vector<std::string_view>& fields)>& row) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot open " + path.string());
  std::string line;
  std::vector<std::string_view> fields;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    fields.clear();
    std::string_view rest = line;
    for (std::size_t tab; (tab = rest.find('\t')) != std::string_view::npos;) {
      fields.push_back(rest.substr(0, tab));
      rest.remove_prefix(tab + 1);
    }
    fields.push_back(rest);
    row(fields);
  }
  if (in.bad()) return absl::DataLossError("error reading " + path.string());
  return absl::OkStatus();
}

std::optional<std::uint64_t> parse_decimal(std::string_view field) {
  std::uint64_t value = 0;
  const char* end = field.data() + field.size();
  const auto result = std::from_chars(field.data(), end, value);
  if (field.empty() || result.ec != std::errc() || result.ptr != end) return std::nullopt;
  return value;
}

}  // namespace feedrank::datasets
