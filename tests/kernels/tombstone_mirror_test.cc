// The GPU index's tombstone bookkeeping (kernels/gpu/tombstone_mirror.h): which words a sync
// uploads, and what the mirror records of them. Host-only: runs without a GPU (and without CUDA).
#include "kernels/gpu/tombstone_mirror.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace feedrank::kernels::gpu {
namespace {

// A table's tombstones as the index sees them (no values: the mirror reads only the words).
struct Table {
  std::size_t rows = 0;
  std::vector<std::uint64_t> words;

  explicit Table(std::size_t n) : rows(n), words((n + 63) / 64, 0) {}
  VectorRows view() const { return VectorRows{nullptr, rows, 1, nullptr, words.data()}; }
  void remove(std::size_t r) { words[r / 64] |= std::uint64_t{1} << (r % 64); }
};

// One sync as DeviceMatrix::sync runs it: the range, staged in chunks of `chunk` words (the
// device's copy gets exactly the staged words), then `between` (a delete landing while the copy
// is in flight), then the commit.
template <class Between>
std::vector<std::uint64_t> sync(TombstoneMirror& mirror, const VectorRows& rows,
                                std::vector<std::uint64_t>& device, std::size_t chunk,
                                Between between) {
  const TombstoneMirror::Range range = mirror.begin_sync(rows);
  device.resize((rows.rows + 63) / 64, 0);
  std::vector<std::uint64_t> uploaded;
  for (std::size_t from = range.first; from < range.last; from += chunk) {
    const std::size_t n = std::min(chunk, range.last - from);
    std::vector<std::uint64_t> staging(n);
    mirror.stage(rows, from, n, staging.data());
    std::copy(staging.begin(), staging.end(), device.begin() + from);
    uploaded.insert(uploaded.end(), staging.begin(), staging.end());
  }
  between();
  mirror.commit((rows.rows + 63) / 64);
  return uploaded;
}

std::vector<std::uint64_t> sync(TombstoneMirror& mirror, const VectorRows& rows,
                                std::vector<std::uint64_t>& device) {
  return sync(mirror, rows, device, 1000, [] {});
}

TEST(TombstoneMirror, FirstSyncUploadsEveryWord) {
  Table table(200);
  table.remove(3);
  table.remove(130);
  TombstoneMirror mirror;
  std::vector<std::uint64_t> device;
  EXPECT_EQ(sync(mirror, table.view(), device).size(), 4u);
  EXPECT_EQ(device, table.words);
  EXPECT_EQ(mirror.words(), table.words);
}

TEST(TombstoneMirror, UploadsOnlyTheChangedRange) {
  Table table(64 * 10);
  TombstoneMirror mirror;
  std::vector<std::uint64_t> device;
  sync(mirror, table.view(), device);
  EXPECT_TRUE(mirror.begin_sync(table.view()).empty());
  table.remove(64 * 3 + 1);
  table.remove(64 * 6 + 2);
  const TombstoneMirror::Range range = mirror.begin_sync(table.view());
  EXPECT_EQ(range.first, 3u);
  EXPECT_EQ(range.last, 7u);
  sync(mirror, table.view(), device);
  EXPECT_EQ(device, table.words);
  EXPECT_TRUE(mirror.begin_sync(table.view()).empty());
}

TEST(TombstoneMirror, NewRowsWordsAreUploaded) {
  Table table(100);
  TombstoneMirror mirror;
  std::vector<std::uint64_t> device;
  sync(mirror, table.view(), device);
  Table grown(300);
  grown.words[0] = table.words[0];
  grown.words[1] = table.words[1];
  const TombstoneMirror::Range range = mirror.begin_sync(grown.view());
  EXPECT_EQ(range.first, 2u);
  EXPECT_EQ(range.last, 5u);
}

// The defect this guards against: the mirror re-read the live words after the copy, so a delete
// between the two was recorded as on the device while the device lacked it, and no later sync
// uploaded it (the deleted row stayed searchable on the GPU).
TEST(TombstoneMirror, ABitSetBetweenCopyAndCommitIsUploadedByTheNextSync) {
  for (const std::size_t chunk : {1u, 2u, 1000u}) {  // one or several staging chunks
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    Table table(64 * 4);
    table.remove(5);
    TombstoneMirror mirror;
    std::vector<std::uint64_t> device;
    sync(mirror, table.view(), device, chunk, [&] { table.remove(64 + 7); });
    EXPECT_EQ(device[1], 0u);  // copied before the delete
    EXPECT_EQ(mirror.words()[1], 0u) << "the mirror must hold what was uploaded";

    const TombstoneMirror::Range next = mirror.begin_sync(table.view());
    EXPECT_EQ(next.first, 1u);
    EXPECT_EQ(next.last, 2u);
    sync(mirror, table.view(), device, chunk, [] {});
    EXPECT_EQ(device, table.words);
  }
}

// A sync that fails after staging (a CUDA error) commits nothing: the next one uploads again.
TEST(TombstoneMirror, AnUncommittedSyncIsRetried) {
  Table table(128);
  table.remove(70);
  TombstoneMirror mirror;
  std::vector<std::uint64_t> staging(2);
  const TombstoneMirror::Range range = mirror.begin_sync(table.view());
  mirror.stage(table.view(), range.first, range.last - range.first, staging.data());
  const TombstoneMirror::Range retry = mirror.begin_sync(table.view());
  EXPECT_EQ(retry.first, 0u);
  EXPECT_EQ(retry.last, 2u);
}

TEST(TombstoneMirror, NoTombstoneWordsReadAsZeros) {
  TombstoneMirror mirror;
  const VectorRows rows{nullptr, 130, 1, nullptr, nullptr};
  std::vector<std::uint64_t> device;
  EXPECT_EQ(sync(mirror, rows, device), std::vector<std::uint64_t>(3, 0));
  EXPECT_TRUE(mirror.begin_sync(rows).empty());
}

}  // namespace
}  // namespace feedrank::kernels::gpu
