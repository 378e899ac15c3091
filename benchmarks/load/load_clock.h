// The time a run's reads and writes are stamped with. Against a generated corpus (posts of
// January 2024) it starts at the corpus's last record and runs with the wall clock, so that the
// feeds are read as of just after the data (as_of_ms), the algorithmic feed's recency and
// out-of-network window see the posts as recent, and new posts land on top of the feeds (a later
// run on the same work directory starts where the last one stopped: CorpusInfo). With
// no base it is the wall clock and reads leave as_of_ms unset (the server's now).
#pragma once

#include <chrono>
#include <cstdint>

namespace feedrank::load {

class LoadClock {
 public:
  explicit LoadClock(std::int64_t base_ms = 0)
      : base_ms_(base_ms), start_(std::chrono::steady_clock::now()) {}

  bool has_base() const { return base_ms_ != 0; }
  std::int64_t now_ms() const {
    if (base_ms_ == 0) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    }
    return base_ms_ + std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start_)
                          .count();
  }

 private:
  std::int64_t base_ms_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace feedrank::load
