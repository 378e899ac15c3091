#include "kernels/gpu/cublas_library.h"

#include <dlfcn.h>

#include <string>

namespace feedrank::kernels::gpu {
namespace {

// Quotes its argument after expanding it: cublas_v2.h maps some names to versioned symbols
// (cublasSgemm is cublasSgemm_v2), and CUBLAS_VER_MAJOR is a number.
#define FEEDRANK_QUOTE(text) FEEDRANK_QUOTE_EXPANDED(text)
#define FEEDRANK_QUOTE_EXPANDED(text) #text

constexpr const char* kLibraryName = "libcublas.so." FEEDRANK_QUOTE(CUBLAS_VER_MAJOR);

// Fails to compile if the header's C function no longer has this type.
[[maybe_unused]] constexpr CublasGemmEx kHeaderGemmEx = &cublasGemmEx;

template <class Function>
void resolve(void* library, const char* symbol, Function* out, std::string* missing) {
  *out = reinterpret_cast<Function>(dlsym(library, symbol));
  if (*out == nullptr && missing->empty()) *missing = symbol;
}

absl::StatusOr<CublasLibrary> load() {
  // Never closed: handles and the library's own state live until the process exits.
  void* library = dlopen(kLibraryName, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    return absl::UnavailableError(std::string("cannot load cuBLAS (") + kLibraryName +
                                  "): " + (why ? why : "unknown error"));
  }
  CublasLibrary api;
  std::string missing;
#define FEEDRANK_RESOLVE(field, function) \
  resolve(library, FEEDRANK_QUOTE(function), &api.field, &missing)
  FEEDRANK_RESOLVE(create, cublasCreate);
  FEEDRANK_RESOLVE(destroy, cublasDestroy);
  FEEDRANK_RESOLVE(set_stream, cublasSetStream);
  FEEDRANK_RESOLVE(set_math_mode, cublasSetMathMode);
  FEEDRANK_RESOLVE(sgemm, cublasSgemm);
  FEEDRANK_RESOLVE(gemm_ex, cublasGemmEx);
  FEEDRANK_RESOLVE(status_name, cublasGetStatusName);
  FEEDRANK_RESOLVE(status_string, cublasGetStatusString);
#undef FEEDRANK_RESOLVE
  if (!missing.empty()) {
    return absl::UnavailableError(std::string(kLibraryName) + " has no " + missing);
  }
  return api;
}

}  // namespace

absl::StatusOr<const CublasLibrary*> cublas_library() {
  static const absl::StatusOr<CublasLibrary> loaded = load();
  if (!loaded.ok()) return loaded.status();
  return &*loaded;
}

}  // namespace feedrank::kernels::gpu
