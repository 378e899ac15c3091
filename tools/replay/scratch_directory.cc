#include "tools/replay/scratch_directory.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

#include "fmt/format.h"

namespace feedrank::replay {

absl::StatusOr<ScratchDirectory> ScratchDirectory::create() {
  std::error_code error;
  const std::filesystem::path base = std::filesystem::temp_directory_path(error);
  if (error) return absl::InternalError("no temp directory: " + error.message());
  // mkdtemp picks an unused name atomically, so replays running side by side never share one.
  std::string pattern = (base / "feedrank-replay-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(fmt::format("cannot create {}: {}", pattern, std::strerror(errno)));
  }
  return ScratchDirectory(pattern);
}

ScratchDirectory::ScratchDirectory(ScratchDirectory&& other) noexcept
    : path_(std::exchange(other.path_, {})) {}

ScratchDirectory::~ScratchDirectory() {
  if (path_.empty()) return;
  std::error_code ignored;  // a leftover temp directory is not worth failing a replay for
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace feedrank::replay
