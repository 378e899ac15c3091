#include "common/huge_page_malloc.h"

#include <gtest/gtest.h>

namespace feedrank {
namespace {

TEST(HugePageMalloc, AddsTheTunableToWhatIsSet) {
  EXPECT_EQ(tunables_with_huge_page_malloc(nullptr), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(tunables_with_huge_page_malloc(""), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(tunables_with_huge_page_malloc("glibc.malloc.arena_max=2"),
            "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1");
}

TEST(HugePageMalloc, KeepsTheCallersOwnChoiceAndStopsAfterOneRestart) {
  EXPECT_EQ(tunables_with_huge_page_malloc("glibc.malloc.hugetlb=0"), std::nullopt);
  EXPECT_EQ(tunables_with_huge_page_malloc("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"),
            std::nullopt);
}

}  // namespace
}  // namespace feedrank
