// Debian's FAISS 1.7.3 is built for baseline x86-64, and its SIMD distance code needs SSE3 or
// AVX2, so every distance it computes is a scalar loop: 118 ns per 128-d inner product on this
// machine, most of an HNSW query's time. HNSW computes all its distances (search and build)
// through its storage's distance computer, so swapping in a storage whose computer uses our
// inner-product kernel speeds HNSW up without touching FAISS. Flat and IVF searches do not go
// through that computer and keep FAISS's own code.
#pragma once

#include <faiss/IndexHNSW.h>

namespace feedrank::kernels::cpu {

// Gives `index` (inner-product metric) a storage with the same rows whose distance computer
// uses cpu::inner_product. Call before any search; a loaded index needs it again.
void use_simd_storage(faiss::IndexHNSW& index);

}  // namespace feedrank::kernels::cpu
