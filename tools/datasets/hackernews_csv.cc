#include "tools/datasets/hackernews_csv.h"

#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "tools/datasets/tab_separated.h"

namespace feedrank::datasets {
namespace {

// Splits one record starting at `pos` into fields, advancing past its line end. Quoted fields
// may hold commas, doubled quotes and line breaks.
std::vector<std::string> next_record(std::string_view text, std::size_t& pos) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  // A quote opens quoting only as a field's first character, as Python's csv reads it: one
  // inside a bare field (a 5" screen) is a character, not the start of a quoted run that would
  // swallow the rest of the row and the next.
  bool field_start = true;
  while (pos < text.size()) {
    const char c = text[pos++];
    const bool at_start = std::exchange(field_start, false);
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (pos < text.size() && text[pos] == '"') {
        fields.back() += '"';
        ++pos;
      } else {
        quoted = false;
      }
    } else if (c == '"' && at_start) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
      field_start = true;
    } else if (c == '\n') {
      break;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

}  // namespace

absl::StatusOr<std::vector<HackerNewsPost>> read_hackernews_csv(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot open " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::size_t pos = std::string_view(text).starts_with("\xEF\xBB\xBF") ? 3 : 0;
  next_record(text, pos);  // header
  std::vector<HackerNewsPost> posts;
  std::size_t line = 1;
  while (pos < text.size()) {
    ++line;
    std::vector<std::string> fields = next_record(text, pos);
    if (fields.size() == 1 && fields[0].empty()) continue;
    if (fields.size() != 7) {
      return absl::DataLossError(path.string() + ": record " + std::to_string(line) + " has " +
                                 std::to_string(fields.size()) + " fields, expected 7");
    }
    const auto id = parse_decimal(fields[0]);
    const auto points = parse_decimal(fields[3]);
    const auto comments = parse_decimal(fields[4]);
    if (!id || !points || !comments) {
      return absl::DataLossError(path.string() + ": record " + std::to_string(line) +
                                 " has a bad number");
    }
    posts.push_back({*id, std::move(fields[1]), std::move(fields[2]), *points, *comments,
                     std::move(fields[5]), std::move(fields[6])});
  }
  return posts;
}

}  // namespace feedrank::datasets
