#include "embeddings/embedding_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <type_traits>
#include <vector>

#include "common/half_float.h"

namespace feedrank::embeddings {
namespace {

constexpr int kDim = 32;

std::vector<float> random_vector(std::mt19937& rng, int dimension = kDim) {
  std::normal_distribution<float> normal;
  std::vector<float> v(dimension);
  for (float& x : v) x = normal(rng);
  return v;
}

TEST(EmbeddingTable, RejectsBadDimensions) {
  EXPECT_FALSE(EmbeddingTable::create(0).ok());
  EXPECT_FALSE(EmbeddingTable::create(24).ok());
  EXPECT_FALSE(EmbeddingTable::create(100).ok());  // not a multiple of 8
  EXPECT_FALSE(EmbeddingTable::create(2048).ok());
  EXPECT_TRUE(EmbeddingTable::create(32).ok());
  EXPECT_TRUE(EmbeddingTable::create(1024).ok());
}

TEST(EmbeddingTable, NewIdsAppendRowsInOrder) {
  std::mt19937 rng(1);
  EmbeddingTable table(kDim);
  const auto a = random_vector(rng);
  const auto b = random_vector(rng);
  EXPECT_EQ(table.upsert(70, a), 0u);
  EXPECT_EQ(table.upsert(5, b), 1u);
  EXPECT_EQ(table.rows(), 2u);
  EXPECT_EQ(table.live_rows(), 2u);
  ASSERT_EQ(table.row_ids().size(), 2u);
  EXPECT_EQ(table.row_ids()[0], 70u);
  EXPECT_EQ(table.row_ids()[1], 5u);
  EXPECT_EQ(table.row_of(5), 1u);
  EXPECT_EQ(table.row_of(6), std::nullopt);
}

TEST(EmbeddingTable, DataIsContiguousRowMajor) {
  std::mt19937 rng(2);
  EmbeddingTable table(kDim);
  std::vector<std::vector<float>> vectors;
  for (PostId id = 0; id < 10; ++id) {
    vectors.push_back(random_vector(rng));
    table.upsert(id * 3 + 1, vectors.back());
  }
  const float* data = table.pin().floats();
  for (std::size_t r = 0; r < vectors.size(); ++r) {
    for (int j = 0; j < kDim; ++j) EXPECT_EQ(data[r * kDim + j], vectors[r][j]);
  }
}

TEST(EmbeddingTable, UpsertOfKnownIdOverwritesItsRow) {
  std::mt19937 rng(3);
  EmbeddingTable table(kDim);
  table.upsert(1, random_vector(rng));
  const auto other = random_vector(rng);
  table.upsert(2, other);
  const auto replacement = random_vector(rng);
  EXPECT_EQ(table.upsert(1, replacement), 0u);
  EXPECT_EQ(table.rows(), 2u);
  const auto row0 = table.row_floats(0);
  EXPECT_EQ(std::vector<float>(row0.begin(), row0.end()), replacement);
  const auto row1 = table.row_floats(1);
  EXPECT_EQ(std::vector<float>(row1.begin(), row1.end()), other);
}

TEST(EmbeddingTable, RemoveLeavesTheRowAndSetsItsTombstoneBit) {
  std::mt19937 rng(4);
  EmbeddingTable table(kDim);
  for (PostId id = 0; id < 130; ++id) table.upsert(1000 + id, random_vector(rng));
  EXPECT_TRUE(table.remove(1000 + 3));
  EXPECT_TRUE(table.remove(1000 + 64));
  EXPECT_TRUE(table.remove(1000 + 129));
  EXPECT_FALSE(table.remove(1000 + 3)) << "already deleted";
  EXPECT_FALSE(table.remove(7)) << "unknown id";
  EXPECT_EQ(table.rows(), 130u);
  EXPECT_EQ(table.live_rows(), 127u);
  EXPECT_EQ(table.row_of(1000 + 3), 3u) << "a deleted row keeps its place";

  const auto words = table.tombstone_words();
  ASSERT_EQ(words.size(), 3u);
  for (std::size_t r = 0; r < table.rows(); ++r) {
    const bool bit = (words[r / 64] >> (r % 64)) & 1;
    const bool expected = r == 3 || r == 64 || r == 129;
    EXPECT_EQ(bit, expected) << "row " << r;
    EXPECT_EQ(table.is_deleted(r), expected) << "row " << r;
  }
  EXPECT_EQ(words[2] >> 2, 0u) << "bits past rows() stay clear";
}

TEST(EmbeddingTable, UpsertRevivesADeletedRow) {
  std::mt19937 rng(5);
  EmbeddingTable table(kDim);
  table.upsert(9, random_vector(rng));
  table.remove(9);
  const auto fresh = random_vector(rng);
  EXPECT_EQ(table.upsert(9, fresh), 0u);
  EXPECT_FALSE(table.is_deleted(0));
  EXPECT_EQ(table.tombstone_words()[0], 0u);
  EXPECT_EQ(table.live_rows(), 1u);
  EXPECT_EQ(table.row_floats(0)[5], fresh[5]);
}

TEST(EmbeddingTable, AppendOfAKnownIdMovesItToANewRowAndDeletesTheOld) {
  std::mt19937 rng(6);
  EmbeddingTable table(kDim);
  const auto first = random_vector(rng);
  table.upsert(4, first);
  table.upsert(8, random_vector(rng));
  const auto changed = random_vector(rng);
  EXPECT_EQ(table.append(4, changed, /*searchable=*/false), 2u);
  EXPECT_EQ(table.rows(), 3u);
  EXPECT_EQ(table.live_rows(), 2u) << "the old row no longer counts";
  EXPECT_EQ(table.row_of(4), 2u);
  EXPECT_TRUE(table.is_deleted(0));
  EXPECT_FALSE(table.is_searchable(0));
  EXPECT_EQ(table.row_ids()[0], 4u) << "the old row keeps its id for indexes that hold it";
  EXPECT_EQ(table.row_floats(0), first);
  EXPECT_EQ(table.row_floats(2), changed);
  EXPECT_FALSE(table.is_deleted(2));
  EXPECT_FALSE(table.is_searchable(2)) << "the new row takes the searchable flag it is given";

  EXPECT_EQ(table.append(9, random_vector(rng)), 3u) << "an unknown id appends like upsert";
  EXPECT_TRUE(table.remove(4));
  EXPECT_TRUE(table.is_deleted(2));
  EXPECT_EQ(table.live_rows(), 2u);
  EXPECT_EQ(table.append(4, changed), 4u) << "a deleted id comes back on a new row";
  EXPECT_EQ(table.live_rows(), 3u);
  EXPECT_TRUE(table.is_searchable(4));
}

// The retrieval index skips the not-searchable rows: deleted ones and those upserted as not
// searchable (followers-only posts); tombstone_words() and is_deleted() still mean deleted only.
TEST(EmbeddingTable, NotSearchableRowsAreDeletedOrUpsertedAsNotSearchable) {
  std::mt19937 rng(8);
  EmbeddingTable table(kDim);
  for (PostId id = 0; id < 130; ++id) table.upsert(1000 + id, random_vector(rng), id % 4 != 1);
  EXPECT_TRUE(table.remove(1000 + 4));
  EXPECT_TRUE(table.remove(1000 + 5));  // not searchable anyway
  EXPECT_EQ(table.live_rows(), 128u);
  const auto words = table.unsearchable_words();
  ASSERT_EQ(words.size(), 3u);
  for (std::size_t r = 0; r < table.rows(); ++r) {
    const bool expected = r % 4 == 1 || r == 4;
    EXPECT_EQ(((words[r / 64] >> (r % 64)) & 1) != 0, expected) << "row " << r;
    EXPECT_EQ(table.is_searchable(r), !expected) << "row " << r;
    EXPECT_EQ(table.is_deleted(r), r == 4 || r == 5) << "row " << r;
  }
  EXPECT_EQ(words[2] >> 2, 0u) << "bits past rows() stay clear";

  // An upsert sets the bit anew: a revived row follows its new `searchable`.
  table.upsert(1000 + 4, random_vector(rng), false);
  EXPECT_FALSE(table.is_searchable(4));
  EXPECT_FALSE(table.is_deleted(4));
  table.upsert(1000 + 5, random_vector(rng), true);
  EXPECT_TRUE(table.is_searchable(5));
  EXPECT_EQ(table.tombstone_words()[0], 0u);
}

class EmbeddingTableAtEachPrecision : public ::testing::TestWithParam<RowPrecision> {
 protected:
  // `vector` as a table of this precision keeps it.
  std::vector<float> as_kept(std::vector<float> vector) const {
    if (GetParam() == RowPrecision::kHalf) round_to_half(vector);
    return vector;
  }

