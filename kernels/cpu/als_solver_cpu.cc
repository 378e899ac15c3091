// The CPU AlsSolver: CBLAS (OpenBLAS through Debian's libblas.so.3) for the dense products with
// Y'Y + lambda I, our own threads for each row's entries and CG updates. The rows of a chunk take
// their CG steps in lockstep, so that each step's dense part is one matrix product (a GEMM
// OpenBLAS runs on every core) instead of one small matrix-vector product per row; the GPU twin
// has the same structure. Rows are independent, so the result does not depend on the threads.
#include <cblas.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "kernels/als_solver.h"

namespace feedrank::kernels {
namespace {

// Rows solved together: four chunk x factors buffers stay small (32 MB at 128 factors) while
// each GEMM is large enough to keep every core busy.
constexpr std::size_t kChunkRows = 16384;
// Below this many rows per thread, one more thread costs more than it saves.
constexpr std::size_t kMinRowsPerThread = 256;

float dot(const float* a, const float* b, int n) {
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

// out += scale * y
void add_scaled(float* out, const float* y, float scale, int n) {
  for (int i = 0; i < n; ++i) out[i] += scale * y[i];
}

// Runs fn(begin, end) over [0, rows) on up to every core.
template <typename Fn>
void for_row_ranges(std::size_t rows, const Fn& fn) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t threads = std::clamp<std::size_t>(rows / kMinRowsPerThread, 1, cores);
  if (threads == 1) {
    fn(std::size_t{0}, rows);
    return;
  }
  std::vector<std::jthread> workers;
  workers.reserve(threads - 1);
  const std::size_t per_thread = (rows + threads - 1) / threads;
  for (std::size_t t = 1; t < threads; ++t) {
    const std::size_t begin = std::min(rows, t * per_thread);
    const std::size_t end = std::min(rows, begin + per_thread);
    workers.emplace_back([&fn, begin, end] { fn(begin, end); });
  }
  fn(std::size_t{0}, std::min(rows, per_thread));
}

// out (rows x k) = in (rows x k) * scale * a (k x k, symmetric).
void multiply_by(const float* in, std::size_t rows, const float* a, int k, float scale,
                 float* out) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows), k, k, scale, in,
              k, a, k, 0.0f, out, k);
}

class CpuAlsSolver final : public AlsSolver {
 public:
  std::string describe() const override { return "cpu (cblas)"; }

 protected:
  absl::Status gram_checked(const FactorMatrix& fixed, std::span<float> out) const override {
    const int k = fixed.factors;
    if (fixed.rows == 0) {
      std::fill(out.begin(), out.end(), 0.0f);
      return absl::OkStatus();
    }
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, k, static_cast<int>(fixed.rows), 1.0f,
                fixed.values.data(), k, 0.0f, out.data(), k);
    for (int i = 0; i < k; ++i) {
      for (int j = 0; j < i; ++j) out[i * k + j] = out[j * k + i];
    }
    return absl::OkStatus();
  }

  absl::Status solve_checked(const AlsStep& step, std::span<float> solved) const override {
    const int k = step.fixed.factors;
    const auto uk = static_cast<std::size_t>(k);
    std::vector<float> a0(step.gram.begin(), step.gram.end());
    for (int i = 0; i < k; ++i) a0[i * k + i] += step.regularization;

    const std::size_t chunk = std::min(kChunkRows, step.matrix.rows);
    std::vector<float> r(chunk * uk), p(chunk * uk), ap(chunk * uk);
    std::vector<float> residual(chunk);  // r.r per row
    for (std::size_t first = 0; first < step.matrix.rows; first += chunk) {
      const std::size_t rows = std::min(chunk, step.matrix.rows - first);
      float* x = solved.data() + first * uk;
      // r = b - A x, where A x = (Y'Y + lambda I) x + sum confidence (y . x) y and
      // b = sum (1 + confidence) y.
      multiply_by(x, rows, a0.data(), k, -1.0f, r.data());
      for_row_ranges(rows, [&](std::size_t begin, std::size_t end) {
        for (std::size_t u = begin; u < end; ++u) {
          float* ru = &r[u * uk];
          for_each_entry(step, first + u, [&](const float* y, float confidence) {
            add_scaled(ru, y, (1.0f + confidence) - confidence * dot(y, x + u * uk, k), k);
          });
          std::copy(ru, ru + k, &p[u * uk]);
          residual[u] = dot(ru, ru, k);
        }
      });
      for (int s = 0; s < step.cg_steps; ++s) {
        multiply_by(p.data(), rows, a0.data(), k, 1.0f, ap.data());
        for_row_ranges(rows, [&](std::size_t begin, std::size_t end) {
          for (std::size_t u = begin; u < end; ++u) {
            if (residual[u] < kAlsResidualFloor) continue;
            float* pu = &p[u * uk];
            float* apu = &ap[u * uk];
            for_each_entry(step, first + u, [&](const float* y, float confidence) {
              add_scaled(apu, y, confidence * dot(y, pu, k), k);
            });
            const float alpha = residual[u] / dot(pu, apu, k);
            float* xu = x + u * uk;
            float* ru = &r[u * uk];
            add_scaled(xu, pu, alpha, k);
            add_scaled(ru, apu, -alpha, k);
            const float next = dot(ru, ru, k);
            const float beta = next / residual[u];
            for (int i = 0; i < k; ++i) pu[i] = ru[i] + beta * pu[i];
            residual[u] = next;
          }
        });
      }
    }
    return absl::OkStatus();
  }

 private:
  template <typename Fn>
  static void for_each_entry(const AlsStep& step, std::size_t row, const Fn& fn) {
    const auto k = static_cast<std::size_t>(step.fixed.factors);
    for (std::uint64_t e = step.matrix.offsets[row]; e < step.matrix.offsets[row + 1]; ++e) {
      fn(step.fixed.values.data() + step.matrix.columns[e] * k, step.matrix.confidences[e]);
    }
  }
};

}  // namespace

std::unique_ptr<AlsSolver> make_cpu_als_solver() { return std::make_unique<CpuAlsSolver>(); }

}  // namespace feedrank::kernels
