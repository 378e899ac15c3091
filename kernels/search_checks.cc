#include "kernels/search_checks.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace feedrank::kernels {

absl::Status check_rows(const VectorRows& rows, int dimension) {
  if (rows.dimension != dimension) {
    return absl::InvalidArgumentError("rows.dimension: " + std::to_string(rows.dimension) +
                                      ", the index has dimension " + std::to_string(dimension));
  }
  const bool one_matrix = (rows.data == nullptr) != (rows.halves == nullptr);
  if (rows.rows > 0 && (!one_matrix || rows.ids == nullptr)) {
    return absl::InvalidArgumentError(
        "rows: ids and one of data and halves must be set when rows > 0");
  }
  return absl::OkStatus();
}

absl::Status check_rows_cover(const VectorRows& rows, int dimension, std::size_t indexed_rows) {
  if (auto status = check_rows(rows, dimension); !status.ok()) return status;
  if (rows.rows < indexed_rows) {
    return absl::InvalidArgumentError("rows.rows: " + std::to_string(rows.rows) +
                                      " is fewer than the " + std::to_string(indexed_rows) +
                                      " rows indexed");
  }
  return absl::OkStatus();
}

absl::Status check_search(const SearchRequest& request, int dimension, std::size_t indexed_rows) {
  if (request.k < 1 || request.k > kMaxTopK) {
    return absl::InvalidArgumentError("k: " + std::to_string(request.k) + " is outside 1.." +
                                      std::to_string(kMaxTopK));
  }
  const auto d = static_cast<std::size_t>(dimension);
  if (request.queries.empty() || request.queries.size() % d != 0) {
    return absl::InvalidArgumentError("queries: " + std::to_string(request.queries.size()) +
                                      " values is not a positive multiple of the dimension " +
                                      std::to_string(dimension));
  }
  for (std::size_t i = 0; i < request.queries.size(); ++i) {
    if (!std::isfinite(request.queries[i])) {
      return absl::InvalidArgumentError("queries[" + std::to_string(i / d) + "][" +
                                        std::to_string(i % d) + "]: not a finite number");
    }
  }
  const std::size_t count = request.queries.size() / d;
  if (!request.exclude.empty() && request.exclude.size() != count) {
    return absl::InvalidArgumentError("exclude: " + std::to_string(request.exclude.size()) +
                                      " lists for " + std::to_string(count) + " queries");
  }
  if (!request.first_rows.empty() && request.first_rows.size() != count) {
    return absl::InvalidArgumentError("first_rows: " + std::to_string(request.first_rows.size()) +
                                      " rows for " + std::to_string(count) + " queries");
  }
  if (indexed_rows == 0) return absl::FailedPreconditionError("index: no vectors indexed yet");
  if (past_deadline(request)) return search_deadline_passed();
  return absl::OkStatus();
}

bool past_deadline(const SearchRequest& request) { return past_deadline(request.deadline); }

bool past_deadline(std::chrono::steady_clock::time_point deadline) {
  return deadline != std::chrono::steady_clock::time_point::max() &&
         std::chrono::steady_clock::now() > deadline;
}

absl::Status search_deadline_passed() {
  return absl::DeadlineExceededError(
      "the request's deadline passed before the nearest-neighbour search finished");
}

std::size_t query_count(const SearchRequest& request, int dimension) {
  return request.queries.size() / static_cast<std::size_t>(dimension);
}

void sort_and_truncate(std::vector<Neighbor>& neighbors, int k) {
  const auto keep = std::min(neighbors.size(), static_cast<std::size_t>(k));
  std::partial_sort(neighbors.begin(), neighbors.begin() + static_cast<std::ptrdiff_t>(keep),
                    neighbors.end(), ranks_before);
  neighbors.resize(keep);
}

}  // namespace feedrank::kernels
