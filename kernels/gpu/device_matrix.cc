#include "kernels/gpu/device_matrix.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "kernels/gpu/cuda_status.h"
#include "kernels/gpu/kernel_launch.h"
#include "kernels/gpu/plan.h"
#include "kernels/search_checks.h"

namespace feedrank::kernels::gpu {
namespace {

// Rows are addressed with 32 bits in the kernels; kNoRow marks "no row".
constexpr std::size_t kMaxRows = kNoRow - 1;

std::size_t round_up(std::size_t a, std::size_t b) { return (a + b - 1) / b * b; }

}  // namespace

DeviceMatrix::DeviceMatrix(int dimension, bool fp16, std::size_t initial_capacity_rows)
    : dimension_(dimension),
      ld_(padded_dimension(dimension)),
      fp16_(fp16),
      initial_capacity_(std::max<std::size_t>(initial_capacity_rows, 64)) {}

absl::Status DeviceMatrix::init() {
  FEEDRANK_RETURN_IF_ERROR(stream_.create());
  for (Event& e : staged_) FEEDRANK_RETURN_IF_ERROR(e.create(EventUse::kHostWait));
  return grow(initial_capacity_);
}

absl::Status DeviceMatrix::sync(const VectorRows& rows) {
  FEEDRANK_RETURN_IF_ERROR(check_rows_cover(rows, dimension_, rows_));
  if (rows.rows > kMaxRows) {
    return absl::InvalidArgumentError("rows: " + std::to_string(rows.rows) +
                                      " rows; the GPU index holds at most " +
                                      std::to_string(kMaxRows));
  }
  FEEDRANK_RETURN_IF_ERROR(grow(rows.rows));
  if (rows.rows > rows_) FEEDRANK_RETURN_IF_ERROR(append(rows));

  // The changed range of tombstone words (new rows' words included).
  const TombstoneMirror::Range words = tombstone_mirror_.begin_sync(rows);
  if (!words.empty()) FEEDRANK_RETURN_IF_ERROR(upload_tombstones(rows, words));

  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_.get()));
  tombstone_mirror_.commit((rows.rows + 63) / 64);
  rows_ = rows.rows;
  return absl::OkStatus();
}

absl::Status DeviceMatrix::grow(std::size_t rows_needed) {
  if (rows_needed <= capacity_ && data_.get() != nullptr) return absl::OkStatus();
  const std::size_t capacity =
      round_up(std::max({rows_needed, 2 * capacity_, initial_capacity_}), 64);
  DeviceMemory data, ids, tombstones;
  FEEDRANK_RETURN_IF_ERROR(data.allocate(capacity * ld_ * element_bytes()));
  FEEDRANK_RETURN_IF_ERROR(ids.allocate(capacity * sizeof(std::uint64_t)));
  FEEDRANK_RETURN_IF_ERROR(tombstones.allocate(capacity / 64 * sizeof(std::uint64_t)));
  cudaStream_t s = stream_.get();
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(tombstones.get(), 0, tombstones.size(), s));
  if (rows_ > 0) {
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(data.get(), data_.get(),
                                                  rows_ * ld_ * element_bytes(),
                                                  cudaMemcpyDeviceToDevice, s));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(
        ids.get(), ids_.get(), rows_ * sizeof(std::uint64_t), cudaMemcpyDeviceToDevice, s));
  }
  if (tombstones_.size() > 0) {
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(tombstones.get(), tombstones_.get(),
                                                  tombstones_.size(), cudaMemcpyDeviceToDevice,
                                                  s));
  }
  // The old buffers are freed (swap, then destructors) only once the copies are done.
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(s));
  data_.swap(data);
  ids_.swap(ids);
  tombstones_.swap(tombstones);
  capacity_ = capacity;
  return absl::OkStatus();
}

absl::Status DeviceMatrix::next_stage(std::size_t bytes, int* stage) {
  const int b = next_stage_;
  next_stage_ = (next_stage_ + 1) % kStages;
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(staged_[b].get()));
  FEEDRANK_RETURN_IF_ERROR(staging_[b].reserve(bytes));
  *stage = b;
  return absl::OkStatus();
}

absl::Status DeviceMatrix::append(const VectorRows& rows) {
  cudaStream_t s = stream_.get();
  const std::size_t d = static_cast<std::size_t>(dimension_);
  const std::size_t per_row = d * sizeof(float) + sizeof(std::uint64_t);
  const std::size_t chunk = std::max<std::size_t>(1, kStageBytes / per_row);
  for (std::size_t from = rows_; from < rows.rows; from += chunk) {
    const std::size_t n = std::min(chunk, rows.rows - from);
    const std::size_t value_bytes = n * d * sizeof(float);
    const std::size_t ids_offset = round_up(value_bytes, 16);
    int b = 0;
    FEEDRANK_RETURN_IF_ERROR(next_stage(ids_offset + n * sizeof(std::uint64_t), &b));
    FEEDRANK_RETURN_IF_ERROR(staging_device_[b].reserve(value_bytes));
    auto* host = staging_[b].as<unsigned char>();
    copy_rows_as_floats(rows, from, from + n, reinterpret_cast<float*>(host));
    std::memcpy(host + ids_offset, rows.ids + from, n * sizeof(std::uint64_t));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(staging_device_[b].get(), host, value_bytes,
                                                  cudaMemcpyHostToDevice, s));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(ids_.as<std::uint64_t>() + from,
                                                  host + ids_offset, n * sizeof(std::uint64_t),
                                                  cudaMemcpyHostToDevice, s));
    PackParams p;
    p.src = staging_device_[b].as<float>();
    p.d = dimension_;
    p.rows = n;
    p.dst = data_.as<unsigned char>() + from * ld_ * element_bytes();
    p.ld = ld_;
    p.fp16 = fp16_ ? 1 : 0;
    FEEDRANK_CUDA_RETURN_IF_ERROR(launch_pack(p, s));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(staged_[b].get(), s));
  }
  return absl::OkStatus();
}

absl::Status DeviceMatrix::upload_tombstones(const VectorRows& rows, TombstoneMirror::Range words) {
  cudaStream_t s = stream_.get();
  const std::size_t chunk = kStageBytes / sizeof(std::uint64_t);
  for (std::size_t from = words.first; from < words.last; from += chunk) {
    const std::size_t n = std::min(chunk, words.last - from);
    int b = 0;
    FEEDRANK_RETURN_IF_ERROR(next_stage(n * sizeof(std::uint64_t), &b));
    auto* host = staging_[b].as<std::uint64_t>();
    // A delete may set bits meanwhile (the indexer reads a pin of the table, beside the writer):
    // the mirror records the words as read here, so a bit set after is uploaded by a later sync.
    tombstone_mirror_.stage(rows, from, n, host);
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(tombstones_.as<std::uint64_t>() + from, host,
                                                  n * sizeof(std::uint64_t),
                                                  cudaMemcpyHostToDevice, s));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(staged_[b].get(), s));
  }
  return absl::OkStatus();
}

}  // namespace feedrank::kernels::gpu
