#include "kernels/gpu/context_pool.h"

namespace feedrank::kernels::gpu {

absl::StatusOr<ContextPool::Lease> ContextPool::acquire() {
  {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [&] { return !idle_.empty() || created_ < limit_; });
    if (!idle_.empty()) {
      std::unique_ptr<SearchContext> ctx = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(ctx));
    }
    ++created_;
  }
  auto ctx = std::make_unique<SearchContext>();
  if (absl::Status s = ctx->init(); !s.ok()) {
    std::lock_guard lock(mutex_);
    --created_;
    returned_.notify_one();
    return s;
  }
  return Lease(this, std::move(ctx));
}

void ContextPool::give_back(std::unique_ptr<SearchContext> ctx) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(ctx));
  returned_.notify_one();
}

}  // namespace feedrank::kernels::gpu
