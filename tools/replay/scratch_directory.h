// A fresh, empty directory under the system temp directory for the replay's store, removed with
// its contents when the object goes.
#pragma once

#include <filesystem>

#include "absl/status/statusor.h"

namespace feedrank::replay {

class ScratchDirectory {
 public:
  // INTERNAL when the directory cannot be made.
  static absl::StatusOr<ScratchDirectory> create();
  ScratchDirectory(ScratchDirectory&& other) noexcept;
  ScratchDirectory& operator=(ScratchDirectory&&) = delete;
  ~ScratchDirectory();

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDirectory(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;  // empty once moved from
};

}  // namespace feedrank::replay
