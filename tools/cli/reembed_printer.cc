#include "tools/cli/reembed_printer.h"

#include "fmt/format.h"

namespace feedrank::cli {

std::string reembed_summary(const v1::ReembedProgress& progress) {
  const std::string state = progress.running()          ? "running"
                            : !progress.error().empty() ? "failed after"
                            : progress.rows_done() < progress.rows_total() ? "stopped after"
                                                                           : "done";
  std::string line = fmt::format("{}: {}/{} rows, {} vectors changed, {:.1f} s", state,
                                 progress.rows_done(), progress.rows_total(),
                                 progress.vectors_changed(), progress.seconds());
  if (!progress.error().empty()) line += ": " + progress.error();
  return line;
}

nlohmann::ordered_json reembed_json(const v1::ReembedProgress& progress) {
  return {{"running", progress.running()},
          {"rows_done", progress.rows_done()},
          {"rows_total", progress.rows_total()},
          {"vectors_changed", progress.vectors_changed()},
          {"seconds", progress.seconds()},
          {"error", progress.error()}};
}

}  // namespace feedrank::cli
