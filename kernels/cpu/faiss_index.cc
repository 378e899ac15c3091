#include "kernels/cpu/faiss_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_io.h>
#include <faiss/invlists/InvertedLists.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <new>
#include <vector>

#include "common/first_exception.h"
#include "common/huge_pages.h"
#include "kernels/cpu/faiss_simd_storage.h"
#include "kernels/cpu/hnsw_insert.h"
#include "kernels/cpu/hnsw_search.h"
#include "kernels/cpu/inner_products.h"
#include "kernels/cpu/row_filter.h"
#include "kernels/search_checks.h"

namespace feedrank::kernels {
namespace {

using Kind = FaissIndexOptions::Kind;
using Label = faiss::Index::idx_t;

// k-means wants at least this many training points per list (FAISS warns below it).
constexpr std::size_t kTrainRowsPerList = 39;
// An IVF is outgrown once the corpus is this many times what its lists were trained for: with
// lists sized 4 sqrt(n), the right count has doubled and each list holds four times its rows.
constexpr double kRetrainGrowth = 4.0;

// FAISS 1.7.3 honours SearchParameters::sel in IndexFlat and IndexIVF searches (checked against
// the installed library), so deleted and excluded rows are skipped inside FAISS rather than
// over-fetched and filtered afterwards. (HNSW runs our own walk, which takes the filter itself.)
class RowFilterSelector final : public faiss::IDSelector {
 public:
  explicit RowFilterSelector(const cpu::RowFilter& filter) : filter_(filter) {}
  bool is_member(Label row) const override { return filter_.allows(static_cast<std::size_t>(row)); }

 private:
  const cpu::RowFilter& filter_;
};

// Runs FAISS's flat and IVF code on the calling thread only. Their OpenMP regions are short
// and many (one per 1024-row block in a batched flat search), and libgomp's threads spin while
// they wait: on this 2-core VM, with other processes runnable, a 64-query flat search over 300k
// rows took 2.4 s instead of 0.11 s, and one HNSW query 10+ ms instead of 0.2 ms. The setting is
// the calling thread's own (an OpenMP per-thread ICV), restored on exit. HNSW's graph build
// (HnswInserter) runs on all threads: a row costs up to milliseconds there.
class OnCallingThread {
 public:
  OnCallingThread() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OnCallingThread() { omp_set_num_threads(saved_); }
  OnCallingThread(const OnCallingThread&) = delete;
  OnCallingThread& operator=(const OnCallingThread&) = delete;

 private:
  int saved_;
};

// FAISS's errors are INTERNAL; out of memory is RESOURCE_EXHAUSTED (common/error_status.h).
absl::Status internal_error(const char* call, const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) {
    return absl::ResourceExhaustedError(std::string("out of memory in faiss ") + call);
  }
  return absl::InternalError(std::string("faiss ") + call + ": " + e.what());
}

std::size_t ivf_lists_for(const FaissIndexOptions& options, std::size_t rows) {
  if (options.ivf_lists > 0) return static_cast<std::size_t>(options.ivf_lists);
  return std::max<long long>(1, std::llround(4.0 * std::sqrt(static_cast<double>(rows))));
}

// The graph's neighbour lists are walked in random order, as the rows are (common/huge_pages.h).
// Asked after a load and after every build step (a step that grows the lists may move them);
// khugepaged merges the pages already written within minutes.
void advise_graph_huge_pages(const faiss::HNSW& graph) {
  const std::size_t bytes = graph.neighbors.size() * sizeof(faiss::HNSW::storage_idx_t);
  if (bytes >= kHugePagesWorthyBytes) advise_huge_pages(graph.neighbors.data(), bytes);
}

std::unique_ptr<faiss::Index> new_index(int dimension, const FaissIndexOptions& options) {
  if (options.kind == Kind::kHnsw) {
    auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(dimension, options.hnsw_m,
                                                       faiss::METRIC_INNER_PRODUCT);
    hnsw->hnsw.efConstruction = options.ef_construction;
    cpu::use_simd_storage(*hnsw);
    return hnsw;
  }
  return std::make_unique<faiss::IndexFlatIP>(dimension);  // also IVF until it trains
}

// Grows `entries` to hold `size` with the doubling push_back would use, so that many small adds
// to one list stay amortised.
template <class Vector>
void reserve_growing(Vector& entries, std::size_t size) {
  if (size > entries.capacity()) entries.reserve(std::max(size, 2 * entries.capacity()));
}

// Adds `count` rows to a trained IVF. FAISS's add writes the lists inside an OpenMP region,
// where an allocation that throws ends the process (an exception may not leave a region). So the
// rows' lists are found and each list given room for its new entries here first, outside any
// region: out of memory is then an error that leaves the index as it was, and FAISS's add only
// copies into the room made.
void add_to_ivf(faiss::IndexIVF& ivf, std::size_t count, const float* fresh) {
  auto* lists = dynamic_cast<faiss::ArrayInvertedLists*>(ivf.invlists);
  if (lists == nullptr) {  // not a kind this file makes or loads
    ivf.add(static_cast<Label>(count), fresh);
    return;
  }
  std::vector<Label> list_of_row(count);
  ivf.quantizer->assign(static_cast<Label>(count), fresh, list_of_row.data());
  std::vector<std::size_t> added(ivf.nlist);
  for (Label list : list_of_row) {
    if (list >= 0) ++added[static_cast<std::size_t>(list)];
  }
  for (std::size_t list = 0; list < ivf.nlist; ++list) {
    if (added[list] == 0) continue;
    const std::size_t entries = lists->ids[list].size() + added[list];
    reserve_growing(lists->ids[list], entries);
    reserve_growing(lists->codes[list], entries * lists->code_size);
  }
  ivf.add_core(static_cast<Label>(count), fresh, nullptr, list_of_row.data());
}

// An IVF-Flat over all of `rows`, its lists trained on them.
std::unique_ptr<faiss::Index> trained_ivf(const VectorRows& rows, std::size_t lists) {
  auto quantizer = std::make_unique<faiss::IndexFlatIP>(rows.dimension);
  auto ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer.get(), rows.dimension, lists,
                                                   faiss::METRIC_INNER_PRODUCT);
  ivf->own_fields = true;
  quantizer.release();
  const auto n = static_cast<Label>(rows.rows);
  std::vector<float> widened;
  const float* values = floats_of_rows(rows, 0, rows.rows, widened);
  OnCallingThread serial;
  ivf->train(n, values);
  add_to_ivf(*ivf, rows.rows, values);
  return ivf;
}

