// The tombstone words a device copy holds, kept on the host so that a sync uploads only the
// words that changed. Host-only (no CUDA), so that the bookkeeping is tested without a GPU.
//
// The owner may set bits while a sync runs (a delete lands beside the indexer, which reads a
// pin of the table): each word is read once, into the staging buffer, and the mirror takes
// exactly what was staged. A bit set after that read then differs from the mirror, and the next
// sync uploads its word; a mirror that re-read the live words would hold the bit while the
// device lacks it, and no later sync would upload it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/vector_index.h"

namespace feedrank::kernels::gpu {

class TombstoneMirror {
 public:
  struct Range {
    std::size_t first = 0, last = 0;  // words [first, last)
    bool empty() const { return first >= last; }
  };

  // Starts a sync of `rows`: the words to upload, from the first to the last that differs from
  // the mirror (words it lacks, of new rows, included); empty when none does. Drops what an
  // unfinished sync staged.
  Range begin_sync(const VectorRows& rows) {
    const std::size_t words = (rows.rows + 63) / 64;
    const auto same = [&](std::size_t i) {
      return i < words_.size() && words_[i] == word(rows, i);
    };
    Range range{0, words};
    while (range.first < range.last && same(range.first)) ++range.first;
    while (range.last > range.first && same(range.last - 1)) --range.last;
    staged_first_ = range.first;
    staged_.assign(range.last - range.first, 0);
    return range;
  }

  // Reads words [from, from + count) of `rows`, within the range begin_sync returned, once each
  // into `staging`, and keeps what it read for commit().
  void stage(const VectorRows& rows, std::size_t from, std::size_t count, std::uint64_t* staging) {
    for (std::size_t i = from; i < from + count; ++i) {
      staging[i - from] = staged_[i - staged_first_] = word(rows, i);
    }
  }

  // The staged words are on the device, which now holds `words` words: the mirror takes them.
  void commit(std::size_t words) {
    words_.resize(words);
    std::copy(staged_.begin(), staged_.end(), words_.begin() + staged_first_);
    staged_.clear();
  }

  const std::vector<std::uint64_t>& words() const { return words_; }

 private:
  static std::uint64_t word(const VectorRows& rows, std::size_t i) {
    return rows.tombstone_words != nullptr ? tombstone_word(rows, i) : std::uint64_t{0};
  }

  std::vector<std::uint64_t> words_;   // what the device holds
  std::size_t staged_first_ = 0;       // the word staged_[0] is
  std::vector<std::uint64_t> staged_;  // the words the running sync uploads, as read
};

}  // namespace feedrank::kernels::gpu
