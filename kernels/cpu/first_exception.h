// The first exception thrown inside an OpenMP region, kept to be rethrown after it: one that left
// the region (an OpenMP thread's work) would end the process, where the caller turns it into an
// error status (FAISS's own errors and out of memory alike).
#pragma once

#include <exception>
#include <mutex>

namespace feedrank::kernels::cpu {

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
  // After the region: throws what was kept, if anything.
  void rethrow_if_any() const {
    if (first_) std::rethrow_exception(first_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr first_;
};

}  // namespace feedrank::kernels::cpu
