// Deferred indexing (post_index.h, background_indexer.h): a search covers the rows the index has
// not reached with an exact scan of that tail, so that it answers exactly what a fully indexed
// exact search answers, whatever the interleaving of appends, deletes and indexer steps; the
// background indexer catches up under concurrent writes and searches, survives a failing step,
// and leaves an HNSW whose recall holds.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "embeddings/embedding_table.h"
#include "kernels/cpu/exact_scan_index.h"
#include "kernels/cpu/faiss_index.h"
#include "ranker/retrieval/background_indexer.h"
#include "ranker/retrieval/post_index.h"
#include "tests/kernels/synthetic_vectors.h"

namespace feedrank::ranker {
namespace {

using embeddings::EmbeddingTable;
using kernels::Neighbor;
using kernels::SearchRequest;
using kernels::SearchResults;
using kernels::VectorId;
using kernels::testing::clustered_vectors;
using kernels::testing::gaussian_vectors;

constexpr int kDim = 32;  // the smallest dimension the table accepts

std::span<const float> row_of(const std::vector<float>& vectors, std::size_t i, int dim) {
  return std::span(vectors).subspan(i * dim, dim);
}

// What a fully indexed exact scan answers for `request` over `table` now.
SearchResults exact_answer(const EmbeddingTable& table, const SearchRequest& request) {
  PostIndex full(kernels::make_cpu_exact_index(table.dimension(), 1));
  EXPECT_TRUE(full.sync(table).ok());
  auto results = full.search(table, request);
  EXPECT_TRUE(results.ok()) << results.status();
  return results.ok() ? *results : SearchResults();
}

std::vector<VectorId> ids(const std::vector<Neighbor>& list) {
  std::vector<VectorId> out;
  for (const Neighbor& n : list) out.push_back(n.id);
  return out;
}

// Random appends (some rows not searchable), deletes, indexer steps of random sizes and
// searches with random k, exclude lists and first rows: every answer equals the exact one.
// `exact_scan`: the backend is our exact scan (the same sums, and first rows honoured; other
// backends take a first row as a hint only, so they get none here).
void expect_tail_merge_exact(std::unique_ptr<kernels::VectorIndex> backend, bool exact_scan) {
  EmbeddingTable table(kDim);
  PostIndex index(std::move(backend));
  index.defer_indexing();
  std::mt19937 rng(11);
  const auto vectors = gaussian_vectors(4000, kDim, 3);
  const auto queries = gaussian_vectors(200, kDim, 4);
  std::size_t appended = 0;
  std::vector<PostId> live;
  int searches = 0, with_tail = 0;
  for (int round = 0; round < 200; ++round) {
    switch (rng() % 4) {
      case 0:  // an append
        for (std::size_t n = rng() % 40 + 1; n > 0 && appended < 4000; --n, ++appended) {
          const PostId id = 10 + appended;
          table.upsert(id, row_of(vectors, appended, kDim), /*searchable=*/rng() % 7 != 0);
          live.push_back(id);
        }
        break;
      case 1:  // deletes, anywhere in the table
        for (int n = 0; n < 3 && !live.empty(); ++n) {
          const std::size_t at = rng() % live.size();
          table.remove(live[at]);
          live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
        }
        break;
      case 2: {  // the indexer moves on
        auto added = index.index_step(table, rng() % 60);
        ASSERT_TRUE(added.ok()) << added.status();
        break;
      }
      default:
        break;
    }
    ASSERT_TRUE(index.note_write(table, 1024).ok());
    if (table.rows() == 0) continue;
    SearchRequest request;
    request.queries = row_of(queries, static_cast<std::size_t>(round), kDim);
    request.k = 1 + static_cast<int>(rng() % 30);
    request.first_row = exact_scan && rng() % 3 == 0 ? rng() % table.rows() : 0;
    std::vector<std::vector<VectorId>> exclude(1);
    for (int n = 0; n < 5 && !live.empty(); ++n) exclude[0].push_back(live[rng() % live.size()]);
    request.exclude = exclude;
    auto actual = index.search(table, request);
    ASSERT_TRUE(actual.ok()) << actual.status();
    const SearchResults expected = exact_answer(table, request);
    ++searches;
    if (index.lag(table) > 0) ++with_tail;
    ASSERT_EQ(ids(actual->front()), ids(expected.front())) << "round " << round;
    for (std::size_t i = 0; i < expected.front().size(); ++i) {
      if (exact_scan) {
        EXPECT_EQ(actual->front()[i].score, expected.front()[i].score) << "round " << round;
      } else {
        EXPECT_NEAR(actual->front()[i].score, expected.front()[i].score, 1e-4) << "round " << round;
      }
    }
  }
  // The interleavings did search with rows left to the tail, and with none.
  EXPECT_GT(with_tail, 20);
  EXPECT_LT(with_tail, searches);
}

TEST(TailMergeSearch, AnExactIndexThatLagsAnswersAsIfFullyIndexed) {
  expect_tail_merge_exact(kernels::make_cpu_exact_index(kDim, 1), /*exact_scan=*/true);
}

TEST(TailMergeSearch, FaissFlatThatLagsAnswersAsIfFullyIndexed) {
  // FAISS sums the inner products in its own order: the same ids, scores to rounding.
  expect_tail_merge_exact(kernels::make_faiss_index(kDim, {}), /*exact_scan=*/false);
}

TEST(TailMergeSearch, NothingIndexedYetIsAnExactScanAndBadRequestsStillFail) {
  EmbeddingTable table(kDim);
  PostIndex index(kernels::make_faiss_index(kDim, {}));
  index.defer_indexing();
  const auto vectors = gaussian_vectors(50, kDim, 5);
  for (std::size_t i = 0; i < 50; ++i) table.upsert(100 + i, row_of(vectors, i, kDim));
  ASSERT_TRUE(index.note_write(table, 1024).ok());
  EXPECT_EQ(index.indexed_rows(), 0u);
  EXPECT_EQ(index.lag(table), 50u);
  SearchRequest request;
  request.queries = row_of(vectors, 7, kDim);
  request.k = 5;
  auto results = index.search(table, request);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->front(), exact_answer(table, request).front());
  EXPECT_EQ(results->front().front().id, 107u);
  request.k = 0;
  EXPECT_EQ(index.search(table, request).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TailMergeSearch, AnEmptyTableStillRefusesABadRequest) {
  EmbeddingTable table(kDim);
  PostIndex index(kernels::make_faiss_index(kDim, {}));
  index.defer_indexing();
  const auto vectors = gaussian_vectors(1, kDim, 9);
  SearchRequest request;
  request.queries = row_of(vectors, 0, kDim);
  request.k = 5;
  auto results = index.search(table, request);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 1u);
  EXPECT_TRUE(results->front().empty());
  request.k = 0;
  EXPECT_EQ(index.search(table, request).status().code(), absl::StatusCode::kInvalidArgument);
  request.k = 5;
  request.queries = request.queries.subspan(1);  // not a multiple of the dimension
  EXPECT_EQ(index.search(table, request).status().code(), absl::StatusCode::kInvalidArgument);
}

// A sync asked to take no rows per lock still takes them (one at a time), not loop forever.
TEST(TailMergeSearch, ASyncOfZeroRowsPerLockStillIndexesEveryRow) {
  EmbeddingTable table(kDim);
  PostIndex index(kernels::make_faiss_index(kDim, {}));
  const auto vectors = gaussian_vectors(10, kDim, 10);
  for (std::size_t i = 0; i < 10; ++i) table.upsert(100 + i, row_of(vectors, i, kDim));
  ASSERT_TRUE(index.sync(table, 0).ok());
  EXPECT_EQ(index.indexed_rows(), 10u);
}

// The lag a server reads without a lock follows the rows writes hand over and the indexer's
// steps, and a write's older pin arriving late never lowers it.
TEST(TailMergeSearch, TheLastKnownLagFollowsWritesAndIndexerSteps) {
  EmbeddingTable table(kDim);
  PostIndex index(kernels::make_faiss_index(kDim, {}));
  index.defer_indexing();
  EXPECT_EQ(index.last_known_lag(), 0u);
  const auto vectors = gaussian_vectors(50, kDim, 6);
  for (std::size_t i = 0; i < 30; ++i) table.upsert(100 + i, row_of(vectors, i, kDim));
  const EmbeddingTable::Pinned older = table.pin();
  for (std::size_t i = 30; i < 50; ++i) table.upsert(100 + i, row_of(vectors, i, kDim));
  ASSERT_TRUE(index.note_write(table, 1024).ok());
  EXPECT_EQ(index.last_known_lag(), 50u);
  ASSERT_TRUE(index.note_write(older, 1024).ok());
  EXPECT_EQ(index.last_known_lag(), 50u);
  ASSERT_TRUE(index.index_step(table, 20).ok());
  EXPECT_EQ(index.last_known_lag(), 30u);
  EXPECT_EQ(index.last_known_lag(), index.lag(table));
}

// A backend whose sync can be made to fail (as a GPU out of memory would), or to throw, and whose
// new rows can be made to cost a set time each (asleep: no core taken), otherwise an exact scan
// that counts as one worth deferring.
class ScriptedIndex final : public kernels::VectorIndex {
 public:
  enum class Failure { kStatus, kThrow };
  explicit ScriptedIndex(std::atomic<bool>& fail, std::chrono::microseconds per_row = {},
                         Failure failure = Failure::kStatus)
      : fail_(fail),
        per_row_(per_row),
        failure_(failure),
        exact_(kernels::make_cpu_exact_index(kDim, 1)) {}
  std::string describe() const override { return "scripted"; }
  absl::Status sync(const kernels::VectorRows& rows) override {
    const std::size_t added = rows.rows - std::min(rows.rows, exact_->indexed_rows());
    if (fail_ && added > 0 && failure_ == Failure::kThrow) throw std::length_error("out of memory");
    if (fail_ && added > 0) return absl::InternalError("out of memory");
    std::this_thread::sleep_for(per_row_ * static_cast<long>(added));
    return exact_->sync(rows);
  }
  std::size_t indexed_rows() const override { return exact_->indexed_rows(); }
  absl::StatusOr<SearchResults> search(const kernels::VectorRows& rows,
                                       const SearchRequest& request) const override {
    return exact_->search(rows, request);
  }

