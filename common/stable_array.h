// An array of trivially copyable elements that grows in place inside address space it reserves
// ahead (anonymous memory the kernel backs only once written), so growing never copies the
// elements and, within the reservation, never moves them: pointers handed out stay valid, and
// a writer that appends does not stall readers behind a copy of the whole array (a
// std::vector of 1M 128-float rows copies 512 MB at its doubling, while holding the lock the
// readers wait on). Past the reservation it grows with mremap, which moves page mappings, not
// the data. The untouched rest of a reservation costs address space only. Once an array holds
// 32 MB it asks for transparent huge pages (common/huge_pages.h).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <type_traits>
#include <utility>

#include "common/huge_pages.h"

namespace feedrank {

template <class T>
class StableArray {
  static_assert(std::is_trivially_copyable_v<T>, "elements are moved as bytes");

 public:
  StableArray() = default;
  StableArray(const StableArray& other) { *this = other; }
  StableArray& operator=(const StableArray& other) {
    if (this == &other) return *this;
    resize(0);
    make_room(other.size_);
    size_ = other.size_;
    if (size_ > 0) std::memcpy(data_, other.data_, size_ * sizeof(T));
    return *this;
  }
  StableArray(StableArray&& other) noexcept { swap(other); }
  StableArray& operator=(StableArray&& other) noexcept {
    StableArray(std::move(other)).swap(*this);
    return *this;
  }
  ~StableArray() {
    if (data_ != nullptr) ::munmap(data_, reserved_bytes());
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Elements the array holds without moving (growing within them keeps data() where it is).
  std::size_t capacity() const { return reserved_; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  std::span<const T> span() const { return {data_, size_}; }

  // New elements are zero (value-initialised).
  void resize(std::size_t size) {
    if (size > size_) {
      make_room(size);
      std::memset(static_cast<void*>(data_ + size_), 0, (size - size_) * sizeof(T));
    }
    size_ = size;
  }
  void push_back(const T& value) {
    resize(size_ + 1);
    data_[size_ - 1] = value;
  }
  // Makes room for `elements` without a later remap; the pointer may move (without a copy).
  void reserve(std::size_t elements) {
    if (elements <= reserved_) return;
    const std::size_t wanted = std::max({elements, 2 * reserved_, kReservationBytes / sizeof(T)});
    map(elements, wanted);
  }

  // Memory the elements occupy once written: size() rounded up to whole pages.
  std::size_t resident_bytes() const { return round_to_pages(size_ * sizeof(T)); }

  void swap(StableArray& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(reserved_, other.reserved_);
  }

 private:
  // Address space reserved at the first growth: 1 GiB holds 2M rows of 128 floats.
  static constexpr std::size_t kReservationBytes = std::size_t{1} << 30;

  // reserve(), and huge pages when the elements become worth them (the mapping keeps the advice
  // across mremap).
  void make_room(std::size_t elements) {
    reserve(elements);
    const bool becomes_worthy = size_ * sizeof(T) < kHugePagesWorthyBytes &&
                                elements * sizeof(T) >= kHugePagesWorthyBytes;
    if (becomes_worthy) advise_huge_pages(data_, reserved_bytes());
  }

  static std::size_t page_bytes() { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }
  static std::size_t round_to_pages(std::size_t bytes) {
    const std::size_t page = page_bytes();
    return (bytes + page - 1) / page * page;
  }
  std::size_t reserved_bytes() const { return round_to_pages(reserved_ * sizeof(T)); }

  [[noreturn]] static void fail(const char* what) {
    std::fprintf(stderr, "StableArray: %s failed: %s\n", what, std::strerror(errno));
    std::abort();
  }

  // Maps (or, holding a mapping, remaps) `wanted` elements of address space, settling for less
  // (down to `needed`) where the machine limits it (ulimit -v, strict overcommit).
  void map(std::size_t needed, std::size_t wanted) {
    for (std::size_t elements = wanted;; elements = std::max(needed, elements / 2)) {
      const std::size_t bytes = round_to_pages(elements * sizeof(T));
      void* memory = data_ == nullptr ? ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
                                      : ::mremap(data_, reserved_bytes(), bytes, MREMAP_MAYMOVE);
      if (memory != MAP_FAILED) {
        data_ = static_cast<T*>(memory);
        reserved_ = bytes / sizeof(T);
        return;
      }
      if (elements == needed) fail(data_ == nullptr ? "mmap" : "mremap");
    }
  }

  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t reserved_ = 0;  // elements the mapping holds
};

}  // namespace feedrank
