// The post matrix resident on the GPU, with each row's id and the tombstone words. Grows by
// doubling (old contents copied device to device) and is updated incrementally: sync uploads
// only the rows added since the last sync (through pinned staging buffers, asynchronously on
// its own stream) and the range of tombstone words that changed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "kernels/gpu/cuda_handles.h"
#include "kernels/gpu/tombstone_mirror.h"
#include "kernels/vector_index.h"

namespace feedrank::kernels::gpu {

class DeviceMatrix {
 public:
  // Rows are stored with ld = padded_dimension(dimension) elements, fp16 or fp32.
  DeviceMatrix(int dimension, bool fp16, std::size_t initial_capacity_rows);

  // Creates the stream and events. Call once, on the index's device.
  absl::Status init();

  // Indexes rows [rows(), rows.rows) and takes the current tombstones. On error nothing new
  // counts as indexed (rows() is unchanged). A fp16 index saturates values beyond the fp16
  // range to +-65504 (kernel_params.h, PackParams).
  absl::Status sync(const VectorRows& rows);

  std::size_t rows() const { return rows_; }
  std::size_t capacity() const { return capacity_; }
  int dimension() const { return dimension_; }
  int ld() const { return ld_; }
  bool fp16() const { return fp16_; }
  std::size_t element_bytes() const { return fp16_ ? 2 : 4; }
  const void* data() const { return data_.get(); }
  const std::uint64_t* ids() const { return ids_.as<std::uint64_t>(); }
  const std::uint64_t* tombstones() const { return tombstones_.as<std::uint64_t>(); }

 private:
  static constexpr int kStages = 2;  // the host fills one staging buffer while one uploads
  static constexpr std::size_t kStageBytes = 32 << 20;

  absl::Status grow(std::size_t rows_needed);
  absl::Status append(const VectorRows& rows);
  absl::Status upload_tombstones(const VectorRows& rows, TombstoneMirror::Range words);
  // Pinned staging buffer for the next chunk, once the copies that last read it are done.
  absl::Status next_stage(std::size_t bytes, int* stage);

  int dimension_;
  int ld_;
  bool fp16_;
  std::size_t initial_capacity_;

  Stream stream_;
  DeviceMemory data_;
  DeviceMemory ids_;
  DeviceMemory tombstones_;
  PinnedMemory staging_[kStages];
  DeviceMemory staging_device_[kStages];
  Event staged_[kStages];
  int next_stage_ = 0;

  TombstoneMirror tombstone_mirror_;  // the words the device holds
  std::size_t rows_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace feedrank::kernels::gpu