 private:
  std::atomic<bool>& fail_;
  const std::chrono::microseconds per_row_;
  const Failure failure_;
  std::unique_ptr<kernels::VectorIndex> exact_;
};

// The table and its writer's lock, as the engine's store holds them.
struct GuardedTable {
  explicit GuardedTable(int dimension) : table(dimension) {}
  BackgroundIndexer::TableReader reader() {
    return [this](absl::FunctionRef<void(const EmbeddingTable::Pinned&)> fn) {
      std::optional<EmbeddingTable::Pinned> pin;
      {
        std::shared_lock lock(mutex);
        pin.emplace(table.pin());
      }
      fn(*pin);  // the writer goes on meanwhile
    };
  }
  std::shared_mutex mutex;
  EmbeddingTable table;
};

// The indexer's log lines, said from its thread.
struct SaidLines {
  BackgroundIndexerOptions options() {
    BackgroundIndexerOptions options;
    options.log = [this](std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    };
    return options;
  }
  std::string last() {
    std::lock_guard lock(mutex);
    return lines.empty() ? std::string() : lines.back();
  }
  bool any_with(std::string_view a, std::string_view b) {
    std::lock_guard lock(mutex);
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
      return line.find(a) != std::string::npos && line.find(b) != std::string::npos;
    });
  }
  std::mutex mutex;
  std::vector<std::string> lines;
};

