// cuBLAS opened on first use (dlopen) instead of linked. A CUDA-built program that never asks
// for a GPU then never maps cuBLAS, which costs about 145 MB resident once loaded (62 MB of
// code and read-only data, an 83 MB static buffer) and 94 KB of thread-local storage in every
// thread of the process: most of a CPU-backend server's library overhead.
#pragma once

#include <cublas_v2.h>

#include "absl/status/statusor.h"

namespace feedrank::kernels::gpu {

// cublasGemmEx with a cublasComputeType_t, the C function (the header adds a C++ overload that
// takes a cudaDataType and calls it).
using CublasGemmEx = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int,
                                        int, int, const void*, const void*, cudaDataType, int,
                                        const void*, cudaDataType, int, const void*, void*,
                                        cudaDataType, int, cublasComputeType_t, cublasGemmAlgo_t);

// The cuBLAS functions this project calls, resolved from the loaded library. The types come
// from cublas_v2.h, so a changed signature fails to compile rather than crash at run time.
struct CublasLibrary {
  decltype(&cublasCreate) create = nullptr;
  decltype(&cublasDestroy) destroy = nullptr;
  decltype(&cublasSetStream) set_stream = nullptr;
  decltype(&cublasSetMathMode) set_math_mode = nullptr;
  decltype(&cublasSgemm) sgemm = nullptr;
  CublasGemmEx gemm_ex = nullptr;
  decltype(&cublasGetStatusName) status_name = nullptr;
  decltype(&cublasGetStatusString) status_string = nullptr;
};

// Loads libcublas.so.<major of the headers> once per process (the dynamic loader's search:
// LD_LIBRARY_PATH, the program's RUNPATH, which names the toolkit's library folder, then the
// system's) and resolves every function above. UNAVAILABLE naming the library and the loader's
// message when it is missing or lacks a function; the same answer on every later call.
absl::StatusOr<const CublasLibrary*> cublas_library();

}  // namespace feedrank::kernels::gpu
