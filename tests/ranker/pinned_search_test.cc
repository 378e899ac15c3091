// Searches on a pin of the post table (EmbeddingTable::Pinned, PostIndex::search) run without
// the owner's lock while the writer appends and deletes beside them: each answers over the rows
// it pinned, and the two writes that would change those rows under it (a growth that moves the
// storage, the overwrite of an existing row) wait for the pins to go.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "embeddings/embedding_table.h"
#include "kernels/cpu/exact_scan_index.h"
#include "ranker/retrieval/post_index.h"
#include "tests/kernels/synthetic_vectors.h"

namespace feedrank::ranker {
namespace {

using embeddings::EmbeddingTable;
using kernels::SearchRequest;
using kernels::SearchResults;
using kernels::testing::gaussian_vectors;

constexpr int kDim = 32;
constexpr std::size_t kPinnedRows = 3000;

std::span<const float> row_of(const std::vector<float>& vectors, std::size_t i) {
  return std::span(vectors).subspan(i * kDim, kDim);
}

class PinnedSearch : public ::testing::Test {
 protected:
  PinnedSearch()
      : table_(kDim),
        vectors_(gaussian_vectors(3 * kPinnedRows, kDim, 11)),
        queries_(gaussian_vectors(4, kDim, 12)),
        index_(kernels::make_cpu_exact_index(kDim, 1)) {
    for (std::size_t i = 0; i < kPinnedRows; ++i) table_.upsert(1 + i, row_of(vectors_, i));
    for (PostId id = 5; id <= kPinnedRows; id += 17) table_.remove(id);
    EXPECT_TRUE(index_.sync(table_).ok());
    request_.queries = queries_;
    request_.k = 20;
  }

  // Appends the rest of the vectors and deletes some pinned rows, on its own thread, taking no
  // lock: the pins are the only readers.
  std::thread write_beside() {
    return std::thread([this] {
      for (std::size_t i = kPinnedRows; i < vectors_.size() / kDim; ++i) {
        table_.upsert(1 + i, row_of(vectors_, i));
        if (i % 7 == 0) table_.remove(1 + i % kPinnedRows);
      }
      writes_done_ = true;
    });
  }

  EmbeddingTable table_;
  std::vector<float> vectors_;
  std::vector<float> queries_;
  PostIndex index_;
  SearchRequest request_;
  std::atomic<bool> writes_done_{false};
};

TEST_F(PinnedSearch, AnswersOverThePinnedRowsWhileTheWriterAppendsAndDeletes) {
  auto expected = index_.search(table_, request_);
  ASSERT_TRUE(expected.ok()) << expected.status();
  const EmbeddingTable::Pinned pin = table_.pin();
  ASSERT_EQ(pin.rows(), kPinnedRows);
  std::thread writer = write_beside();
  int searches = 0;
  do {
    auto results = index_.search(pin, request_);
    ASSERT_TRUE(results.ok()) << results.status();
    ++searches;
    for (std::size_t q = 0; q < results->size(); ++q) {
      ASSERT_EQ((*results)[q].size(), 20u);
      for (const kernels::Neighbor& found : (*results)[q]) {
        EXPECT_LE(found.id, kPinnedRows) << "a row appended after the pin";
        EXPECT_FALSE(found.id >= 5 && (found.id - 5) % 17 == 0) << "a row deleted before the pin";
      }
    }
  } while (!writes_done_ || searches < 3);
  writer.join();
  EXPECT_EQ(pin.rows(), kPinnedRows);
  // Once the writer is done (the deletes it made since are seen or not, never half), a search on
  // the pin answers as the exact scan over those rows with today's bits.
  auto after = index_.search(pin, request_);
  ASSERT_TRUE(after.ok());
  for (const auto& list : *after) {
    for (const kernels::Neighbor& found : list) {
      EXPECT_TRUE(table_.is_searchable(*table_.row_of(found.id))) << found.id;
    }
  }
  EXPECT_NE(*after, *expected) << "the deletes made beside the pin were not seen";
}

// What a thread blocked on `act` is doing, checked while a pin is held and after it went.
void expect_waits_for_the_pin(EmbeddingTable& table, const std::function<void()>& act) {
  std::optional<EmbeddingTable::Pinned> pin(table.pin());
  std::atomic<bool> acted{false};
  std::thread writer([&] {
    act();
    acted = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(acted) << "changed the pinned rows' storage under the pin";
  pin.reset();
  writer.join();
  EXPECT_TRUE(acted);
}

TEST_F(PinnedSearch, AGrowthThatMayMoveTheStorageWaitsForThePins) {
  expect_waits_for_the_pin(table_, [this] { table_.reserve(1'000'000); });
}

TEST_F(PinnedSearch, OverwritingAPinnedRowWaitsForThePins) {
  expect_waits_for_the_pin(table_, [this] { table_.upsert(1, row_of(vectors_, 2)); });
  EXPECT_EQ(table_.row_floats(0)[0], vectors_[2 * kDim]);
}

TEST_F(PinnedSearch, AppendingAndDeletingDoNotWaitForThePins) {
  const EmbeddingTable::Pinned pin = table_.pin();
  table_.upsert(kPinnedRows + 1, row_of(vectors_, kPinnedRows));  // would block if it waited
  EXPECT_TRUE(table_.remove(1));
  EXPECT_EQ(table_.rows(), kPinnedRows + 1);
  EXPECT_EQ(pin.rows(), kPinnedRows);
}

// The feed and stats read the index's description while the background indexer may swap the
// index (a rebuild; IVF's first training swaps FAISS's inner index): the swap frees the index
// described, so the description is read under the index's lock (ThreadSanitizer and ASan run
// this).
TEST_F(PinnedSearch, TheDescriptionIsReadSafelyWhileTheIndexIsReplaced) {
  const std::string described = index_.describe();
  std::atomic<bool> done{false};
  std::thread rebuilder([&] {
    for (int i = 0; i < 200; ++i) {
      index_.replace(kernels::make_cpu_exact_index(kDim, 1)).reset();
    }
    done = true;
  });
  int reads = 0;
  while (!done || reads == 0) {
    EXPECT_EQ(index_.describe(), described);
    ++reads;
  }
  rebuilder.join();
  EXPECT_GT(reads, 0);
}

}  // namespace
}  // namespace feedrank::ranker