class FaissIndex final : public VectorIndex {
 public:
  FaissIndex(int dimension, FaissIndexOptions options, std::unique_ptr<faiss::Index> index)
      : dimension_(dimension), options_(options), index_(std::move(index)) {}

  std::string describe() const override {
    switch (options_.kind) {
      case Kind::kFlat:
        return "faiss-flat-ip";
      case Kind::kHnsw: {
        // Build settings from the graph itself: a loaded one may differ from options_.
        const auto& hnsw = dynamic_cast<const faiss::IndexHNSW&>(*index_).hnsw;
        return "faiss-hnsw (M=" + std::to_string(hnsw.nb_neighbors(1)) +
               ", efConstruction=" + std::to_string(hnsw.efConstruction) +
               ", efSearch=" + std::to_string(options_.ef_search) + ", " +
               std::string(cpu::row_product_kernel()) + " prefetching walk)";
      }
      case Kind::kIvfFlat:
        if (const auto* ivf = ivf_index()) {
          return "faiss-ivf-flat (lists=" + std::to_string(ivf->nlist) +
                 ", nprobe=" + std::to_string(options_.nprobe) + ")";
        }
        return "faiss-ivf-flat (untrained, exact until " + std::to_string(kTrainRowsPerList) +
               " rows per list)";
    }
    return "faiss";
  }

  absl::Status sync(const VectorRows& rows) override;
  bool searches_are_quick() const override { return options_.kind == Kind::kHnsw; }
  std::size_t indexed_rows() const override { return static_cast<std::size_t>(index_->ntotal); }
  absl::StatusOr<SearchResults> search(const VectorRows& rows,
                                       const SearchRequest& request) const override;

  const faiss::Index& faiss_index() const { return *index_; }

  bool outgrown(std::size_t rows) const override {
    const faiss::IndexIVF* ivf = ivf_index();
    if (ivf == nullptr) return false;
    // With lists sized by the rows (4 sqrt(n)), the rows they were sized for; a loaded index
    // tells only its list count.
    const double lists = static_cast<double>(ivf->nlist);
    const double fitted = options_.ivf_lists > 0 ? static_cast<double>(trained_on_)
                                                 : (lists / 4.0) * (lists / 4.0);
    return fitted > 0 && static_cast<double>(rows) >= kRetrainGrowth * fitted;
  }
  std::unique_ptr<VectorIndex> make_empty() const override {
    return make_faiss_index(dimension_, options_);
  }

