#include "kernels/cpu/faiss_simd_storage.h"

#include <faiss/IndexFlat.h>
#include <faiss/impl/FaissAssert.h>

#include <memory>

#include "kernels/cpu/inner_products.h"

namespace feedrank::kernels::cpu {
namespace {

class SimdInnerProductComputer final : public faiss::FlatCodesDistanceComputer {
 public:
  explicit SimdInnerProductComputer(const faiss::IndexFlatCodes& storage)
      : FlatCodesDistanceComputer(storage.codes.data(), storage.code_size),
        rows_(reinterpret_cast<const float*>(storage.codes.data())),
        dimension_(storage.d) {}

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

// Written by faiss::write_index as the IndexFlatIP it derives from.
class SimdFlatIP final : public faiss::IndexFlatIP {
 public:
  using IndexFlatIP::IndexFlatIP;
  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override {
    return new SimdInnerProductComputer(*this);
  }
};

}  // namespace

void use_simd_storage(faiss::IndexHNSW& index) {
  auto* old = dynamic_cast<faiss::IndexFlatCodes*>(index.storage);
  FAISS_THROW_IF_NOT_MSG(old != nullptr && old->metric_type == faiss::METRIC_INNER_PRODUCT,
                         "HNSW storage is not a flat inner-product index");
  auto simd = std::make_unique<SimdFlatIP>(old->d);
  simd->codes.swap(old->codes);
  simd->ntotal = old->ntotal;
  if (index.own_fields) delete old;
  index.storage = simd.release();
  index.own_fields = true;
}

}  // namespace feedrank::kernels::cpu
