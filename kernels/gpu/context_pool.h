// Search contexts handed out one per concurrent search, created on demand up to a limit;
// further searches wait for one to come back.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "kernels/gpu/search_context.h"

namespace feedrank::kernels::gpu {

class ContextPool {
 public:
  explicit ContextPool(int limit) : limit_(limit) {}

  // Returns the context to the pool when destroyed.
  class Lease {
   public:
    Lease(ContextPool* pool, std::unique_ptr<SearchContext> ctx)
        : pool_(pool), ctx_(std::move(ctx)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (ctx_) pool_->give_back(std::move(ctx_));
    }
    SearchContext& operator*() const { return *ctx_; }

   private:
    ContextPool* pool_;
    std::unique_ptr<SearchContext> ctx_;
  };

  // Call on the index's device.
  absl::StatusOr<Lease> acquire();

 private:
  void give_back(std::unique_ptr<SearchContext> ctx);

  const int limit_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<SearchContext>> idle_;
  int created_ = 0;
};

}  // namespace feedrank::kernels::gpu