  std::size_t memory_bytes() const override {
    if (const auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(index_.get())) {
      const faiss::HNSW& graph = hnsw->hnsw;
      return graph.neighbors.size() * sizeof(faiss::HNSW::storage_idx_t) +
             graph.offsets.size() * sizeof(std::size_t) + graph.levels.size() * sizeof(int) +
             graph.assign_probas.size() * sizeof(double) + hnsw_inserter_.memory_bytes() +
             visited_pool_.memory_bytes();  // the rows are the caller's (read in place)
    }
    if (const auto* ivf = ivf_index()) {
      std::size_t bytes = 0;
      for (std::size_t list = 0; list < ivf->nlist; ++list) {
        bytes += ivf->invlists->list_size(list) * (ivf->code_size + sizeof(Label));
      }
      return bytes + static_cast<std::size_t>(ivf->nlist) * ivf->d * sizeof(float);  // centroids
    }
    if (const auto* flat = dynamic_cast<const faiss::IndexFlatCodes*>(index_.get())) {
      return flat->codes.size();
    }
    return 0;
  }

 private:
  const faiss::IndexIVF* ivf_index() const {
    return dynamic_cast<const faiss::IndexIVF*>(index_.get());
  }
  // Our walk over the HNSW graph (hnsw_search.h), one query per thread of a batch.
  void search_hnsw(const faiss::IndexHNSW& hnsw, const VectorRows& rows,
                   const SearchRequest& request, const std::vector<cpu::RowFilter>& filters,
                   SearchResults& results) const;
  // k results per query of `count` queries, FAISS labels (row numbers, -1 for none).
  void search_faiss(const float* queries, std::size_t count, int k, const cpu::RowFilter& filter,
                    float* scores, Label* labels) const;

  int dimension_;
  FaissIndexOptions options_;
  std::unique_ptr<faiss::Index> index_;
  std::size_t trained_on_ = 0;  // IVF: rows present when its lists were trained here
  cpu::HnswInserter hnsw_inserter_;  // HNSW: its locks and visited tables, kept between syncs
  mutable cpu::VisitedPool visited_pool_;  // HNSW: the searches' visited marks
};

absl::Status FaissIndex::sync(const VectorRows& rows) {
  if (auto status = check_rows_cover(rows, dimension_, indexed_rows()); !status.ok())
    return status;
  try {
    if (options_.kind == Kind::kIvfFlat && ivf_index() == nullptr) {
      const std::size_t lists = ivf_lists_for(options_, rows.rows);
      if (rows.rows >= kTrainRowsPerList * lists) {
        index_ = trained_ivf(rows, lists);
        trained_on_ = rows.rows;
        return absl::OkStatus();
      }
    }
    const std::size_t have = indexed_rows();
    if (rows.rows <= have) return absl::OkStatus();
    const std::size_t count = rows.rows - have;
    if (auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(index_.get())) {
      hnsw_inserter_.add(*hnsw, count, rows);  // on every thread
      advise_graph_huge_pages(hnsw->hnsw);
    } else {
      std::vector<float> widened;
      const float* fresh = floats_of_rows(rows, have, rows.rows, widened);
      OnCallingThread serial;
      if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(index_.get())) {
        add_to_ivf(*ivf, count, fresh);
      } else {
        index_->add(static_cast<Label>(count), fresh);  // a flat add grows its codes first
      }
    }
  } catch (const std::exception& e) {
    return internal_error("add", e);
  }
  return absl::OkStatus();
}

void FaissIndex::search_faiss(const float* queries, std::size_t count, int k,
                              const cpu::RowFilter& filter, float* scores, Label* labels) const {
  // Recall knobs go in per-search parameters, so concurrent searches never touch the index.
  faiss::SearchParameters flat;
  faiss::SearchParametersIVF ivf;
  faiss::SearchParameters* params = &flat;
  if (ivf_index() != nullptr) {
    ivf.nprobe = static_cast<std::size_t>(options_.nprobe);
    params = &ivf;
  }
  RowFilterSelector selector(filter);
  if (filter.filters_anything()) params->sel = &selector;
  OnCallingThread serial;
  index_->search(static_cast<Label>(count), queries, k, scores, labels, params);
}

