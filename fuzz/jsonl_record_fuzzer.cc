// The JSON Lines record reader on arbitrary text: it never crashes or throws, refuses bad lines
// with INVALID_ARGUMENT, and what it accepts reaches a fixed point after one write: the line
// to_jsonl_line writes parses back to a record that writes the same line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "tools/datasets/jsonl_records.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(bytes), size);
  const auto record = feedrank::datasets::parse_jsonl_record(line);
  if (!record.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(record.status()), "a refused line is INVALID_ARGUMENT");
    return 0;
  }
  const std::string written = feedrank::datasets::to_jsonl_line(*record);
  const auto reread = feedrank::datasets::parse_jsonl_record(written);
  FUZZ_CHECK(reread.ok(), "a written line parses");
  FUZZ_CHECK(feedrank::datasets::to_jsonl_line(*reread) == written, "write -> parse -> write");
  return 0;
}
