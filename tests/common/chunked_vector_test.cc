#include "common/chunked_vector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace feedrank {
namespace {

TEST(ChunkedVector, KeepsEveryElementInPlaceAcrossChunks) {
  ChunkedVector<std::string, 4> strings;
  EXPECT_TRUE(strings.empty());
  EXPECT_EQ(strings.memory_bytes(), 0u);
  std::vector<const std::string*> addresses;
  for (int i = 0; i < 11; ++i) {
    std::string& added = strings.emplace_back();
    EXPECT_TRUE(added.empty()) << "new elements are default-constructed";
    added = "post " + std::to_string(i);
    addresses.push_back(&added);
  }
  ASSERT_EQ(strings.size(), 11u);
  for (int i = 0; i < 11; ++i) {
    EXPECT_EQ(strings[i], "post " + std::to_string(i));
    EXPECT_EQ(&strings[i], addresses[i]) << "growing moved element " << i;
  }
  // Three chunks of four, the last one a quarter empty.
  EXPECT_GE(strings.memory_bytes(), 12 * sizeof(std::string));
}

TEST(ChunkedVector, ChangesGoThroughTheConstAndTheMutableViewAlike) {
  ChunkedVector<int, 2> numbers;
  for (int i = 0; i < 5; ++i) numbers.emplace_back() = i * i;
  numbers[3] += 100;
  const auto& view = numbers;
  EXPECT_EQ(view[3], 109);
  EXPECT_EQ(view[4], 16);
}

}  // namespace
}  // namespace feedrank
