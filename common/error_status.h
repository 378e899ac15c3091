// A step that reports its errors as a status, with what it throws made one too: the net under
// code on a thread of its own (where an exception would end the process) and under steps that
// must leave shared state consistent (the write pipeline). Out of memory is RESOURCE_EXHAUSTED,
// anything else INTERNAL with what was thrown.
#pragma once

#include <exception>
#include <new>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace feedrank {

// Runs `step` (returning absl::Status or absl::StatusOr); `doing` says what it was doing, for
// the error ("writing to the store").
template <class Step>
auto or_error_status(std::string_view doing, Step&& step) -> decltype(step()) {
  try {
    return step();
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory " + std::string(doing));
  } catch (const std::exception& error) {
    return absl::InternalError(std::string(doing) + ": " + error.what());
  }
}

}  // namespace feedrank
