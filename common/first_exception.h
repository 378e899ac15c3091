// The first exception thrown by work spread over threads (ours or an OpenMP region's), kept to be
// rethrown on the caller once they are done: one that left a thread's function or a region would
// end the process, where the caller can turn it into an error status.
#pragma once

#include <exception>
#include <mutex>

namespace feedrank {

class FirstException {
 public:
  // Runs body(), keeping what it throws if nothing was kept yet.
  template <class Body>
  void capture(Body&& body) noexcept {
    try {
      body();
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!first_) first_ = std::current_exception();
    }
  }
  // After the threads: throws what was kept, if anything.
  void rethrow_if_any() const {
    if (first_) std::rethrow_exception(first_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr first_;
};

}  // namespace feedrank
