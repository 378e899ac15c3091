// cuBLAS is opened on first use, not linked: a program that never asks for it never maps it.
#include "kernels/gpu/cublas_library.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "kernels/gpu/cuda_status.h"

namespace feedrank::kernels::gpu {
namespace {

bool process_maps_cublas() {
  std::ifstream maps("/proc/self/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str().find("libcublas") != std::string::npos;
}

// One test, in this order: whether cuBLAS is mapped is a property of the whole process.
TEST(CublasLibrary, IsMappedOnlyOnceAskedForAndResolvesEveryFunction) {
  ASSERT_FALSE(process_maps_cublas()) << "cuBLAS was mapped before anything asked for it";

  absl::StatusOr<const CublasLibrary*> library = cublas_library();
  if (!library.ok()) {
    // A machine without the toolkit's libraries: a clear error, and still nothing mapped.
    EXPECT_EQ(library.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_NE(library.status().message().find("libcublas.so."), std::string::npos)
        << library.status();
    EXPECT_FALSE(process_maps_cublas());
    GTEST_SKIP() << "cuBLAS is not installed here: " << library.status();
  }
  const CublasLibrary& api = **library;
  EXPECT_TRUE(process_maps_cublas());
  EXPECT_NE(api.create, nullptr);
  EXPECT_NE(api.destroy, nullptr);
  EXPECT_NE(api.set_stream, nullptr);
  EXPECT_NE(api.set_math_mode, nullptr);
  EXPECT_NE(api.sgemm, nullptr);
  EXPECT_NE(api.gemm_ex, nullptr);
  // The functions that need no GPU answer as cuBLAS's own documentation says.
  EXPECT_STREQ(api.status_name(CUBLAS_STATUS_INVALID_VALUE), "CUBLAS_STATUS_INVALID_VALUE");
  EXPECT_NE(std::string(api.status_string(CUBLAS_STATUS_INVALID_VALUE)), "");

  absl::StatusOr<const CublasLibrary*> again = cublas_library();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *library) << "loaded twice";
}

TEST(CublasLibrary, ErrorsNameTheCallAndCublasStatus) {
  EXPECT_TRUE(cublas_status(CUBLAS_STATUS_SUCCESS, "cublasSgemm(...)").ok());
  const absl::Status error = cublas_status(CUBLAS_STATUS_INVALID_VALUE, "cublasSgemm(...)");
  EXPECT_EQ(error.code(), absl::StatusCode::kInternal);
  EXPECT_NE(error.message().find("cublasSgemm(...)"), std::string::npos) << error;
  if (cublas_library().ok()) {
    EXPECT_NE(error.message().find("CUBLAS_STATUS_INVALID_VALUE"), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace feedrank::kernels::gpu
