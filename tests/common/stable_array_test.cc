#include "common/stable_array.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace feedrank {
namespace {

std::vector<std::uint64_t> contents(const StableArray<std::uint64_t>& array) {
  return std::vector<std::uint64_t>(array.begin(), array.end());
}

TEST(StableArray, AppendsWithoutMovingTheElements) {
  StableArray<std::uint64_t> array;
  EXPECT_TRUE(array.empty());
  EXPECT_EQ(array.data(), nullptr);
  array.push_back(7);
  const std::uint64_t* first = array.data();
  // 1M appends cross every doubling a std::vector would copy at.
  for (std::uint64_t i = 1; i < 1'000'000; ++i) array.push_back(7 + i);
  EXPECT_EQ(array.data(), first) << "growth within the reservation never moves the elements";
  ASSERT_EQ(array.size(), 1'000'000u);
  for (std::size_t i = 0; i < array.size(); i += 9973) ASSERT_EQ(array[i], 7 + i) << i;
}

TEST(StableArray, KeepsTheElementsWhenItGrowsPastItsReservation) {
  StableArray<std::uint64_t> array;
  for (std::uint64_t i = 0; i < 5000; ++i) array.push_back(i * i);
  const std::vector<std::uint64_t> before = contents(array);
  // Past the first 1 GiB reservation: remapped, not copied; untouched pages cost nothing.
  array.reserve((std::size_t{3} << 30) / sizeof(std::uint64_t));
  EXPECT_EQ(contents(array), before);
  array.resize(array.size() + 100);
  EXPECT_EQ(array[5050], 0u) << "new elements are zero";
  EXPECT_EQ(array[4999], 4999u * 4999u);
}

TEST(StableArray, NewElementsAreZeroAfterAShrink) {
  StableArray<std::uint64_t> array;
  array.resize(100);
  for (std::size_t i = 0; i < 100; ++i) array[i] = i + 1;
  array.resize(10);
  array.resize(100);
  EXPECT_EQ(array[9], 10u);
  for (std::size_t i = 10; i < 100; ++i) ASSERT_EQ(array[i], 0u) << i;
}

TEST(StableArray, CopiesAreIndependentAndMovesEmptyTheSource) {
  StableArray<std::uint64_t> original;
  for (std::uint64_t i = 0; i < 3000; ++i) original.push_back(3 * i);
  StableArray<std::uint64_t> copy = original;
  copy[0] = 99;
  EXPECT_EQ(original[0], 0u);
  EXPECT_EQ(copy[2999], 3u * 2999u);
  ASSERT_EQ(copy.size(), original.size());

  const std::uint64_t* storage = original.data();
  StableArray<std::uint64_t> moved = std::move(original);
  EXPECT_EQ(moved.data(), storage) << "a move hands over the mapping";
  EXPECT_EQ(moved.size(), 3000u);
  EXPECT_TRUE(original.empty());  // NOLINT(bugprone-use-after-move): moved-from is specified

  copy = moved;
  EXPECT_EQ(contents(copy), contents(moved));
}

TEST(StableArray, ResidentBytesCountWrittenPagesNotTheReservation) {
  StableArray<float> array;
  array.reserve(50'000'000);
  EXPECT_EQ(array.resident_bytes(), 0u);
  array.resize(1'000'000);
  EXPECT_GE(array.resident_bytes(), 1'000'000 * sizeof(float));
  EXPECT_LT(array.resident_bytes(), 1'000'000 * sizeof(float) + 65536);
}

// The kernel's transparent-huge-page mode: "always", "madvise" or "never" ("" where unknown).
std::string huge_page_mode() {
  std::ifstream file("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  std::getline(file, line);
  const auto open = line.find('['), close = line.find(']');
  return open == std::string::npos || close == std::string::npos
             ? ""
             : line.substr(open + 1, close - open - 1);
}

// The THPeligible field of the mapping holding `address`, from /proc/self/smaps; -1 if absent.
int huge_page_eligible(const void* address) {
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    std::uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> begin >> dash >> end && dash == '-') {
      inside = begin <= at && at < end;
    } else if (inside && line.rfind("THPeligible:", 0) == 0) {
      return std::stoi(line.substr(12));
    }
  }
  return -1;
}

// Where the kernel gives huge pages only on request (Debian's default), a large array asks for
// them and a small one does not.
TEST(StableArray, AsksForHugePagesOnceItHolds32MB) {
  const std::string mode = huge_page_mode();
  if (mode != "madvise" && mode != "always") GTEST_SKIP() << "huge pages are off: " << mode;
  StableArray<float> array;
  array.resize(1'000);
  if (huge_page_eligible(array.data()) == -1) GTEST_SKIP() << "no THPeligible in smaps";
  if (mode == "madvise") EXPECT_EQ(huge_page_eligible(array.data()), 0);
  array.resize((kHugePagesWorthyBytes + sizeof(float) - 1) / sizeof(float));
  EXPECT_EQ(huge_page_eligible(array.data()), 1);
  StableArray<float> copy = array;
  EXPECT_EQ(huge_page_eligible(copy.data()), 1);
}

}  // namespace
}  // namespace feedrank
