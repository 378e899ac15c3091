#include "tools/cli/progress_reporter.h"

#include <cstdio>
#include <utility>

namespace feedrank::cli {

ProgressReporter::ProgressReporter(std::string label)
    : label_(std::move(label)), start_(std::chrono::steady_clock::now()), last_line_(start_) {}

double ProgressReporter::rate(std::uint64_t records,
                              std::chrono::steady_clock::time_point now) const {
  const double seconds = std::chrono::duration<double>(now - start_).count();
  return seconds > 0 ? static_cast<double>(records) / seconds : 0.0;
}

void ProgressReporter::update(std::uint64_t records) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_line_ < std::chrono::seconds(1)) return;
  last_line_ = now;
  std::fprintf(stderr, "%s: %llu records sent (%.0f records/s)\n", label_.c_str(),
               static_cast<unsigned long long>(records), rate(records, now));
}

void ProgressReporter::done(std::uint64_t records) {
  const auto now = std::chrono::steady_clock::now();
  std::fprintf(stderr, "%s: %llu records sent in %.1f s (%.0f records/s)\n", label_.c_str(),
               static_cast<unsigned long long>(records),
               std::chrono::duration<double>(now - start_).count(), rate(records, now));
}

}  // namespace feedrank::cli