// A step that fails, by its status or by throwing (on the indexer's thread that would end the
// process): it is said, searches stay exact, and the next wake catches up.
class FailedStep : public ::testing::TestWithParam<ScriptedIndex::Failure> {};

INSTANTIATE_TEST_SUITE_P(BackgroundIndexer, FailedStep,
                         ::testing::Values(ScriptedIndex::Failure::kStatus,
                                           ScriptedIndex::Failure::kThrow),
                         [](const auto& info) {
                           return info.param == ScriptedIndex::Failure::kThrow ? "thrown"
                                                                               : "returned";
                         });

TEST_P(FailedStep, IsSaidSearchesStayExactAndTheNextWakeCatchesUp) {
  std::atomic<bool> fail{true};
  GuardedTable guarded(kDim);
  PostIndex index(std::make_unique<ScriptedIndex>(fail, std::chrono::microseconds{}, GetParam()));
  ASSERT_TRUE(index.worth_deferring());
  index.defer_indexing();
  SaidLines said;
  BackgroundIndexer indexer(index, guarded.reader(), said.options());
  const auto vectors = gaussian_vectors(300, kDim, 6);
  {
    std::unique_lock lock(guarded.mutex);
    for (std::size_t i = 0; i < 300; ++i) guarded.table.upsert(1 + i, row_of(vectors, i, kDim));
  }
  indexer.wake();
  ASSERT_TRUE(indexer.wait_caught_up(std::chrono::seconds(30)));
  EXPECT_EQ(index.lag(guarded.table), 300u);
  EXPECT_TRUE(said.any_with("background indexing failed", "out of memory")) << said.last();
  SearchRequest request;
  request.queries = row_of(vectors, 42, kDim);
  request.k = 3;
  auto results = index.search(guarded.table, request);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->front().front().id, 43u);

  fail = false;
  indexer.wake();
  ASSERT_TRUE(indexer.wait_caught_up(std::chrono::seconds(30)));
  EXPECT_EQ(index.lag(guarded.table), 0u);
  EXPECT_EQ(indexer.progress().rows_indexed, 300u);
  EXPECT_NE(said.last().find("indexed 300 post vectors in the background"), std::string::npos)
      << said.last();
}

