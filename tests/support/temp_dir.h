// A fresh directory under the system temp directory, removed with its contents at the end.
#pragma once

#include <filesystem>
#include <string>

namespace feedrank::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace feedrank::testing
