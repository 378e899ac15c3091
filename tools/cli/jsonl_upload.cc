#include "tools/cli/jsonl_upload.h"

#include <cstdint>

#include "tools/datasets/jsonl_records.h"

namespace feedrank::cli {

std::optional<std::string> upload_jsonl(std::istream& in, IngestUploader& uploader) {
  std::string line;
  std::uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto record = datasets::parse_jsonl_record(line);
    if (!record.ok()) {
      return "line " + std::to_string(number) + ": " + std::string(record.status().message());
    }
    if (!uploader.add(*record, number)) return std::nullopt;
  }
  if (in.bad()) return "line " + std::to_string(number + 1) + ": read error";
  return std::nullopt;
}

}  // namespace feedrank::cli