absl::StatusOr<SearchResults> FaissIndex::search(const VectorRows& rows,
                                                 const SearchRequest& request) const {
  if (auto status = check_search(request, dimension_, indexed_rows()); !status.ok())
    return status;
  if (auto status = check_rows_cover(rows, dimension_, indexed_rows()); !status.ok())
    return status;
  const std::size_t count = query_count(request, dimension_);
  const auto d = static_cast<std::size_t>(dimension_);
  const auto k = static_cast<std::size_t>(request.k);
  const auto filters = cpu::row_filters(rows, indexed_rows(), request, count);
  if (const auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(index_.get())) {
    SearchResults results(count);
    try {
      search_hnsw(*hnsw, rows, request, filters, results);
    } catch (const std::exception& e) {
      return internal_error("search", e);
    }
    return results;
  }
  std::vector<float> scores(count * k);
  std::vector<Label> labels(count * k);
  try {
    if (request.exclude.empty() && request.first_rows.empty()) {
      // Every query has the same filter (tombstones, an end row): one call for the whole batch.
      search_faiss(request.queries.data(), count, request.k, filters[0], scores.data(),
                   labels.data());
    } else {
      // FAISS takes one selector per call and exclude lists or first rows differ per query.
      for (std::size_t q = 0; q < count; ++q) {
        search_faiss(request.queries.data() + q * d, 1, request.k, filters[q],
                     scores.data() + q * k, labels.data() + q * k);
      }
    }
  } catch (const std::exception& e) {
    return internal_error("search", e);
  }
  SearchResults results(count);
  for (std::size_t q = 0; q < count; ++q) {
    for (std::size_t i = q * k; i < (q + 1) * k; ++i) {
      if (labels[i] >= 0) results[q].push_back({rows.ids[labels[i]], scores[i]});
    }
    sort_and_truncate(results[q], request.k);  // FAISS orders ties its own way
  }
  return results;
}

void FaissIndex::search_hnsw(const faiss::IndexHNSW& hnsw, const VectorRows& rows,
                             const SearchRequest& request,
                             const std::vector<cpu::RowFilter>& filters,
                             SearchResults& results) const {
  const auto d = static_cast<std::size_t>(dimension_);
  const int ef = std::max(options_.ef_search, request.k);
  const auto count = static_cast<std::ptrdiff_t>(results.size());
  FirstException thrown;
#pragma omp parallel for schedule(dynamic) if (count > 1)
  for (std::ptrdiff_t q = 0; q < count; ++q) {
    thrown.capture([&] {
      cpu::TopK top(request.k);
      cpu::search_hnsw(hnsw.hnsw, rows, request.queries.data() + q * d, ef, filters[q],
                       visited_pool_, top);
      results[q] = top.entries();
      sort_and_truncate(results[q], request.k);
    });
  }
  thrown.rethrow_if_any();
}

bool holds_kind(const faiss::Index& index, Kind kind) {
  const bool flat = dynamic_cast<const faiss::IndexFlatIP*>(&index) != nullptr;
  switch (kind) {
    case Kind::kFlat:
      return flat;
    case Kind::kHnsw:
      return dynamic_cast<const faiss::IndexHNSWFlat*>(&index) != nullptr;
    case Kind::kIvfFlat:
      return flat || dynamic_cast<const faiss::IndexIVFFlat*>(&index) != nullptr;
  }
  return false;
}

}  // namespace

std::unique_ptr<VectorIndex> make_faiss_index(int dimension, FaissIndexOptions options) {
  return std::make_unique<FaissIndex>(dimension, options, new_index(dimension, options));
}

absl::Status save_faiss_index(const VectorIndex& index, const std::string& path) {
  const auto* faiss_index = dynamic_cast<const FaissIndex*>(&index);
  if (faiss_index == nullptr) {
    return absl::InvalidArgumentError("index: " + index.describe() + " is not a FAISS index");
  }
  try {
    faiss::write_index(&faiss_index->faiss_index(), path.c_str());
  } catch (const std::exception& e) {
    return internal_error("write_index", e);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<VectorIndex>> load_faiss_index(const std::string& path,
                                                              int dimension,
                                                              FaissIndexOptions options) {
  std::unique_ptr<faiss::Index> index;
  try {
    index.reset(faiss::read_index(path.c_str()));
  } catch (const std::exception& e) {
    return internal_error("read_index", e);
  }
  if (index->d != dimension) {
    return absl::InvalidArgumentError("path: " + path + " holds a dimension " +
                                      std::to_string(index->d) + " index, not " +
                                      std::to_string(dimension));
  }
  if (index->metric_type != faiss::METRIC_INNER_PRODUCT || !holds_kind(*index, options.kind)) {
    return absl::InvalidArgumentError("path: " + path +
                                      " holds another kind of index than options.kind");
  }
  if (auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(index.get())) {
    try {
      cpu::use_simd_storage(*hnsw);
    } catch (const std::exception& e) {
      return internal_error("read_index", e);
    }
    advise_graph_huge_pages(hnsw->hnsw);
  }
  return std::make_unique<FaissIndex>(dimension, options, std::move(index));
}

}  // namespace feedrank::kernels
