// A growable array kept in fixed chunks of elements: growing never moves an element (references
// stay valid), and element i is found with one read of a small chunk table. std::deque, which
// also keeps elements in place, gives a 160-byte element a 512-byte block of three: at 1M
// elements its block table (333k pointers) no longer stays in the cache, and every lookup in
// random order missed twice where this misses once (1M elements: a table of 1k chunk pointers).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace feedrank {

template <class T, std::size_t kChunkElements = 1024>
class ChunkedVector {
  static_assert((kChunkElements & (kChunkElements - 1)) == 0, "a power of two");

 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](std::size_t i) { return chunks_[i / kChunkElements][i % kChunkElements]; }
  const T& operator[](std::size_t i) const {
    return chunks_[i / kChunkElements][i % kChunkElements];
  }
  // Appends a default-constructed element and returns it.
  T& emplace_back() {
    if (size_ == chunks_.size() * kChunkElements) {
      chunks_.push_back(std::make_unique<T[]>(kChunkElements));
    }
    return (*this)[size_++];
  }
  // Bytes of the chunks (whole chunks, the last one's unused elements too) and the chunk table.
  std::size_t memory_bytes() const {
    return chunks_.size() * kChunkElements * sizeof(T) +
           chunks_.capacity() * sizeof(std::unique_ptr<T[]>);
  }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  std::size_t size_ = 0;
};

}  // namespace feedrank