  // Posts 1..n (random vectors, every `unsearchable_every`-th not searchable), `removed` deleted,
  // then `first` put first: the named rows lead in that order, the rest follow in id order, and
  // every row keeps its id, values, tombstone and not-searchable bit. Putting the same order first
  // again changes nothing; appends go on after the reordered rows.
  void check_put_first(unsigned seed, PostId n, PostId unsearchable_every,
                       const std::vector<PostId>& removed, const std::vector<PostId>& first) const {
    std::mt19937 rng(seed);
    EmbeddingTable table(kDim, GetParam());
    std::map<PostId, std::vector<float>> vectors;
    for (PostId id = 1; id <= n; ++id) {
      vectors[id] = random_vector(rng);
      table.upsert(id, vectors[id], /*searchable=*/id % unsearchable_every != 0);
    }
    for (PostId id : removed) table.remove(id);
    const auto was_removed = [&](PostId id) { return std::ranges::count(removed, id) > 0; };
    ASSERT_TRUE(table.put_first(first));
    ASSERT_EQ(table.rows(), n);
    EXPECT_EQ(table.live_rows(), n - removed.size());
    std::vector<PostId> expected_order = first;
    for (PostId id = 1; id <= n; ++id) {
      if (std::ranges::count(first, id) == 0) expected_order.push_back(id);
    }
    EXPECT_TRUE(std::ranges::equal(table.row_ids(), expected_order));
    for (std::size_t r = 0; r < table.rows(); ++r) {
      const PostId id = table.row_ids()[r];
      EXPECT_EQ(table.row_of(id), r) << id;
      EXPECT_EQ(table.row_floats(r), as_kept(vectors[id])) << id;
      EXPECT_EQ(table.is_deleted(r), was_removed(id)) << id;
      EXPECT_EQ(table.is_searchable(r), !was_removed(id) && id % unsearchable_every != 0) << id;
    }
    ASSERT_TRUE(table.put_first(first));
    EXPECT_TRUE(std::ranges::equal(table.row_ids(), expected_order));
    EXPECT_EQ(table.upsert(n + 1, random_vector(rng)), n);
  }
};

TEST_P(EmbeddingTableAtEachPrecision, GrowthKeepsContents) {
  std::mt19937 rng(6);
  EmbeddingTable table(kDim, GetParam());
  std::vector<std::vector<float>> vectors;
  for (int i = 0; i < 5000; ++i) {
    vectors.push_back(random_vector(rng));
    table.upsert(static_cast<PostId>(i) * 7919, vectors.back());
  }
  for (int i = 0; i < 5000; ++i) {
    const auto r = table.row_of(static_cast<PostId>(i) * 7919);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(table.row_floats(*r), as_kept(vectors[i])) << "post " << i;
  }
}

// A few rows named, a deleted one among them.
TEST_P(EmbeddingTableAtEachPrecision, PutFirstReordersRowsWithEverythingTheyHold) {
  check_put_first(12, 200, 7, {30}, {150, 30, 2, 199, 77});
}

// The saved order after a clean stop: the table's own order up to a point, then rows written out
// of id order, and the rows written after the save not named.
TEST_P(EmbeddingTableAtEachPrecision, PutFirstKeepsAMatchingPrefixAndReordersTheRest) {
  std::mt19937 rng(14);
  std::vector<PostId> saved(300);
  std::iota(saved.begin(), saved.end(), PostId{1});
  std::shuffle(saved.begin() + 100, saved.end(), rng);
  saved.resize(250);
  check_put_first(14, 300, 5, {120, 260}, saved);
}

TEST(EmbeddingTable, PutFirstRefusesUnknownOrRepeatedIdsAndChangesNothing) {
  std::mt19937 rng(13);
  EmbeddingTable table(kDim);
  for (PostId id = 1; id <= 10; ++id) table.upsert(id, random_vector(rng));
  const std::vector<PostId> before(table.row_ids().begin(), table.row_ids().end());
  EXPECT_FALSE(table.put_first(std::vector<PostId>{3, 11}));
  EXPECT_FALSE(table.put_first(std::vector<PostId>{3, 4, 3}));
  EXPECT_FALSE(table.put_first(std::vector<PostId>{1, 2, 5, 1}));  // repeats one of the prefix
  EXPECT_TRUE(std::ranges::equal(table.row_ids(), before));
}

// A reservation, then growth past it (the storage may move then, with no pin held), then
// appends within the new room: every row keeps its values throughout.
TEST_P(EmbeddingTableAtEachPrecision, ReserveAndGrowthPastItKeepContents) {
  std::mt19937 rng(9);
  EmbeddingTable table(kDim, GetParam());
  table.reserve(100);
  std::vector<std::vector<float>> vectors;
  for (PostId id = 0; id < 3000; ++id) {
    vectors.push_back(random_vector(rng));
    table.append(id, vectors.back());
  }
  const EmbeddingTable copy = table;
  for (std::size_t r = 0; r < vectors.size(); r += 7) {
    ASSERT_EQ(table.row_floats(r), as_kept(vectors[r])) << "row " << r;
    ASSERT_EQ(copy.row_floats(r), as_kept(vectors[r])) << "copy, row " << r;
  }
}

TEST_P(EmbeddingTableAtEachPrecision, AppendsNeverMoveTheMatrix) {
  std::mt19937 rng(8);
  EmbeddingTable table(kDim, GetParam());
  table.upsert(1, random_vector(rng));
  const auto matrix = [&] {
    const auto pinned = table.pin();
    return GetParam() == RowPrecision::kHalf ? static_cast<const void*>(pinned.halves())
                                             : static_cast<const void*>(pinned.floats());
  };
  const void* before = matrix();
  ASSERT_NE(before, nullptr);
  const std::vector<float> first = table.row_floats(0);
  for (PostId id = 2; id <= 200'000; ++id) table.upsert(id, random_vector(rng));
  // Readers scanning the matrix are never made to wait for a copy of it, nor left holding a
  // moved one.
  EXPECT_EQ(matrix(), before);
  EXPECT_EQ(table.row_floats(0), first);
  EXPECT_EQ(table.rows(), 200'000u);
}

INSTANTIATE_TEST_SUITE_P(Precisions, EmbeddingTableAtEachPrecision,
                         ::testing::Values(RowPrecision::kFloat, RowPrecision::kHalf),
                         [](const auto& info) {
                           return info.param == RowPrecision::kHalf ? "Half" : "Float";
                         });

TEST(EmbeddingTable, MemoryBytesCoversTheMatrixWithoutDoublingSlack) {
  std::mt19937 rng(7);
  EmbeddingTable table(64);
  const std::size_t n = 3000;
  for (std::size_t i = 0; i < n; ++i) table.upsert(i, random_vector(rng, 64));
  const std::size_t used = n * 64 * sizeof(float) + n * sizeof(PostId);
  EXPECT_GE(table.memory_bytes(), used);
  EXPECT_GT(table.id_map_bytes(), n * sizeof(PostId)) << "the hash map is counted";
  // The arrays count their written pages (at most a page of slack each), not a doubled
  // capacity; the hash map is at most ~2 x 17 bytes a row.
  EXPECT_LE(table.memory_bytes(), used + n * 40 + 4 * 4096 + sizeof(EmbeddingTable));

  EmbeddingTable reserved(64);
  reserved.reserve(n);
  EXPECT_LE(reserved.memory_bytes() - reserved.id_map_bytes(), sizeof(EmbeddingTable))
      << "a reservation is address space, not memory";
}

// A half table keeps each value as its nearest half: what it gives back (rows widened, the matrix
// as halves) is the vector rounded, in half the bytes of a float table.
TEST(EmbeddingTable, HalfTableKeepsEachVectorRoundedToHalvesInHalfTheBytes) {
  std::mt19937 rng(11);
  EmbeddingTable halves(64, RowPrecision::kHalf), floats(64);
  EXPECT_EQ(halves.precision(), RowPrecision::kHalf);
  EXPECT_EQ(floats.precision(), RowPrecision::kFloat);
  const std::size_t n = 3000;
  std::vector<std::vector<float>> vectors;
  for (std::size_t i = 0; i < n; ++i) {
    vectors.push_back(random_vector(rng, 64));
    halves.upsert(i, vectors.back());
    floats.upsert(i, vectors.back());
  }
  {
    const auto pinned = halves.pin();  // let go before the overwrite below, which waits for pins
    ASSERT_EQ(pinned.floats(), nullptr);
    ASSERT_NE(pinned.halves(), nullptr);
    for (std::size_t r = 0; r < n; r += 97) {
      std::vector<float> rounded = vectors[r];
      round_to_half(rounded);
      ASSERT_NE(rounded, vectors[r]) << "normal values lose bits at half precision";
      EXPECT_EQ(halves.row_floats(r), rounded) << "row " << r;
      EXPECT_EQ(floats.row_floats(r), vectors[r]) << "row " << r;
      for (int j = 0; j < 64; ++j) {
        ASSERT_EQ(pinned.halves()[r * 64 + j], half_bits_of(vectors[r][j])) << r << ", " << j;
      }
    }
  }
  const bool read_halves = halves.with_values(
      [](const auto* values) { return std::is_same_v<decltype(values), const std::uint16_t*>; });
  EXPECT_TRUE(read_halves);
  const std::size_t float_matrix = floats.memory_bytes() - floats.id_map_bytes();
  const std::size_t half_matrix = halves.memory_bytes() - halves.id_map_bytes();
  EXPECT_LE(half_matrix, float_matrix / 2 + 2 * 4096);
  EXPECT_GE(half_matrix, n * 64 * sizeof(std::uint16_t));

  // An overwrite rounds too, and a zero vector stays zero.
  halves.upsert(5, std::vector<float>(64, 0.0f));
  EXPECT_EQ(halves.row_floats(5), std::vector<float>(64, 0.0f));
}

TEST(EmbeddingTable, RowsAddedThroughGrownRoomsStayFindable) {
  std::mt19937 rng(9);
  EmbeddingTable table(kDim);
  std::vector<std::vector<float>> vectors;
  for (std::size_t batch = 1; batch <= 30; ++batch) {
    EmbeddingTable::Room room = table.make_room(batch * 101);
    table.take_room(room);
    for (std::size_t i = 0; i < batch * 101; ++i) {
      vectors.push_back(random_vector(rng));
      table.upsert(static_cast<PostId>(vectors.size()) * 31, vectors.back());
    }
  }
  ASSERT_EQ(table.rows(), vectors.size());
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    const auto row = table.row_of(static_cast<PostId>(i + 1) * 31);
    ASSERT_TRUE(row.has_value()) << i;
    ASSERT_EQ(*row, i);
    ASSERT_EQ(table.row_floats(i), vectors[i]);
  }
}

}  // namespace
}  // namespace feedrank::embeddings
