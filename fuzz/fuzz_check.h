// FUZZ_CHECK(condition, what): an invariant a fuzz target asserts. A failed one prints what broke
// and aborts, which libFuzzer records as a crash with the input that caused it.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition, what)                                                       \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "fuzz invariant broken at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                   what, #condition);                                                     \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)
