// The per-call contexts (stream, buffers) no call is using, for the GPU feature scorer and ALS
// solver. A call takes one, or makes one when none is idle, and gives it back: there are as many
// as the most calls ever in flight at once (each holds device memory for the largest problem it
// has served), and calls never wait for each other. Context needs `absl::Status init()`.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "kernels/gpu/cuda_status.h"

namespace feedrank::kernels::gpu {

template <typename Context>
class IdleContexts {
 public:
  absl::StatusOr<std::unique_ptr<Context>> take() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        std::unique_ptr<Context> ctx = std::move(idle_.back());
        idle_.pop_back();
        return ctx;
      }
    }
    auto ctx = std::make_unique<Context>();
    if (absl::Status status = ctx->init(); !status.ok()) return status;
    return ctx;
  }

  void give_back(std::unique_ptr<Context> ctx) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(ctx));
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Context>> idle_;
};

}  // namespace feedrank::kernels::gpu
