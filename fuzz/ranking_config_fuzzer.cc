// The ranking config parser on arbitrary text: it never crashes or throws, refuses bad input with
// INVALID_ARGUMENT, and a config it accepts round-trips exactly through to_json.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "ranker/scoring/ranking_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(bytes), size);
  const auto config = feedrank::ranker::parse_ranking_config(json);
  if (!config.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(config.status()), "a refused config is INVALID_ARGUMENT");
    return 0;
  }
  const std::string written = feedrank::ranker::to_json(*config);
  const auto reread = feedrank::ranker::parse_ranking_config(written);
  FUZZ_CHECK(reread.ok(), "a written config parses");
  FUZZ_CHECK(feedrank::ranker::to_json(*reread) == written, "to_json -> parse round-trips");
  return 0;
}
