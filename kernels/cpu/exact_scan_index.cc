#include "kernels/cpu/exact_scan_index.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "common/first_exception.h"
#include "kernels/cpu/inner_products.h"
#include "kernels/cpu/row_filter.h"
#include "kernels/cpu/top_k.h"
#include "kernels/search_checks.h"

namespace feedrank::kernels {
namespace {

// A row block stays in L2 (512 KiB here) while every query of the batch is scored against it,
// so a batch reads the matrix from memory once. (Its rows are counted as floats: a block of
// halves is half the bytes, which also fits.)
constexpr std::size_t kRowBlockBytes = 128 * 1024;
// Scores of this many queries x one row block are kept at a time (64 KiB at d = 128).
constexpr std::size_t kQueryBlock = 64;
// Below this many rows per thread, one more thread costs more than it saves.
constexpr std::size_t kMinRowsPerThread = 32 * 1024;
// Threads take row blocks in chunks of this many from a shared counter, so that a thread that
// the OS descheduled (other processes share these cores) does not hold up the whole search.
constexpr std::size_t kBlocksPerChunk = 16;

class ExactScanIndex final : public VectorIndex {
 public:
  ExactScanIndex(int dimension, int threads)
      : dimension_(dimension),
        threads_(threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency())),
        row_block_(std::max<std::size_t>(4, kRowBlockBytes / (sizeof(float) * dimension))) {}

  std::string describe() const override {
    return "cpu-exact (" + std::string(cpu::inner_product_kernel()) + ", in place, " +
           std::to_string(threads_) + " threads)";
  }

  absl::Status sync(const VectorRows& rows) override {
    if (auto status = check_rows_cover(rows, dimension_, indexed_rows_); !status.ok())
      return status;
    indexed_rows_ = rows.rows;
    return absl::OkStatus();
  }

  std::size_t indexed_rows() const override { return indexed_rows_; }

  absl::StatusOr<SearchResults> search(const VectorRows& rows,
                                       const SearchRequest& request) const override;
  bool batches_queries() const override { return true; }
  bool copies_rows() const override { return false; }

 private:
  // Scores rows [begin, end) against every query into `tops` (one per query); `scores` holds
  // min(queries, kQueryBlock) x row_block_ floats.
  void scan(const VectorRows& rows, const SearchRequest& request,
            const std::vector<cpu::RowFilter>& filters, std::size_t begin, std::size_t end,
            std::vector<cpu::TopK>& tops, std::vector<float>& scores) const;

  int dimension_;
  int threads_;
  std::size_t row_block_;
  std::size_t indexed_rows_ = 0;
};

absl::StatusOr<SearchResults> ExactScanIndex::search(const VectorRows& rows,
                                                     const SearchRequest& request) const {
  if (auto status = check_search(request, dimension_, indexed_rows_); !status.ok()) return status;
  if (auto status = check_rows_cover(rows, dimension_, indexed_rows_); !status.ok())
    return status;
  const std::size_t queries = query_count(request, dimension_);
  const auto filters = cpu::row_filters(rows, indexed_rows_, request, queries);

  // Per-query first rows: the scan starts at the lowest and each query's filter skips the rest.
  const std::size_t requested_first =
      request.first_rows.empty()
          ? request.first_row
          : *std::min_element(request.first_rows.begin(), request.first_rows.end());
  const std::size_t end_row = std::min(request.end_row, indexed_rows_);
  const std::size_t first_row = std::min(requested_first, end_row);
  const std::size_t threads = std::clamp<std::size_t>(
      (end_row - first_row) / kMinRowsPerThread, 1, static_cast<std::size_t>(threads_));
  std::vector<std::vector<cpu::TopK>> tops(threads,
                                           std::vector<cpu::TopK>(queries, cpu::TopK(request.k)));
  std::atomic<std::size_t> next_row{first_row};
  std::atomic<bool> abandoned{false};  // the deadline passed: no thread takes another chunk
  auto work = [&](std::vector<cpu::TopK>& thread_tops) {
    const std::size_t chunk = kBlocksPerChunk * row_block_;
    std::vector<float> scores(std::min(queries, kQueryBlock) * row_block_);
    for (std::size_t begin; (begin = next_row.fetch_add(chunk)) < end_row;) {
      if (abandoned.load(std::memory_order_relaxed) || past_deadline(request)) {
        abandoned.store(true, std::memory_order_relaxed);
        return;
      }
      scan(rows, request, filters, begin, std::min(end_row, begin + chunk), thread_tops, scores);
    }
  };
  FirstException thrown;  // by a worker (out of memory): the caller's error, not the process's end
  {
    std::vector<std::jthread> workers;  // joined when they go, also if this thread throws
    workers.reserve(threads - 1);
    try {
      for (std::size_t t = 1; t < threads; ++t) {
        workers.emplace_back([&, t] { thrown.capture([&] { work(tops[t]); }); });
      }
    } catch (const std::system_error&) {
      // No thread to be had: the rows are handed out by chunks, so those running scan them all.
    }
    work(tops[0]);  // the caller's thread is one of them
  }
  thrown.rethrow_if_any();
  if (abandoned.load()) return search_deadline_passed();

  SearchResults results(queries);
  for (std::size_t q = 0; q < queries; ++q) {
    for (const auto& thread_tops : tops) {
      const auto& entries = thread_tops[q].entries();
      results[q].insert(results[q].end(), entries.begin(), entries.end());
    }
    sort_and_truncate(results[q], request.k);
  }
  return results;
}

void ExactScanIndex::scan(const VectorRows& rows, const SearchRequest& request,
                          const std::vector<cpu::RowFilter>& filters, std::size_t begin,
                          std::size_t end, std::vector<cpu::TopK>& tops,
                          std::vector<float>& scores) const {
  const auto d = static_cast<std::size_t>(dimension_);
  const std::size_t queries = tops.size();
  for (std::size_t block = begin; block < end; block += row_block_) {
    const std::size_t n = std::min(row_block_, end - block);
    for (std::size_t q0 = 0; q0 < queries; q0 += kQueryBlock) {
      const std::size_t qn = std::min(kQueryBlock, queries - q0);
      with_row_values(rows, [&](const auto* values) {
        cpu::inner_products(request.queries.data() + q0 * d, qn, values + block * d, n,
                            dimension_, scores.data(), row_block_);
      });
      for (std::size_t i = 0; i < qn; ++i) {
        const float* s = scores.data() + i * row_block_;
        const cpu::RowFilter& filter = filters[q0 + i];
        cpu::TopK& top = tops[q0 + i];
        // A query whose first row is past the block's start skips the rows before it (the scan
        // starts at the lowest first row of the batch). NaN scores (from NaN rows) are never at
        // least the threshold, so never kept.
        std::size_t r = std::min(n, filter.first_row() - std::min(filter.first_row(), block));
        for (; (r = cpu::first_at_least(s, r, n, top.threshold())) < n; ++r) {
          if (filter.allows(block + r)) top.push({rows.ids[block + r], s[r]});
        }
      }
    }
  }
}

}  // namespace

std::unique_ptr<VectorIndex> make_cpu_exact_index(int dimension, int threads) {
  return std::make_unique<ExactScanIndex>(dimension, threads);
}

}  // namespace feedrank::kernels
