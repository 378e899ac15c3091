// Sleeping in a std::jthread that must stop at once when asked, not at the end of its sleep.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace feedrank {

// Sleeps for `duration` or until a stop is requested, whichever comes first; true if the full
// duration passed without a stop request.
template <class Rep, class Period>
bool sleep_unless_stopped(std::stop_token stop, std::chrono::duration<Rep, Period> duration) {
  std::mutex mutex;
  std::condition_variable_any wake;  // only the stop request wakes it early
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, duration, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace feedrank
