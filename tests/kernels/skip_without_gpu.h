// Skipping a GPU test where there is no usable GPU, except on the lent GPU machine:
// benchmarks/gpu/run.sh sets FEEDRANK_REQUIRE_GPU there when nvidia-smi lists a GPU, and then a
// test that finds none fails, so that a driver or build mismatch cannot pass as a clean run of
// skipped tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>

// Returns from the test: a skip with `why`, or a failure when a GPU is required.
#define FEEDRANK_SKIP_WITHOUT_GPU(why)                              \
  do {                                                              \
    if (std::getenv("FEEDRANK_REQUIRE_GPU") != nullptr) {           \
      FAIL() << "a GPU is listed, yet: " << (why);                  \
    }                                                               \
    GTEST_SKIP() << (why);                                          \
  } while (false)
