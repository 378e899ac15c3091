// What a throw means as a status, for code that reports its errors as statuses: the net under
// code on a thread of its own (where an exception would end the process) and under steps that
// must leave shared state consistent. Out of memory is RESOURCE_EXHAUSTED, anything else
// INTERNAL with what was thrown.
#pragma once

#include <exception>
#include <new>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace feedrank {

// `doing` says what was being done, for the message ("writing to the store").
inline absl::Status status_of_exception(std::exception_ptr thrown, std::string_view doing) {
  try {
    std::rethrow_exception(std::move(thrown));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory " + std::string(doing));
  } catch (const std::exception& error) {
    return absl::InternalError(std::string(doing) + ": " + error.what());
  } catch (...) {
    return absl::InternalError(std::string(doing) + ": an unknown exception");
  }
}

// Runs `step` (returning absl::Status or absl::StatusOr), with what it throws as its error.
template <class Step>
auto or_error_status(std::string_view doing, Step&& step) -> decltype(step()) {
  try {
    return step();
  } catch (...) {
    return status_of_exception(std::current_exception(), doing);
  }
}

}  // namespace feedrank
