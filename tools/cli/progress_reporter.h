// A progress line on stderr for long loads, at most once a second so it costs nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace feedrank::cli {

class ProgressReporter {
 public:
  explicit ProgressReporter(std::string label);

  // "<label>: 120000 records sent (54000 records/s)" when a second has passed since the last line.
  void update(std::uint64_t records);
  // The final line, with the total time.
  void done(std::uint64_t records);

 private:
  double rate(std::uint64_t records, std::chrono::steady_clock::time_point now) const;

  std::string label_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_line_;
};

}  // namespace feedrank::cli