// Searches back to back from more threads than cores, their holds of the index overlapping
// all the time: the indexer still gets its turn and catches up.
TEST(BackgroundIndexer, CatchesUpWhileSearchesHoldTheIndexWithoutPause) {
  constexpr std::size_t kRows = 20000;
  std::atomic<bool> fail{false};
  GuardedTable guarded(kDim);
  PostIndex index(std::make_unique<ScriptedIndex>(fail));  // an exact scan, deferred
  index.defer_indexing();
  const auto vectors = gaussian_vectors(kRows, kDim, 8);
  for (std::size_t i = 0; i < kRows; ++i) guarded.table.upsert(1 + i, row_of(vectors, i, kDim));
  ASSERT_TRUE(index.index_step(guarded.table, kRows / 2).ok());  // searches take a while
  std::atomic<bool> searching{true};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&, r] {
      SearchRequest request;
      request.queries = row_of(vectors, static_cast<std::size_t>(r), kDim);
      request.k = 10;
      while (searching) {
        std::shared_lock lock(guarded.mutex);
        EXPECT_TRUE(index.search(guarded.table, request).ok());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the readers overlap
  BackgroundIndexer indexer(index, guarded.reader(), {});
  const bool caught_up = indexer.wait_caught_up(std::chrono::seconds(20));
  searching = false;
  for (std::thread& reader : readers) reader.join();
  EXPECT_TRUE(caught_up);
  EXPECT_EQ(index.lag(guarded.table), 0u);
}

// A table and a deferred index that adds 20,000 rows a second (ScriptedIndex), for the tests of
// how the indexer shares the cores with writes.
struct SlowlyIndexedTable {
  static constexpr double kRowsPerSecond = 20000;
  SlowlyIndexedTable() { index.defer_indexing(); }

  // Appends `chunk` rows (a write) every `every` for `length`, waking the indexer after each;
  // returns the rows written and the seconds it took.
  std::pair<std::size_t, double> write_for(BackgroundIndexer& indexer, std::size_t chunk,
                                           std::chrono::milliseconds every,
                                           std::chrono::milliseconds length) {
    const auto vectors = gaussian_vectors(chunk, kDim, 9);
    const auto started = std::chrono::steady_clock::now();
    std::size_t written = 0;
    while (std::chrono::steady_clock::now() - started < length) {
      {
        std::unique_lock lock(guarded.mutex);
        for (std::size_t i = 0; i < chunk; ++i, ++written) {
          guarded.table.upsert(1 + written, row_of(vectors, i, kDim));
        }
        EXPECT_TRUE(index.note_write(guarded.table, 1024).ok());
      }
      indexer.wake();
      std::this_thread::sleep_for(every);
    }
    return {written,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()};
  }

  std::atomic<bool> fail{false};
  GuardedTable guarded{kDim};
  PostIndex index{std::make_unique<ScriptedIndex>(
      fail, std::chrono::microseconds(static_cast<long>(1e6 / kRowsPerSecond)))};
};

// Rows arriving about ten times faster than the indexer adds them (a bulk load): it leaves the
// cores to the writer (its progress and its log line say for how long) and catches up once the
// writes end.
TEST(BackgroundIndexer, LeavesABulkLoadItCannotKeepUpWithToTheWritesAndCatchesUpAfterIt) {
  SlowlyIndexedTable slow;
  SaidLines said;
  BackgroundIndexer indexer(slow.index, slow.guarded.reader(), said.options());
  // 200 rows a millisecond: up to 200,000 rows/s.
  const auto [written, seconds] =
      slow.write_for(indexer, 200, std::chrono::milliseconds(1), std::chrono::milliseconds(500));
  const BackgroundIndexer::Progress during = indexer.progress();
  // An indexer that did not yield would have added about 20,000 rows a second of the load.
  EXPECT_LT(static_cast<double>(during.rows_indexed),
            0.5 * SlowlyIndexedTable::kRowsPerSecond * seconds)
      << written;
  EXPECT_GT(during.yielded_seconds, 0.1);
  ASSERT_TRUE(indexer.wait_caught_up(std::chrono::seconds(60)));
  EXPECT_EQ(slow.index.lag(slow.guarded.table), 0u);
  EXPECT_EQ(indexer.progress().rows_indexed, written);
  EXPECT_TRUE(said.any_with("indexed", "left to a bulk load")) << said.last();
}

// Writes slower than the indexer (a steady stream) are indexed as they come, never yielded to.
TEST(BackgroundIndexer, KeepsUpWithASteadyStreamOfWrites) {
  SlowlyIndexedTable slow;
  BackgroundIndexer indexer(slow.index, slow.guarded.reader(), {});
  // 20 rows every 5 ms: at most 4,000 rows/s.
  const auto [written, seconds] =
      slow.write_for(indexer, 20, std::chrono::milliseconds(5), std::chrono::milliseconds(500));
  EXPECT_EQ(indexer.progress().yielded_seconds, 0.0);
  EXPECT_GE(indexer.progress().rows_indexed, written / 2) << seconds << " s";
  ASSERT_TRUE(indexer.wait_caught_up(std::chrono::seconds(30)));
  EXPECT_EQ(slow.index.lag(slow.guarded.table), 0u);
}

// A writer appends and deletes while readers search and the indexer builds an HNSW graph:
// every answer is sorted, full and free of deleted rows; a row's own vector finds it while it
// is still in the tail; once caught up, recall@10 against the exact answers holds.
TEST(BackgroundIndexer, HnswCatchesUpUnderConcurrentWritesAndSearchesAndKeepsItsRecall) {
  constexpr std::size_t kRows = 12000, kChunk = 400;
  constexpr int kClusters = 40;
  GuardedTable guarded(kDim);
  kernels::FaissIndexOptions hnsw;
  hnsw.kind = kernels::FaissIndexOptions::kHnsw;
  hnsw.hnsw_m = 16;
  hnsw.ef_construction = 80;
  PostIndex index(kernels::make_faiss_index(kDim, hnsw));
  index.defer_indexing();
  BackgroundIndexer indexer(index, guarded.reader(), {});
  const auto vectors = clustered_vectors(kRows, kDim, kClusters, 21);

  std::atomic<bool> writing{true};
  std::atomic<int> bad{0}, searched{0}, own_found{0}, own_tried{0};
  std::thread writer([&] {
    for (std::size_t first = 0; first < kRows; first += kChunk) {
      {
        std::unique_lock lock(guarded.mutex);
        for (std::size_t i = first; i < first + kChunk; ++i) {
          guarded.table.upsert(1 + i, row_of(vectors, i, kDim));
        }
        if (first > 0) guarded.table.remove(first);  // a row of the chunk before
        EXPECT_TRUE(index.note_write(guarded.table, 1024).ok());
      }
      indexer.wake();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    writing = false;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      std::mt19937 rng(r);
      while (writing) {
        std::shared_lock lock(guarded.mutex);
        const EmbeddingTable& table = guarded.table;
        if (table.rows() == 0) continue;
        // The newest row: in the tail unless the indexer is quick.
        const std::size_t row = table.rows() - 1;
        const std::vector<float> query = table.row_floats(row);
        SearchRequest request;
        request.queries = query;
        request.k = 10;
        const bool in_tail = index.lag(table) > 0;
        auto results = index.search(table, request);
        ++searched;
        if (!results.ok() || results->front().size() != 10) {
          ++bad;
          continue;
        }
        const auto& list = results->front();
        for (std::size_t i = 0; i < list.size(); ++i) {
          const auto at = table.row_of(list[i].id);
          if (!at || table.is_deleted(*at)) ++bad;
          if (i > 0 && list[i].score > list[i - 1].score) ++bad;
        }
        if (in_tail) {
          ++own_tried;
          own_found += list.front().id == table.row_ids()[row] ? 1 : 0;
        }
      }
    });
  }
  writer.join();
  for (std::thread& reader : readers) reader.join();
  indexer.wake();
  ASSERT_TRUE(indexer.wait_caught_up(std::chrono::seconds(120)));
  EXPECT_EQ(index.lag(guarded.table), 0u);
  EXPECT_EQ(index.indexed_rows(), kRows);
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(searched.load(), 0);
  EXPECT_GT(own_tried.load(), 0);  // the writer outruns the indexer: rows wait in the tail
  EXPECT_EQ(own_found.load(), own_tried.load());

  const auto queries = clustered_vectors(100, kDim, kClusters, 22);
  SearchRequest request;
  request.queries = queries;
  request.k = 10;
  auto approximate = index.search(guarded.table, request);
  ASSERT_TRUE(approximate.ok()) << approximate.status();
  EXPECT_GE(kernels::testing::recall(*approximate, exact_answer(guarded.table, request)), 0.95);
}

// An IVF trained on the first rows is outgrown once the corpus is four times that: the indexer
// rebuilds it aside (says so, counts it) while a writer goes on, and the new lists serve every
// row, the deleted ones left out, with the answers of an exact search (nprobe covers all lists).
TEST(BackgroundIndexer, RebuildsAnOutgrownIvfAsideAndItsAnswersStayExact) {
  constexpr std::size_t kRows = 2400, kChunk = 200;
  kernels::FaissIndexOptions ivf;
  ivf.kind = kernels::FaissIndexOptions::kIvfFlat;
  ivf.ivf_lists = 4;  // trains at 4 * 39 = 156 rows: on the first chunk's 200
  ivf.nprobe = 4;
  GuardedTable guarded(kDim);
  PostIndex index(kernels::make_faiss_index(kDim, ivf));
  index.defer_indexing();
  SaidLines said;
  BackgroundIndexer indexer(index, guarded.reader(), said.options());
  const auto vectors = clustered_vectors(kRows, kDim, 12, 31);
  for (std::size_t first = 0; first < kRows; first += kChunk) {
    {
      std::unique_lock lock(guarded.mutex);
      for (std::size_t i = first; i < first + kChunk; ++i) {
        guarded.table.upsert(1 + i, row_of(vectors, i, kDim));
      }
      guarded.table.remove(1 + first);
      ASSERT_TRUE(index.note_write(guarded.table, 1024).ok());
    }
    indexer.wake();
    if (first == 0) ASSERT_TRUE(indexer.wait_caught_up(std::chrono::seconds(30)));
  }
  indexer.wake();
  ASSERT_TRUE(indexer.wait_caught_up(std::chrono::seconds(60)));
  EXPECT_EQ(index.lag(guarded.table), 0u);
  // 200 rows trained it; 800 outgrew it (rebuilt on those or more), and 4 times that is more
  // than there are.
  EXPECT_EQ(indexer.progress().rebuilds, 1u);
  EXPECT_TRUE(said.any_with("rebuilt the retrieval index over", "faiss-ivf-flat (lists=4"))
      << said.last();
  EXPECT_FALSE(index.outgrown(guarded.table));

  const auto queries = clustered_vectors(50, kDim, 12, 32);
  SearchRequest request;
  request.queries = queries;
  request.k = 10;
  auto answers = index.search(guarded.table, request);
  ASSERT_TRUE(answers.ok()) << answers.status();
  const SearchResults expected = exact_answer(guarded.table, request);
  for (std::size_t q = 0; q < expected.size(); ++q) {
    EXPECT_EQ(ids((*answers)[q]), ids(expected[q])) << "query " << q;
  }
}

}  // namespace
}  // namespace feedrank::ranker
