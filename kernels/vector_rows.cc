#include <algorithm>
#include <span>
#include <vector>

#include "common/half_float.h"
#include "kernels/vector_index.h"

namespace feedrank::kernels {

void copy_rows_as_floats(const VectorRows& rows, std::size_t first, std::size_t end, float* out) {
  const auto d = static_cast<std::size_t>(rows.dimension);
  if (rows.halves != nullptr) {
    floats_of_half_bits(std::span(rows.halves + first * d, (end - first) * d),
                        std::span(out, (end - first) * d));
  } else {
    std::copy(rows.data + first * d, rows.data + end * d, out);
  }
}

const float* floats_of_rows(const VectorRows& rows, std::size_t first, std::size_t end,
                            std::vector<float>& widened) {
  if (rows.halves == nullptr) return rows.data + first * static_cast<std::size_t>(rows.dimension);
  widened.resize((end - first) * static_cast<std::size_t>(rows.dimension));
  copy_rows_as_floats(rows, first, end, widened.data());
  return widened.data();
}

}  // namespace feedrank::kernels
