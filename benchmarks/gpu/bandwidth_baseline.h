// Device memory bandwidth ceilings for the GPU retrieval benchmark, measured on the same bytes
// the searches stream: a plain read kernel (16-byte loads, several in flight) and a
// device-to-device copy.
#pragma once

#include <cstddef>

namespace feedrank::benchmarks {

// Milliseconds (CUDA events, median of `repeats`) to read `bytes` bytes once; the buffer is
// allocated, filled with non-zero data and freed here. Negative on a CUDA error.
double read_baseline_ms(std::size_t bytes, int repeats);

// Milliseconds to copy `bytes` bytes device to device (reads + writes 2 x bytes).
double copy_baseline_ms(std::size_t bytes, int repeats);

}  // namespace feedrank::benchmarks
