#include "kernels/cpu/faiss_simd_storage.h"

#include <faiss/IndexFlat.h>
#include <faiss/impl/FaissAssert.h>

#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "common/half_float.h"
#include "kernels/cpu/inner_products.h"

namespace feedrank::kernels::cpu {
namespace {

// Row: float or std::uint16_t (halves), as the caller's matrix holds them.
template <class Row>
class SimdInnerProductComputer final : public faiss::FlatCodesDistanceComputer {
 public:
  SimdInnerProductComputer(const Row* rows, int dimension)
      : FlatCodesDistanceComputer(reinterpret_cast<const std::uint8_t*>(rows),
                                  static_cast<std::size_t>(dimension) * sizeof(Row)),
        rows_(rows),
        dimension_(dimension),
        widened_(std::is_same_v<Row, float> ? 0 : static_cast<std::size_t>(dimension)) {}

  void set_query(const float* x) override { query_ = x; }
  float distance_to_code(const std::uint8_t* code) override {
    return inner_product(query_, reinterpret_cast<const Row*>(code), dimension_);
  }
  float symmetric_dis(idx_t i, idx_t j) override {
    return inner_product(floats_of(i), row(j), dimension_);
  }

 private:
  const Row* row(idx_t i) const { return rows_ + i * dimension_; }
  const float* floats_of(idx_t i) {
    if constexpr (std::is_same_v<Row, float>) {
      return row(i);
    } else {
      floats_of_half_bits(std::span(row(i), widened_.size()), widened_);
      return widened_.data();
    }
  }

  const Row* rows_;
  int dimension_;
  std::vector<float> widened_;  // halves: a row as floats, for symmetric_dis
  const float* query_ = nullptr;
};

// Written by faiss::write_index as the (empty) IndexFlatIP it derives from.
class InPlaceSimdFlatIP final : public faiss::IndexFlatIP {
 public:
  using IndexFlatIP::IndexFlatIP;
  void point_at(const VectorRows& rows) { rows_ = rows; }
  void add(idx_t /*n*/, const float* /*x*/) override {
    FAISS_THROW_MSG("the HNSW storage reads the caller's rows in place: nothing is added to it");
  }
  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override {
    FAISS_THROW_IF_NOT_MSG(rows_.data != nullptr || rows_.halves != nullptr,
                           "the HNSW storage points at no rows");
    return with_row_values(rows_, [&](const auto* values) -> faiss::FlatCodesDistanceComputer* {
      using Row = std::remove_cv_t<std::remove_pointer_t<decltype(values)>>;
      return new SimdInnerProductComputer<Row>(values, d);
    });
  }

 private:
  VectorRows rows_;
};

}  // namespace

void use_simd_storage(faiss::IndexHNSW& index) {
  auto* old = dynamic_cast<faiss::IndexFlatCodes*>(index.storage);
  FAISS_THROW_IF_NOT_MSG(old != nullptr && old->metric_type == faiss::METRIC_INNER_PRODUCT,
                         "HNSW storage is not a flat inner-product index");
  auto in_place = std::make_unique<InPlaceSimdFlatIP>(old->d);
  if (index.own_fields) delete old;
  index.storage = in_place.release();
  index.own_fields = true;
}

void point_storage_at(faiss::IndexHNSW& index, const VectorRows& rows) {
  auto* storage = dynamic_cast<InPlaceSimdFlatIP*>(index.storage);
  FAISS_THROW_IF_NOT_MSG(storage != nullptr, "HNSW storage is not the in-place one");
  storage->point_at(rows);
}

}  // namespace feedrank::kernels::cpu
