// Seconds since construction on the steady clock: how long a phase of a tool took, for its
// progress lines and reports.
#pragma once

#include <chrono>

namespace feedrank {

class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace feedrank
