#include "kernels/cpu/faiss_simd_storage.h"

#include <faiss/IndexFlat.h>
#include <faiss/impl/FaissAssert.h>

#include <memory>

#include "kernels/cpu/inner_products.h"

namespace feedrank::kernels::cpu {
namespace {

class SimdInnerProductComputer final : public faiss::FlatCodesDistanceComputer {
 public:
  SimdInnerProductComputer(const float* rows, int dimension)
      : FlatCodesDistanceComputer(reinterpret_cast<const std::uint8_t*>(rows),
                                  static_cast<std::size_t>(dimension) * sizeof(float)),
        rows_(rows),
        dimension_(dimension) {}

  void set_query(const float* x) override { query_ = x; }
  float distance_to_code(const std::uint8_t* code) override {
    return inner_product(query_, reinterpret_cast<const float*>(code), dimension_);
  }
  float symmetric_dis(idx_t i, idx_t j) override {
    return inner_product(rows_ + i * dimension_, rows_ + j * dimension_, dimension_);
  }

 private:
  const float* rows_;
  int dimension_;
  const float* query_ = nullptr;
};

// Written by faiss::write_index as the (empty) IndexFlatIP it derives from.
class InPlaceSimdFlatIP final : public faiss::IndexFlatIP {
 public:
  using IndexFlatIP::IndexFlatIP;
  void point_at(const float* rows) { rows_ = rows; }
  void add(idx_t /*n*/, const float* /*x*/) override {
    FAISS_THROW_MSG("the HNSW storage reads the caller's rows in place: nothing is added to it");
  }
  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override {
    FAISS_THROW_IF_NOT_MSG(rows_ != nullptr, "the HNSW storage points at no rows");
    return new SimdInnerProductComputer(rows_, d);
  }

 private:
  const float* rows_ = nullptr;
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

void point_storage_at(faiss::IndexHNSW& index, const float* rows) {
  auto* storage = dynamic_cast<InPlaceSimdFlatIP*>(index.storage);
  FAISS_THROW_IF_NOT_MSG(storage != nullptr, "HNSW storage is not the in-place one");
  storage->point_at(rows);
}

}  // namespace feedrank::kernels::cpu
