// Labelled examples for a binary classifier: a dense row-major matrix of feature values (floats,
// as the ranker produces them) with a 0/1 label per row.
#pragma once

#include <cassert>
#include <cstdint>
#include <span>
#include <vector>

namespace feedrank::fit {

class ExampleMatrix {
 public:
  explicit ExampleMatrix(int columns) : columns_(columns) {}

  int columns() const { return columns_; }
  std::size_t rows() const { return labels_.size(); }
  std::span<const float> row(std::size_t index) const {
    return {values_.data() + index * static_cast<std::size_t>(columns_),
            static_cast<std::size_t>(columns_)};
  }
  // Writable, for rewriting a column in place (recency_column.h).
  std::span<float> row(std::size_t index) {
    return {values_.data() + index * static_cast<std::size_t>(columns_),
            static_cast<std::size_t>(columns_)};
  }
  std::span<const std::uint8_t> labels() const { return labels_; }
  std::size_t positives() const {
    std::size_t count = 0;
    for (std::uint8_t label : labels_) count += label;
    return count;
  }

  // `values` must hold exactly columns() numbers.
  void add_row(std::span<const float> values, bool label) {
    assert(values.size() == static_cast<std::size_t>(columns_));
    values_.insert(values_.end(), values.begin(), values.end());
    labels_.push_back(label ? 1 : 0);
  }
  // Every row of `other` (the same columns) after these.
  void append(const ExampleMatrix& other) {
    assert(other.columns_ == columns_);
    values_.insert(values_.end(), other.values_.begin(), other.values_.end());
    labels_.insert(labels_.end(), other.labels_.begin(), other.labels_.end());
  }

 private:
  int columns_;
  std::vector<float> values_;
  std::vector<std::uint8_t> labels_;
};

}  // namespace feedrank::fit
