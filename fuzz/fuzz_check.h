// FUZZ_CHECK(condition, what): an invariant a fuzz target asserts. A failed one prints what broke
// and aborts, which libFuzzer records as a crash with the input that caused it.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"

#define FUZZ_CHECK(condition, what)                                                       \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "fuzz invariant broken at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                   what, #condition);                                                     \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

// A refusal of input that names a field: INVALID_ARGUMENT whose message starts with the field's
// path or the parameter's name ("posts[3].text: ...", "limit: ...").
inline void check_refusal_names_a_field(const absl::Status& status) {
  FUZZ_CHECK(absl::IsInvalidArgument(status), "a refusal is INVALID_ARGUMENT");
  const absl::string_view message = status.message();
  const auto colon = message.find(": ");
  FUZZ_CHECK(colon != absl::string_view::npos && colon > 0, "the message starts with a field");
}
