// Which compute backend runs retrieval and scoring: the CPU reference or an NVIDIA GPU.
// Knows nothing of posts or users.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace feedrank::kernels {

enum class BackendKind { kCpu, kGpu };

enum class BackendRequest { kAuto, kCpu, kGpu };

// Parses "auto" | "cpu" | "gpu"; false for anything else.
bool parse_backend_request(std::string_view text, BackendRequest& out);

struct BackendChoice {
  BackendKind kind = BackendKind::kCpu;
  std::string reason;  // why, for the log line: "--backend=auto: no usable GPU (...)"
};

// Resolves a request against the machine. `gpu` with no usable GPU is an error (ok = false,
// reason says why); `auto` falls back to the CPU and says so in the reason.
struct BackendResolution {
  bool ok = true;
  BackendChoice choice;
};
BackendResolution resolve_backend(BackendRequest request);

// Number of usable CUDA devices; 0 when built without CUDA or when the driver reports none.
int usable_gpu_count(std::string* why_none = nullptr);

// Device memory in use on the current GPU (all processes'), for metrics; nothing without CUDA or
// a usable device. Call it only where the GPU backend is in use: it creates a CUDA context.
std::optional<std::uint64_t> gpu_memory_used_bytes();

}  // namespace feedrank::kernels
