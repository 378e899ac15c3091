#include "tests/support/temp_dir.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace feedrank::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "feedrank-test-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;  // a leftover temp directory is no reason to fail a test
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace feedrank::testing
